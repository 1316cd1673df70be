"""Out of memory: which errors are one, and what was loaded when it happened.

The host adapter (``backend/host/``) reads ComfyUI's own answers (its ``is_oom``, its
``OOM_EXCEPTION``, its list of loaded models) and passes them in; the rules live here, so they are
the same for a live exception and for the text ComfyUI reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# torch.cuda.OutOfMemoryError and torch.OutOfMemoryError; ComfyUI re-raises them unchanged.
OOM_TYPE_NAME = "OutOfMemoryError"


@dataclass(frozen=True)
class LoadedModel:
    """One model ComfyUI held when memory ran out; ``None`` where it could not be read.

    Attributes:
        model_type: The model's class (e.g. ``SDXL``, ``Flux``).
        config: Its configuration class (the architecture ComfyUI detected).
        device: Where it was loaded (``cuda:0``, ``cpu``).
        memory_bytes: Its whole size.
        loaded_bytes: How much of it sat on the device (ComfyUI may load a model partly).
    """

    model_type: str | None
    config: str | None
    device: str | None
    memory_bytes: int | None
    loaded_bytes: int | None


# Told of an out-of-memory error with what was loaded, before the host unloads it.
OomListener = Callable[[BaseException, list[LoadedModel]], None]


def is_oom_error(
    ex: BaseException,
    *,
    host_check: Callable[[BaseException], bool] | None = None,
    oom_type: type | None = None,
) -> bool:
    """Whether ``ex`` is an out-of-memory error.

    Args:
        ex: The exception a node raised.
        host_check: The host's own test where it has one (newer ComfyUI: ``model_management.is_oom``);
            if it fails, the other tests decide.
        oom_type: The host's out-of-memory class (ComfyUI's ``OOM_EXCEPTION``).
    """
    if host_check is not None:
        try:
            return bool(host_check(ex))
        except Exception:
            pass
    if isinstance(oom_type, type) and isinstance(ex, oom_type):
        return True
    return type(ex).__name__ == OOM_TYPE_NAME


def reads_as_oom(exception_type: str, message: str) -> bool:
    """Whether an error as the host reported it (type name and message) was out of memory."""
    return OOM_TYPE_NAME in exception_type or "out of memory" in message.lower()


def loaded_device_bytes(models: Iterable[LoadedModel]) -> int:
    """What the models held on their devices, counting an unreadable size as nothing."""
    return sum(m.loaded_bytes or 0 for m in models)
