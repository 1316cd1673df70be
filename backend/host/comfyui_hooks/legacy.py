"""``execution.execute`` wrapped around every node, only on releases without the progress registry:
there it times each node and reads its outputs (signature-agnostic ``*args, **kwargs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...profiler import Recorder
from .memory import is_oom
from .outputs import cached_entry, is_awaitable, note_loader, output_shapes
from .state import STATE, arg, failed

SUCCESS, FAILURE = 0, 1


def _result_code(result: Any) -> int | None:
    try:
        code = result[0]
    except Exception:
        return None
    value = getattr(code, "value", code)
    return value if isinstance(value, int) else None


def _is_interrupt(ex: BaseException) -> bool:
    return type(ex).__name__ == "InterruptProcessingException"


def make_node_execute(original: Callable[..., Any]) -> Callable[..., Any]:
    async def execute(*args: Any, **kwargs: Any) -> Any:
        recorder = STATE.recorder
        context: tuple[str, str, Any] | None = None
        if recorder is not None:
            try:
                if len(args) >= 7:  # ComfyUI passes everything positionally
                    dynprompt, caches, node_id, prompt_id = args[1], args[2], str(args[3]), str(args[6])
                else:
                    dynprompt = arg(args, kwargs, 1, "dynprompt")
                    caches = arg(args, kwargs, 2, "caches")
                    node_id = str(arg(args, kwargs, 3, "current_item"))
                    prompt_id = str(arg(args, kwargs, 6, "prompt_id"))
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
                failed("execution.execute")
        result = await original(*args, **kwargs)
        if context is not None and recorder is not None:
            try:
                code = _result_code(result)
                if code == SUCCESS:
                    prompt_id, node_id, caches = context
                    entry = cached_entry(caches, node_id)
                    if is_awaitable(entry):
                        entry = await entry
                    recorder.node_finished(prompt_id, node_id, None, output_shapes(entry))
                    if node_id in STATE.loaders:
                        note_loader(node_id, entry)
                elif code == FAILURE:
                    _node_failed(recorder, context, result)
            except Exception:
                failed("execution.execute")
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
