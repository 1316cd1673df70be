"""Execution hooks on a real ComfyUI, feeding the profiler's Recorder.

Hook points, chosen for stability across ComfyUI releases (see ComfyUI's execution.py and
comfy_execution/progress.py), one module each:
- ``prompt.py``: ``PromptExecutor.execute`` (a prompt's whole run: begin/end, its graph, the
  executor's caches) and ``PromptExecutor.add_message`` (the outcome, cached nodes, which node failed).
- ``progress.py``: a ``ProgressHandler`` on every fresh progress registry: the real start and finish
  of each node; ``outputs.py`` reads the finished node's output shapes from the cache.
- ``legacy.py``: ``execution.execute``, only on releases without the progress registry.
- ``memory.py``: ``comfy.model_management.unload_all_models``: on an OOM ComfyUI unloads every model
  from inside its except block; the wrapper sees the exception there and captures what was loaded.
- ``residency.py``: ``load_models_gpu`` and ``free_memory``: which models each node put on or took off
  the device; ``models.py`` names them by the files their loader nodes were given.

Every hook catches its own failures (counted, logged once) and calls the original outside any
try block, so a workflow's outcome and exceptions (interrupts included) are exactly ComfyUI's.
"""

from __future__ import annotations

import importlib
import inspect
import sys

from ... import log
from ...profiler import Recorder
from ...profiler.memory import MemoryProbe
from .legacy import make_node_execute
from .memory import make_unload_all_models
from .progress import make_reset_progress_state, progress_handler_class
from .prompt import make_add_message, make_prompt_execute
from .residency import make_free_memory, make_load_models_gpu
from .state import STATE, HookState, failed, wrap


def install() -> list[str]:
    """Install every hook this ComfyUI offers; idempotent, never raises. Returns the hook names."""
    with STATE.lock:
        if STATE.installed:
            return list(STATE.installed)
        try:
            execution = sys.modules.get("execution") or importlib.import_module("execution")
        except Exception:
            log.warn_once("hooks-no-execution", "ComfyUI's execution module is missing; the profiler is off")
            return []
        installed: list[str] = []
        try:
            executor = getattr(execution, "PromptExecutor", None)
            if executor is not None and wrap(
                executor, "execute", make_prompt_execute, "PromptExecutor.execute"
            ):
                installed.append("PromptExecutor.execute")
            if executor is not None and wrap(
                executor, "add_message", make_add_message, "PromptExecutor.add_message"
            ):
                installed.append("PromptExecutor.add_message")
            handler_class = progress_handler_class()
            if handler_class is not None and wrap(
                execution, "reset_progress_state", make_reset_progress_state, "execution.reset_progress_state"
            ):
                STATE.progress_handler = handler_class()
                installed.append("ProgressHandler")
            # Around every node only where no progress handler times the nodes (older releases).
            if (
                STATE.progress_handler is None
                and inspect.iscoroutinefunction(getattr(execution, "execute", None))
                and wrap(execution, "execute", make_node_execute, "execution.execute")
            ):
                installed.append("execution.execute")
            try:
                import comfy.model_management as mm

                if wrap(mm, "unload_all_models", make_unload_all_models, "unload_all_models"):
                    installed.append("unload_all_models")
                for name, make in (
                    ("load_models_gpu", make_load_models_gpu),
                    ("free_memory", make_free_memory),
                ):
                    if wrap(mm, name, make, name):
                        installed.append(name)
            except Exception:
                log.warn_once("hooks-no-mm", "comfy.model_management is missing; OOM capture is off")
        except Exception:
            failed("install")
        STATE.installed = installed
        log.info(f"profiler hooks installed: {', '.join(installed) or 'none'}")
        return list(installed)


def attach(recorder: Recorder, probe: MemoryProbe | None) -> None:
    """Start feeding ``recorder``; the wrappers pass straight through until this is called."""
    STATE.probe = probe
    STATE.recorder = recorder


def detach() -> None:
    STATE.recorder = None
    STATE.probe = None


__all__ = ["STATE", "HookState", "attach", "detach", "install"]
