"""Out of memory inside ComfyUI: its own tests for an OOM error, its loaded models, and the hook on
``comfy.model_management.unload_all_models``, which ComfyUI calls from inside its except block on
an OOM: the wrapper sees the exception there and captures what was loaded before it goes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ... import log
from ...profiler.oom import LoadedModel, OomCapture, is_oom_error, loaded_device_bytes
from .residency import loaded_entries, unloaded_all
from .state import STATE, failed, memory_now


def is_oom(ex: BaseException) -> bool:
    """ComfyUI's own test where it has one (newer: ``is_oom``), else its ``OOM_EXCEPTION``, else torch's."""
    try:
        import comfy.model_management as mm
    except Exception:
        mm = None
    return is_oom_error(
        ex, host_check=getattr(mm, "is_oom", None), oom_type=getattr(mm, "OOM_EXCEPTION", None)
    )


def _read_bytes(loaded: Any, method: str) -> int | None:
    try:
        return int(getattr(loaded, method)())
    except Exception:
        return None


def loaded_models() -> list[LoadedModel]:
    """What ComfyUI holds loaded right now (``model_management.current_loaded_models``)."""
    import comfy.model_management as mm

    found = []
    for loaded in list(getattr(mm, "current_loaded_models", [])):
        patcher = getattr(loaded, "model", None)
        inner = getattr(patcher, "model", None)
        origin = STATE.origins.origin(patcher) or (STATE.origins.origin(inner) if inner is not None else None)
        loader = origin.loader_in(STATE.loaders) if origin is not None else None
        found.append(
            LoadedModel(
                model_type=type(inner).__name__ if inner is not None else None,
                config=type(getattr(inner, "model_config", None)).__name__ if inner is not None else None,
                device=str(getattr(loaded, "device", None)),
                memory_bytes=_read_bytes(loaded, "model_memory"),
                loaded_bytes=_read_bytes(loaded, "model_loaded_memory"),
                file_name=origin.file_name if origin is not None else None,
                loader_node_id=loader,
                loader_class_type=origin.class_type if origin is not None else None,
                # Named, but no loader of this prompt gives it: left from an earlier one.
                in_prompt=None if origin is None else loader is not None,
            )
        )
    return found


def device_memory() -> tuple[int | None, int | None, str | None]:
    """torch's allocated and reserved bytes and its memory summary, where CUDA is in use."""
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    try:
        if cuda is None or not cuda.is_available() or not cuda.is_initialized():
            return None, None, None
        return int(cuda.memory_allocated()), int(cuda.memory_reserved()), str(cuda.memory_summary())
    except Exception:  # a broken device must not cost the rest of the capture
        return None, None, None


# torch.cuda.memory_stats() keys worth keeping with a capture: what was asked of the allocator, what
# it had to retry, and how split up the reserved memory was (fragmentation).
ALLOCATOR_STATS = (
    "num_alloc_retries",
    "num_ooms",
    "allocated_bytes.all.current",
    "allocated_bytes.all.peak",
    "reserved_bytes.all.current",
    "reserved_bytes.all.peak",
    "active_bytes.all.current",
    "inactive_split_bytes.all.current",
    "inactive_split.all.current",
    "segment.all.current",
)


def allocator_stats() -> dict[str, int] | None:
    """The CUDA caching allocator's counters (``ALLOCATOR_STATS``), where CUDA is in use."""
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    try:
        if cuda is None or not cuda.is_available() or not cuda.is_initialized():
            return None
        stats = cuda.memory_stats()
        return {key: int(stats[key]) for key in ALLOCATOR_STATS if key in stats}
    except Exception:  # a broken device must not cost the rest of the capture
        return None


def make_unload_all_models(original: Callable[..., Any]) -> Callable[..., Any]:
    def unload_all_models(*args: Any, **kwargs: Any) -> Any:
        if STATE.recorder is not None or STATE.oom_listeners:
            ex = sys.exc_info()[1]
            try:
                oom = ex is not None and is_oom(ex)
                if oom and STATE.recorder is not None:
                    # The failing node's end and memory: now, before ComfyUI unloads and reports.
                    STATE.recorder.out_of_memory(memory_now())
            except Exception:
                oom = False
                failed("unload_all_models")
            if oom and ex is not None:
                try:
                    snapshot = loaded_models()
                    allocated, reserved, summary = device_memory()
                    capture = OomCapture(
                        exception_type=type(ex).__name__,
                        message=str(ex),
                        loaded=snapshot,
                        allocated_bytes=allocated,
                        reserved_bytes=reserved,
                        memory_summary=summary,
                        allocator_stats=allocator_stats(),
                    )
                    names = ", ".join(m.name for m in snapshot) or "none"
                    log.warning(
                        f"out of memory: {len(snapshot)} model(s) were loaded "
                        f"({loaded_device_bytes(snapshot) / 2**30:.2f} GiB on devices: {names}) before "
                        "ComfyUI unloaded them"
                    )
                    for listener in list(STATE.oom_listeners):
                        listener(capture)
                except Exception:
                    failed("unload_all_models")
        before = None
        if STATE.recorder is not None:
            try:
                before = loaded_entries()
            except Exception:
                failed("unload_all_models")
        result = original(*args, **kwargs)
        if before is not None:
            try:
                unloaded_all(before)
            except Exception:
                failed("unload_all_models")
        return result

    return unload_all_models
