"""The host's prompt queue as the actions see it: read safely, or unknown."""

from __future__ import annotations

from typing import Protocol

from .. import log
from ..schemas import QueueState


class QueueReader(Protocol):
    """The host adapter's part that tells how busy ComfyUI is."""

    def queue_state(self) -> QueueState:
        """How many workflows run and wait now; cheap."""
        ...


def read_queue_state(host: QueueReader) -> QueueState:
    """The host's queue, or unknown when reading it fails (logged once): never raises."""
    try:
        return host.queue_state()
    except Exception:
        log.warn_once("queue-state", "could not read the prompt queue", exc_info=True)
        return QueueState(running=None, queued=None)
