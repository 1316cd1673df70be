"""Which models ComfyUI puts on and takes off the device, and which node asked: wrappers on
``comfy.model_management.load_models_gpu`` and ``free_memory`` compare the loaded-model list
before and after the call, and each prompt's run notes what was loaded when it began and ended.

ComfyUI (0.3.6x to 0.27) keeps ``current_loaded_models``, a list of ``LoadedModel`` each holding a
model patcher (``.model``; a weak reference on newer releases). ``load_models_gpu`` may pop and
re-insert an entry it already holds, so models are compared by their patcher, not their entry. It
calls ``free_memory`` itself: inside it, only the outer wrapper reports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from ...profiler.events import ModelEntry
from .state import STATE, arg, failed

# The wrapped calls nest (load_models_gpu -> free_memory): only the outermost reports.
_depth = threading.local()


def loaded_model_name(loaded: Any) -> str:
    """A LoadedModel's name as the OOM capture gives it: its loader's file, else its class."""
    patcher = getattr(loaded, "model", None)
    inner = getattr(patcher, "model", None)
    origin = STATE.origins.origin(patcher) or (STATE.origins.origin(inner) if inner is not None else None)
    if origin is not None:
        return origin.file_name
    return type(inner).__name__ if inner is not None else "unknown model"


def loaded_entries() -> dict[int, tuple[Any, ModelEntry]]:
    """The models on a device now: patcher id -> (patcher, (name, device, bytes on the device))."""
    import comfy.model_management as mm

    found: dict[int, tuple[Any, ModelEntry]] = {}
    for loaded in list(getattr(mm, "current_loaded_models", [])):
        patcher = getattr(loaded, "model", None)
        if patcher is None:  # a dead weak reference: ComfyUI drops it at its next cleanup
            continue
        found[id(patcher)] = (patcher, (loaded_model_name(loaded), _device(loaded), _loaded_bytes(loaded)))
    return found


def _device(loaded: Any) -> str | None:
    device = getattr(loaded, "device", None)
    return None if device is None else str(device)


def _loaded_bytes(loaded: Any) -> int | None:
    try:
        return int(loaded.model_loaded_memory())
    except Exception:
        return None


def _report(before: dict[int, tuple[Any, ModelEntry]], asked: Iterable[Any] = ()) -> None:
    recorder = STATE.recorder
    if recorder is None:
        return
    after = loaded_entries()
    asked_ids = {id(m) for m in asked}
    recorder.models_changed("unloaded", [entry for key, (_p, entry) in before.items() if key not in after])
    recorder.models_changed("loaded", [entry for key, (_p, entry) in after.items() if key not in before])
    recorder.models_changed("used", [after[key][1] for key in asked_ids if key in before and key in after])


def _wrap_call(
    hook: str, original: Callable[..., Any], asked: Callable[..., Iterable[Any]]
) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_depth, "value", 0)
        if STATE.recorder is None or depth:
            return original(*args, **kwargs)
        try:
            before = loaded_entries()
        except Exception:
            failed(hook)
            return original(*args, **kwargs)
        _depth.value = depth + 1
        try:
            return original(*args, **kwargs)
        finally:
            # Also after a failure (an OOM while loading): what it unloaded to make room is gone.
            _depth.value = depth
            try:
                _report(before, asked(args, kwargs))
            except Exception:
                failed(hook)

    return call


def make_load_models_gpu(original: Callable[..., Any]) -> Callable[..., Any]:
    def asked(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Iterable[Any]:
        models = arg(args, kwargs, 0, "models")
        return list(models) if isinstance(models, (list, tuple)) else ()

    return _wrap_call("load_models_gpu", original, asked)


def make_free_memory(original: Callable[..., Any]) -> Callable[..., Any]:
    return _wrap_call("free_memory", original, lambda _args, _kwargs: ())


def note_run_begins(prompt_id: str) -> None:
    """What is on the device as a prompt begins, and what was when the previous one ended."""
    recorder = STATE.recorder
    if recorder is None:
        return
    try:
        entries = [entry for _p, entry in loaded_entries().values()]
        recorder.models_resident(prompt_id, entries, STATE.resident_at_end)
    except Exception:
        failed("models at the start")


def note_run_ends() -> None:
    try:
        STATE.resident_at_end = frozenset(entry[0] for _p, entry in loaded_entries().values())
    except Exception:
        failed("models at the end")


def unloaded_all(before: dict[int, tuple[Any, ModelEntry]]) -> None:
    """``unload_all_models`` returned: what was on the device is off it."""
    _report(before)
