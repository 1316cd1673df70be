"""Execution hooks on a real ComfyUI, feeding the profiler's Recorder.

Hook points, chosen for stability across ComfyUI releases (see ComfyUI's execution.py and
comfy_execution/progress.py):
- ``PromptExecutor.execute``: a prompt's whole run (begin/end, its graph, the executor's caches).
- ``PromptExecutor.add_message``: execution_cached / _success / _error / _interrupted, sent even
  without a client_id: the outcome, and which node failed.
- a ``ProgressHandler`` registered on every fresh progress registry (``execution.reset_progress_state``
  is rebuilt per prompt, with the prompt's DynamicPrompt): the real start and finish of each node,
  across lazy and async re-entry; at the finish, the outputs' tensor shapes from the cache (ComfyUI
  stores them before it reports the finish); subgraph parents are asked of the DynamicPrompt once,
  when the record is built (on the history writer's thread, after the prompt: ComfyUI no longer
  changes that DynamicPrompt then, it makes a new one per prompt).
- ``execution.execute`` (signature-agnostic ``*args, **kwargs``), only on releases without the
  progress registry: there it times each node and reads its outputs. Where the handler does that,
  no wrapper sits around every node: that is most of what a profiler costs per node.
- ``comfy.model_management.unload_all_models``: on an OOM ComfyUI unloads every model from inside
  its except block; the wrapper sees the exception there and captures what was loaded first.

Every hook catches its own failures (counted, logged once) and calls the original outside any
try block, so a workflow's outcome and exceptions (interrupts included) are exactly ComfyUI's.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import log
from ..profiler.memory import MemoryProbe
from ..profiler.recorder import MemorySample, Recorder
from ..profiler.shapes import MAX_SHAPES, RawShape, raw_tensor_shapes
from ..schemas.profiler import ErrorSummary

WRAPPED_MARK = "__swissarmyknife_wrapped__"
HANDLER_NAME = "swissarmyknife"
SUCCESS, FAILURE = 0, 1


@dataclass
class HookState:
    """What the installed wrappers read: None recorder means pass straight through."""

    recorder: Recorder | None = None
    probe: MemoryProbe | None = None
    installed: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    progress_handler: Any = None
    # The PromptExecutor running a recorded prompt: its caches hold each node's outputs.
    executor: Any = None
    oom_listeners: list[Callable[[BaseException, list[dict[str, Any]]], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


STATE = HookState()


def _failed(hook: str) -> None:
    STATE.failures[hook] = STATE.failures.get(hook, 0) + 1
    log.warn_once(
        f"hook-failed:{hook}", f"profiler hook {hook} failed; the workflow is unaffected", exc_info=True
    )


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else None


def _wrap(owner: Any, attribute: str, make: Callable[[Any], Any], hook: str) -> bool:
    original = getattr(owner, attribute, None)
    if original is None or not callable(original):
        log.warn_once(f"hook-missing:{hook}", f"ComfyUI has no {hook}; that part of the profiler is off")
        return False
    if getattr(original, WRAPPED_MARK, False):
        return True
    wrapper = make(original)
    functools.update_wrapper(wrapper, original)
    setattr(wrapper, WRAPPED_MARK, True)
    setattr(owner, attribute, wrapper)
    return True


# --- PromptExecutor.execute ---------------------------------------------------------------------


def _make_prompt_execute(original: Callable[..., Any]) -> Callable[..., Any]:
    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = STATE.recorder
        prompt_id = None
        if recorder is not None:
            try:
                prompt = _arg(args, kwargs, 0, "prompt")
                prompt_id = str(_arg(args, kwargs, 1, "prompt_id"))
                if STATE.progress_handler is not None:
                    STATE.progress_handler.reset()
                STATE.executor = self
                recorder.begin_workflow(prompt_id, prompt if isinstance(prompt, dict) else {})
            except Exception:
                _failed("PromptExecutor.execute")
                prompt_id = None
        try:
            return original(self, *args, **kwargs)
        finally:
            if recorder is not None and prompt_id is not None:
                STATE.executor = None
                try:
                    recorder.end_workflow(prompt_id)
                except Exception:
                    _failed("PromptExecutor.execute")

    return execute


# --- PromptExecutor.add_message -----------------------------------------------------------------


def _on_message(recorder: Recorder, event: Any, data: Any) -> None:
    if not isinstance(data, dict) or "prompt_id" not in data:
        return
    prompt_id = str(data["prompt_id"])
    if event == "execution_cached":
        _ensure_progress_handler()
        recorder.mark_cached(prompt_id, [str(n) for n in data.get("nodes") or ()])
    elif event == "execution_success":
        recorder.workflow_outcome(prompt_id, "success")
    elif event == "execution_error":
        recorder.workflow_outcome(
            prompt_id,
            "error",
            ErrorSummary(
                node_id=_opt_str(data.get("node_id")),
                node_type=_opt_str(data.get("node_type")),
                exception_type=str(data.get("exception_type") or "Exception"),
                message=str(data.get("exception_message") or "").strip()[:2000],
            ),
            memory=_memory_now(),  # the failed node's closing memory
        )
    elif event == "execution_interrupted":
        recorder.workflow_outcome(
            prompt_id,
            "interrupted",
            ErrorSummary(
                node_id=_opt_str(data.get("node_id")),
                node_type=_opt_str(data.get("node_type")),
                exception_type="interrupted",
                message="the prompt was interrupted",
            ),
            memory=_memory_now(),
        )


def _memory_now() -> MemorySample | None:
    """A closing memory sample outside the per-node path; None rather than lose what goes with it."""
    probe = STATE.probe
    if probe is None:
        return None
    try:
        return probe.after()
    except Exception:
        _failed("MemoryProbe.after")
        return None


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _make_add_message(original: Callable[..., Any]) -> Callable[..., Any]:
    def add_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = STATE.recorder
        if recorder is not None:
            try:
                _on_message(recorder, _arg(args, kwargs, 0, "event"), _arg(args, kwargs, 1, "data"))
            except Exception:
                _failed("PromptExecutor.add_message")
        return original(self, *args, **kwargs)

    return add_message


# --- the progress handler -----------------------------------------------------------------------


def _progress_handler_class() -> type | None:
    try:
        from comfy_execution.progress import ProgressHandler
    except Exception:
        return None

    class SwissArmyKnifeProgressHandler(ProgressHandler):  # type: ignore[misc]
        """Times each node from its real start to its real finish."""

        def __init__(self) -> None:
            super().__init__(HANDLER_NAME)
            self.started: set[str] = set()

        # Both run inside every node's time: a read or two and one append each, nothing more.
        def start_handler(self, node_id: str, state: Any, prompt_id: str) -> None:
            recorder, probe = STATE.recorder, STATE.probe
            if recorder is None or node_id in self.started:
                return  # a lazy or async re-entry: the first start is the real one
            self.started.add(node_id)
            try:
                memory = probe.before() if probe else None
            except Exception:  # a failed reading costs the memory figures, not the node
                memory = None
                _failed("MemoryProbe.before")
            try:
                recorder.node_started(prompt_id, node_id, memory)
            except Exception:
                _failed("ProgressHandler.start_handler")

        def finish_handler(self, node_id: str, state: Any, prompt_id: str) -> None:
            recorder, probe = STATE.recorder, STATE.probe
            if recorder is None or node_id not in self.started:
                return  # cached output nodes finish without starting
            try:
                memory = probe.after() if probe else None
            except Exception:
                memory = None
                _failed("MemoryProbe.after")
            try:
                recorder.node_finished(prompt_id, node_id, memory, _finished_outputs(node_id))
            except Exception:
                _failed("ProgressHandler.finish_handler")

        def reset(self) -> None:
            self.started = set()

    return SwissArmyKnifeProgressHandler


def _ensure_progress_handler() -> None:
    """Put our handler on the current registry (idempotent: the registry keys handlers by name)."""
    handler = STATE.progress_handler
    if handler is None:
        return
    from comfy_execution import progress

    registry = progress.get_progress_state()
    if registry.handlers.get(HANDLER_NAME) is not handler:
        handler.set_registry(registry)
        registry.register_handler(handler)


def _make_reset_progress_state(original: Callable[..., Any]) -> Callable[..., Any]:
    def reset_progress_state(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        recorder = STATE.recorder
        if recorder is not None:
            try:
                _ensure_progress_handler()
                prompt_id = _arg(args, kwargs, 0, "prompt_id")
                dynprompt = _arg(args, kwargs, 1, "dynprompt")
                if prompt_id is not None and dynprompt is not None:
                    recorder.node_graph(str(prompt_id), _expansion_reader(dynprompt))
            except Exception:
                _failed("reset_progress_state")
        return result

    return reset_progress_state


def _expansion_reader(dynprompt: Any) -> Callable[[str], tuple[str | None, str | None] | None]:
    """For a node the prompt does not have: its class type and the node whose subgraph made it."""

    def read(node_id: str) -> tuple[str | None, str | None] | None:
        parent = dynprompt.get_display_node_id(node_id)
        if parent is None or parent == node_id:
            return None
        return dynprompt.get_node(node_id).get("class_type"), str(parent)

    return read


def _finished_outputs(node_id: str) -> list[RawShape] | None:
    """A finished node's output shapes from the running executor's cache; None when unreadable."""
    entry = _cached_entry(getattr(STATE.executor, "caches", None), node_id)
    if _is_awaitable(entry):  # an async get() without a local read: not ours to await here
        close = getattr(entry, "close", None)
        if callable(close):
            close()
        return None
    return None if entry is None else _output_shapes(entry)


# --- execution.execute --------------------------------------------------------------------------


def _result_code(result: Any) -> int | None:
    try:
        code = result[0]
    except Exception:
        return None
    value = getattr(code, "value", code)
    return value if isinstance(value, int) else None


def _cached_entry(caches: Any, node_id: str) -> Any:
    """The node's cache entry, or an awaitable of it on the releases whose get() was async.

    Newer ComfyUI's async get() marks the entry as used for LRU and RAM-pressure eviction and asks
    external cache providers on a miss: a profiler must not, so its plain get_local() where it exists.
    """
    outputs_cache = getattr(caches, "outputs", None)
    if outputs_cache is None:
        return None
    get_local = getattr(outputs_cache, "get_local", None)
    return get_local(node_id) if get_local is not None else outputs_cache.get(node_id)


def _is_awaitable(value: Any) -> bool:
    # Entries are tuples (CacheEntry is a NamedTuple), lists or None: decided before inspect's ABC
    # check, which costs more than the rest of the read.
    return not isinstance(value, (tuple, list, type(None))) and inspect.isawaitable(value)


_SLOT_NAMES = tuple(f"out{slot}" for slot in range(MAX_SHAPES))


def _output_shapes(entry: Any) -> list[RawShape]:
    """The tensors in a cache entry's outputs, at most MAX_SHAPES; a plain tensor per slot is the
    common case and is taken without the general walk."""
    data = getattr(entry, "outputs", entry)  # newer: CacheEntry(ui, outputs); older: the outputs
    if not isinstance(data, (list, tuple)):
        return []
    shapes: list[RawShape] = []
    for slot, results in enumerate(data[:MAX_SHAPES]):
        # Each slot holds one result per mapped batch; a single one is the common case.
        value = results[0] if isinstance(results, (list, tuple)) and len(results) == 1 else results
        shape = getattr(value, "shape", None)
        if isinstance(shape, tuple):  # torch.Size is a tuple
            dtype = getattr(value, "dtype", None)
            if dtype is not None:
                shapes.append((_SLOT_NAMES[slot], shape, dtype, getattr(value, "device", None)))
                continue
        shapes.extend(raw_tensor_shapes(value, _SLOT_NAMES[slot], limit=MAX_SHAPES - len(shapes)))
        if len(shapes) >= MAX_SHAPES:
            break
    return shapes


def _is_interrupt(ex: BaseException) -> bool:
    return type(ex).__name__ == "InterruptProcessingException"


def is_oom(ex: BaseException) -> bool:
    """ComfyUI's own test where it has one (new: is_oom), else torch's OutOfMemoryError."""
    try:
        import comfy.model_management as mm
    except Exception:
        mm = None
    checker = getattr(mm, "is_oom", None)
    if checker is not None:
        try:
            return bool(checker(ex))
        except Exception:
            pass
    oom_type = getattr(mm, "OOM_EXCEPTION", None)
    if isinstance(oom_type, type) and isinstance(ex, oom_type):
        return True
    return type(ex).__name__ == "OutOfMemoryError"


def _make_node_execute(original: Callable[..., Any]) -> Callable[..., Any]:
    # Installed only where no progress handler times the nodes (see install()).
    async def execute(*args: Any, **kwargs: Any) -> Any:
        recorder = STATE.recorder
        context: tuple[str, str, Any] | None = None
        if recorder is not None:
            try:
                if len(args) >= 7:  # ComfyUI passes everything positionally
                    dynprompt, caches, node_id, prompt_id = args[1], args[2], str(args[3]), str(args[6])
                else:
                    dynprompt = _arg(args, kwargs, 1, "dynprompt")
                    caches = _arg(args, kwargs, 2, "caches")
                    node_id = str(_arg(args, kwargs, 3, "current_item"))
                    prompt_id = str(_arg(args, kwargs, 6, "prompt_id"))
                parent = dynprompt.get_display_node_id(node_id) if dynprompt is not None else None
                class_type = None
                if parent is not None and parent != node_id:
                    # An ephemeral node from a subgraph expansion: only here do we learn its parent.
                    class_type = dynprompt.get_node(node_id).get("class_type")
                else:
                    parent = None
                recorder.node_started(prompt_id, node_id, None, class_type=class_type, parent_node_id=parent)
                context = (prompt_id, node_id, caches)
            except Exception:
                _failed("execution.execute")
        result = await original(*args, **kwargs)
        if context is not None and recorder is not None:
            try:
                code = _result_code(result)
                if code == SUCCESS:
                    prompt_id, node_id, caches = context
                    entry = _cached_entry(caches, node_id)
                    if _is_awaitable(entry):
                        entry = await entry
                    recorder.node_finished(prompt_id, node_id, None, _output_shapes(entry))
                elif code == FAILURE:
                    _node_failed(recorder, context, result)
            except Exception:
                _failed("execution.execute")
        return result

    return execute


def _node_failed(recorder: Recorder, context: tuple[str, str, Any], result: Any) -> None:
    prompt_id, node_id, _caches = context
    ex = result[2] if len(result) > 2 else None
    if isinstance(ex, BaseException):
        interrupted = _is_interrupt(ex)
        recorder.node_failed(
            prompt_id,
            node_id,
            "interrupted" if interrupted else f"{type(ex).__name__}: {ex}",
            interrupted=interrupted,
            oom=not interrupted and is_oom(ex),
            memory=STATE.probe.after() if STATE.probe else None,
        )


# --- comfy.model_management.unload_all_models ---------------------------------------------------


def loaded_models() -> list[dict[str, Any]]:
    """What ComfyUI holds loaded right now: class, config, bytes in total and on the device."""
    import comfy.model_management as mm

    found = []
    for loaded in list(getattr(mm, "current_loaded_models", [])):
        patcher = getattr(loaded, "model", None)
        inner = getattr(patcher, "model", None)
        entry: dict[str, Any] = {
            "model_type": type(inner).__name__ if inner is not None else None,
            "config": type(getattr(inner, "model_config", None)).__name__ if inner is not None else None,
            "device": str(getattr(loaded, "device", None)),
        }
        for key, method in (("memory_bytes", "model_memory"), ("loaded_bytes", "model_loaded_memory")):
            try:
                entry[key] = int(getattr(loaded, method)())
            except Exception:
                entry[key] = None
        found.append(entry)
    return found


def _make_unload_all_models(original: Callable[..., Any]) -> Callable[..., Any]:
    def unload_all_models(*args: Any, **kwargs: Any) -> Any:
        if STATE.recorder is not None or STATE.oom_listeners:
            ex = sys.exc_info()[1]
            try:
                oom = ex is not None and is_oom(ex)
                if oom and STATE.recorder is not None:
                    # The failing node's end and memory: now, before ComfyUI unloads and reports.
                    STATE.recorder.out_of_memory(_memory_now())
            except Exception:
                oom = False
                _failed("unload_all_models")
            if oom and ex is not None:
                try:
                    snapshot = loaded_models()
                    total = sum(m.get("loaded_bytes") or 0 for m in snapshot)
                    log.warning(
                        f"out of memory: {len(snapshot)} model(s) were loaded ({total / 2**30:.2f} GiB on "
                        "devices) before ComfyUI unloaded them"
                    )
                    for listener in list(STATE.oom_listeners):
                        listener(ex, snapshot)
                except Exception:
                    _failed("unload_all_models")
        return original(*args, **kwargs)

    return unload_all_models


# --- install / attach ---------------------------------------------------------------------------


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
            if executor is not None and _wrap(
                executor, "execute", _make_prompt_execute, "PromptExecutor.execute"
            ):
                installed.append("PromptExecutor.execute")
            if executor is not None and _wrap(
                executor, "add_message", _make_add_message, "PromptExecutor.add_message"
            ):
                installed.append("PromptExecutor.add_message")
            handler_class = _progress_handler_class()
            if handler_class is not None and _wrap(
                execution,
                "reset_progress_state",
                _make_reset_progress_state,
                "execution.reset_progress_state",
            ):
                STATE.progress_handler = handler_class()
                installed.append("ProgressHandler")
            # Around every node only where no progress handler times the nodes (older releases).
            if (
                STATE.progress_handler is None
                and inspect.iscoroutinefunction(getattr(execution, "execute", None))
                and _wrap(execution, "execute", _make_node_execute, "execution.execute")
            ):
                installed.append("execution.execute")
            try:
                import comfy.model_management as mm

                if _wrap(mm, "unload_all_models", _make_unload_all_models, "unload_all_models"):
                    installed.append("unload_all_models")
            except Exception:
                log.warn_once("hooks-no-mm", "comfy.model_management is missing; OOM capture is off")
        except Exception:
            _failed("install")
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
