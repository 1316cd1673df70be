"""The progress handler: each node's real start and finish, across lazy and async re-entry.

Registered on every fresh progress registry (``execution.reset_progress_state`` builds one per
prompt, with the prompt's DynamicPrompt; comfy_execution/progress.py). At the finish it reads the
outputs' tensor shapes from the cache (ComfyUI stores them before it reports the finish); subgraph
parents are asked of the DynamicPrompt once, when the record is built (on the history writer's
thread, after the prompt: ComfyUI no longer changes that DynamicPrompt then, it makes a new one per
prompt). Where this handler times the nodes, no wrapper sits around every node: that is most of
what a profiler costs per node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .outputs import finished_entry, finished_outputs, note_loader
from .state import STATE, arg, failed

HANDLER_NAME = "swissarmyknife"


def progress_handler_class() -> type | None:
    """Our ProgressHandler subclass, or None on releases without the progress registry."""
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
                failed("MemoryProbe.before")
            try:
                recorder.node_started(prompt_id, node_id, memory)
            except Exception:
                failed("ProgressHandler.start_handler")

        def finish_handler(self, node_id: str, state: Any, prompt_id: str) -> None:
            recorder, probe = STATE.recorder, STATE.probe
            if recorder is None or node_id not in self.started:
                return  # cached output nodes finish without starting
            try:
                memory = probe.after() if probe else None
            except Exception:
                memory = None
                failed("MemoryProbe.after")
            try:
                recorder.node_finished(prompt_id, node_id, memory, finished_outputs(node_id))
            except Exception:
                failed("ProgressHandler.finish_handler")
            if node_id in STATE.loaders:  # a dict lookup per node; loaders read their outputs again
                try:
                    note_loader(node_id, finished_entry(node_id))
                except Exception:
                    failed("ProgressHandler.note_loader")

        def reset(self) -> None:
            self.started = set()

    return SwissArmyKnifeProgressHandler


def ensure_progress_handler() -> None:
    """Put our handler on the current registry (idempotent: the registry keys handlers by name)."""
    handler = STATE.progress_handler
    if handler is None:
        return
    from comfy_execution import progress

    registry = progress.get_progress_state()
    if registry.handlers.get(HANDLER_NAME) is not handler:
        handler.set_registry(registry)
        registry.register_handler(handler)


def make_reset_progress_state(original: Callable[..., Any]) -> Callable[..., Any]:
    def reset_progress_state(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        recorder = STATE.recorder
        if recorder is not None:
            try:
                ensure_progress_handler()
                prompt_id = arg(args, kwargs, 0, "prompt_id")
                dynprompt = arg(args, kwargs, 1, "dynprompt")
                if prompt_id is not None and dynprompt is not None:
                    recorder.node_graph(str(prompt_id), expansion_reader(dynprompt))
            except Exception:
                failed("reset_progress_state")
        return result

    return reset_progress_state


def expansion_reader(dynprompt: Any) -> Callable[[str], tuple[str | None, str | None] | None]:
    """For a node the prompt does not have: its class type and the node whose subgraph made it."""

    def read(node_id: str) -> tuple[str | None, str | None] | None:
        parent = dynprompt.get_display_node_id(node_id)
        if parent is None or parent == node_id:
            return None
        return dynprompt.get_node(node_id).get("class_type"), str(parent)

    return read
