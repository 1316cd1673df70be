"""A prompt's whole run (``PromptExecutor.execute``) and what ComfyUI reports of it
(``PromptExecutor.add_message``: execution_cached / _success / _error / _interrupted, sent even
without a client_id)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...profiler import Recorder
from ...schemas.profiler import ErrorSummary
from .models import loader_files
from .progress import ensure_progress_handler
from .residency import note_run_begins, note_run_ends
from .state import STATE, arg, failed, memory_now


def make_prompt_execute(original: Callable[..., Any]) -> Callable[..., Any]:
    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = STATE.recorder
        prompt_id = None
        if recorder is not None:
            try:
                prompt = arg(args, kwargs, 0, "prompt")
                prompt_id = str(arg(args, kwargs, 1, "prompt_id"))
                if STATE.progress_handler is not None:
                    STATE.progress_handler.reset()
                STATE.executor = self
                graph = prompt if isinstance(prompt, dict) else {}
                STATE.loaders = loader_files(graph)
                recorder.begin_workflow(prompt_id, graph)
                note_run_begins(prompt_id)
            except Exception:
                failed("PromptExecutor.execute")
                prompt_id = None
        try:
            return original(self, *args, **kwargs)
        finally:
            if recorder is not None and prompt_id is not None:
                STATE.executor = None
                note_run_ends()
                try:
                    recorder.end_workflow(prompt_id)
                except Exception:
                    failed("PromptExecutor.execute")

    return execute


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _on_message(recorder: Recorder, event: Any, data: Any) -> None:
    if not isinstance(data, dict) or "prompt_id" not in data:
        return
    prompt_id = str(data["prompt_id"])
    if event == "execution_cached":
        ensure_progress_handler()  # the first message of a prompt: its registry exists by now
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
                message=str(data.get("exception_message") or "").strip(),
            ),
            memory=memory_now(),  # the failed node's closing memory
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
            memory=memory_now(),
        )


def make_add_message(original: Callable[..., Any]) -> Callable[..., Any]:
    def add_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = STATE.recorder
        if recorder is not None:
            try:
                _on_message(recorder, arg(args, kwargs, 0, "event"), arg(args, kwargs, 1, "data"))
            except Exception:
                failed("PromptExecutor.add_message")
        return original(self, *args, **kwargs)

    return add_message
