"""Server actions: restart and Clear VRAM, their errors, and who may use them (exposure).

The HTTP side (routes, the per-request guards) is ``backend.api``; the host adapters carry out
what only the host can (ComfyUI's model unloading); this package holds the rules in between.
"""

from dataclasses import dataclass

from .clear_vram import ClearVram, ModelHost, VramSampler
from .errors import (
    ActionConflictError,
    ActionError,
    HostActionError,
    HostBusyError,
    busy_message,
    refuse_when_busy,
)
from .exposure import (
    ALLOW_REMOTE_ENV,
    Exposure,
    actions_refused_reason,
    is_loopback_address,
    remote_actions_opted_in,
)
from .queue import QueueReader, read_queue_state
from .restart import RestartService
from .unload import NamedModelHost, UnloadModels


@dataclass(frozen=True)
class ActionServices:
    """The server actions one process offers; built by the composition root.

    Attributes:
        queue: How busy the host's prompt queue is (shown before a restart).
        restart: The server's restart.
        clear_vram: Unloading models and freeing cached memory.
        unload: Unloading named models (an OOM recommendation's button); None where the host cannot.
    """

    queue: QueueReader
    restart: RestartService
    clear_vram: ClearVram
    unload: UnloadModels | None = None


__all__ = [
    "ALLOW_REMOTE_ENV",
    "ActionConflictError",
    "ActionError",
    "ActionServices",
    "ClearVram",
    "Exposure",
    "HostActionError",
    "HostBusyError",
    "ModelHost",
    "NamedModelHost",
    "QueueReader",
    "RestartService",
    "UnloadModels",
    "VramSampler",
    "actions_refused_reason",
    "busy_message",
    "is_loopback_address",
    "read_queue_state",
    "refuse_when_busy",
    "remote_actions_opted_in",
]
