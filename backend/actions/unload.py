"""Unloading named models: what an OOM recommendation's button does, refused while the queue is busy."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from ..schemas.oom import UnloadedModel, UnloadResult
from .errors import ActionConflictError, refuse_when_busy
from .queue import QueueReader, read_queue_state


class NamedModelHost(QueueReader, Protocol):
    """The host adapter's part: unloading the loaded models that go by the given names."""

    def unload_named_models(self, names: Sequence[str]) -> list[tuple[str, int | None]]:
        """Unload each loaded model whose name (its loader's file, else its class) is in ``names``;
        return (name, bytes freed or None) for each one unloaded. Blocking.

        Raises:
            backend.actions.HostBusyError: A workflow started meanwhile.
            backend.actions.HostActionError: The host could not do it.
        """
        ...


class UnloadModels:
    """Unload models by name, one request at a time, never while a workflow runs or waits."""

    def __init__(self, host: NamedModelHost) -> None:
        self._host = host
        self._busy = threading.Lock()

    def unload(self, names: Sequence[str]) -> UnloadResult:
        """Blocking (call it from a worker thread).

        Raises:
            HostBusyError: A workflow runs or waits.
            ActionConflictError: Another unload is under way.
            HostActionError: The host could not unload.
        """
        refuse_when_busy(read_queue_state(self._host), "unload models")
        if not self._busy.acquire(blocking=False):
            raise ActionConflictError("models are being unloaded already")
        try:
            done = self._host.unload_named_models(list(dict.fromkeys(names)))
        finally:
            self._busy.release()
        unloaded = [UnloadedModel(name=name, freed_bytes=freed) for name, freed in done]
        found = {u.name for u in unloaded}
        known = [u.freed_bytes for u in unloaded if u.freed_bytes is not None]
        return UnloadResult(
            unloaded=unloaded,
            not_found=[n for n in dict.fromkeys(names) if n not in found],
            freed_bytes=sum(known) if known else None,
        )
