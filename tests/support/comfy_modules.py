"""A miniature of ComfyUI's execution machinery, shaped like the real modules our hooks patch.

It reproduces the control flow the hooks depend on (execution.py and comfy_execution/progress.py
of ComfyUI 0.3.6x-0.27): PromptExecutor.execute -> asyncio.run(execute_async), add_message
events, a progress registry rebuilt per prompt, execute() returning (SUCCESS|FAILURE|PENDING,
details, exception), cached nodes skipped, unload_all_models() called from inside the except
block on an OOM, and an interrupt exception that subclasses BaseException (new ComfyUI).
"""

from __future__ import annotations

import asyncio
import sys
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any


class OutOfMemoryError(RuntimeError):
    pass


class InterruptProcessingException(BaseException):
    pass


class ExecutionResult(Enum):
    SUCCESS = 0
    FAILURE = 1
    PENDING = 2


def build_modules() -> dict[str, types.ModuleType]:
    """Fresh fake modules: execution, comfy, comfy.model_management, comfy_execution(.progress)."""
    progress = types.ModuleType("comfy_execution.progress")

    class ProgressHandler:
        def __init__(self, name: str) -> None:
            self.name = name
            self.enabled = True

        def set_registry(self, registry: Any) -> None:
            pass

        def start_handler(self, node_id: str, state: Any, prompt_id: str) -> None:
            pass

        def update_handler(self, *args: Any) -> None:
            pass

        def finish_handler(self, node_id: str, state: Any, prompt_id: str) -> None:
            pass

        def reset(self) -> None:
            pass

    class ProgressRegistry:
        def __init__(self, prompt_id: str) -> None:
            self.prompt_id = prompt_id
            self.handlers: dict[str, Any] = {}

        def register_handler(self, handler: Any) -> None:
            self.handlers[handler.name] = handler

        def start_progress(self, node_id: str) -> None:
            for handler in self.handlers.values():
                if handler.enabled:
                    handler.start_handler(node_id, {}, self.prompt_id)

        def finish_progress(self, node_id: str) -> None:
            for handler in self.handlers.values():
                if handler.enabled:
                    handler.finish_handler(node_id, {}, self.prompt_id)

        def reset_handlers(self) -> None:
            for handler in self.handlers.values():
                handler.reset()

    registry_box: dict[str, Any] = {"registry": None}

    def reset_progress_state(prompt_id: str, dynprompt: Any) -> None:
        if registry_box["registry"] is not None:
            registry_box["registry"].reset_handlers()
        registry_box["registry"] = ProgressRegistry(prompt_id)

    def get_progress_state() -> Any:
        if registry_box["registry"] is None:
            registry_box["registry"] = ProgressRegistry("")
        return registry_box["registry"]

    def add_progress_handler(handler: Any) -> None:
        registry = get_progress_state()
        handler.set_registry(registry)
        registry.register_handler(handler)

    progress.ProgressHandler = ProgressHandler  # type: ignore[attr-defined]
    progress.ProgressRegistry = ProgressRegistry  # type: ignore[attr-defined]
    progress.reset_progress_state = reset_progress_state  # type: ignore[attr-defined]
    progress.get_progress_state = get_progress_state  # type: ignore[attr-defined]
    progress.add_progress_handler = add_progress_handler  # type: ignore[attr-defined]
    comfy_execution = types.ModuleType("comfy_execution")
    comfy_execution.progress = progress  # type: ignore[attr-defined]

    mm = types.ModuleType("comfy.model_management")
    mm.OOM_EXCEPTION = OutOfMemoryError  # type: ignore[attr-defined]
    mm.InterruptProcessingException = InterruptProcessingException  # type: ignore[attr-defined]
    mm.unloads = []  # type: ignore[attr-defined]
    mm.current_loaded_models = []  # type: ignore[attr-defined]

    def unload_all_models() -> None:
        mm.unloads.append(time.monotonic())  # type: ignore[attr-defined]
        mm.current_loaded_models.clear()  # type: ignore[attr-defined]

    mm.unload_all_models = unload_all_models  # type: ignore[attr-defined]
    # How many models fit on the fake device at once (load_models_gpu frees room for more).
    mm.capacity = 8  # type: ignore[attr-defined]

    class LoadedModel:
        """comfy.model_management.LoadedModel's part the hooks read: the patcher, device, size."""

        def __init__(self, patcher: Any) -> None:
            self.model = patcher
            self.device = "cuda:0"

        def model_loaded_memory(self) -> int:
            return int(getattr(self.model, "size", 0))

        def model_unload(self) -> bool:
            return True

    def free_memory(memory_required: int, device: Any, keep_loaded: Any = ()) -> list[Any]:
        # Evicts the least recently loaded until there is room for one more model.
        loaded = mm.current_loaded_models  # type: ignore[attr-defined]
        unloaded = []
        while len(loaded) >= mm.capacity:  # type: ignore[attr-defined]
            candidates = [m for m in loaded if m.model not in keep_loaded]
            if not candidates:
                break
            unloaded.append(candidates[-1])
            loaded.remove(candidates[-1])
        return unloaded

    def load_models_gpu(models: list[Any], memory_required: int = 0) -> None:
        # As 0.27 does: an entry already there is popped and inserted again at the front.
        loaded = mm.current_loaded_models  # type: ignore[attr-defined]
        for patcher in models:
            present = [m for m in loaded if m.model is patcher]
            for entry in present:
                loaded.remove(entry)
            if not present:
                mm.free_memory(memory_required, "cuda:0", keep_loaded=list(models))  # type: ignore[attr-defined]
            loaded.insert(0, present[0] if present else LoadedModel(patcher))

    mm.LoadedModel = LoadedModel  # type: ignore[attr-defined]
    mm.free_memory = free_memory  # type: ignore[attr-defined]
    mm.load_models_gpu = load_models_gpu  # type: ignore[attr-defined]
    comfy = types.ModuleType("comfy")
    comfy.model_management = mm  # type: ignore[attr-defined]

    execution = types.ModuleType("execution")
    execution.ExecutionResult = ExecutionResult  # type: ignore[attr-defined]
    execution.reset_progress_state = reset_progress_state  # type: ignore[attr-defined]
    execution.add_progress_handler = add_progress_handler  # type: ignore[attr-defined]
    # Behaviours by class_type: a callable(inputs) -> outputs tuple, or raising.
    execution.BEHAVIOURS = {}  # type: ignore[attr-defined]

    class DynPrompt:
        def __init__(self, prompt: dict[str, Any]) -> None:
            self.original_prompt = prompt
            self.ephemeral: dict[str, Any] = {}
            self.display: dict[str, str] = {}

        def get_node(self, node_id: str) -> Any:
            return self.ephemeral.get(node_id) or self.original_prompt[node_id]

        def get_display_node_id(self, node_id: str) -> str:
            while node_id in self.display:
                node_id = self.display[node_id]
            return node_id

    class Caches:
        def __init__(self) -> None:
            self.outputs: dict[str, Any] = {}

    async def execute(  # noqa: PLR0917  # ComfyUI's own signature
        server: Any,
        dynprompt: Any,
        caches: Any,
        current_item: str,
        extra_data: Any,
        executed: Any,
        prompt_id: str,
        execution_list: Any,
        pending_subgraph_results: Any,
        pending_async_nodes: Any,
        *newer: Any,
    ) -> Any:
        node_id = current_item
        node = dynprompt.get_node(node_id)
        if node_id in caches.outputs:
            execution.get_progress_state().finish_progress(node_id)  # type: ignore[attr-defined]
            return (ExecutionResult.SUCCESS, None, None)
        behaviour = execution.BEHAVIOURS[node["class_type"]]  # type: ignore[attr-defined]
        try:
            if node_id in pending_async_nodes:
                outputs = await pending_async_nodes.pop(node_id)
            else:
                execution.get_progress_state().start_progress(node_id)  # type: ignore[attr-defined]
                inputs = {
                    k: caches.outputs[v[0]][v[1]] if isinstance(v, list) else v
                    for k, v in node["inputs"].items()
                }
                outputs = behaviour(inputs)
                if asyncio.iscoroutine(outputs):
                    pending_async_nodes[node_id] = asyncio.ensure_future(outputs)
                    return (ExecutionResult.PENDING, None, None)
        except InterruptProcessingException as iex:
            return (ExecutionResult.FAILURE, {"node_id": node_id}, iex)
        except Exception as ex:
            if isinstance(ex, OutOfMemoryError):
                mm.unload_all_models()  # type: ignore[attr-defined]  # from inside the except, as ComfyUI does
            details = {"node_id": node_id, "exception_message": str(ex), "exception_type": type(ex).__name__}
            return (ExecutionResult.FAILURE, details, ex)
        caches.outputs[node_id] = outputs
        execution.get_progress_state().finish_progress(node_id)  # type: ignore[attr-defined]
        executed.add(node_id)
        return (ExecutionResult.SUCCESS, None, None)

    class PromptExecutor:
        def __init__(self) -> None:
            self.caches = Caches()
            self.status_messages: list[tuple[str, dict[str, Any]]] = []

        def add_message(self, event: str, data: dict[str, Any], broadcast: bool) -> None:
            self.status_messages.append((event, data))

        def execute(
            self, prompt: dict[str, Any], prompt_id: str, extra_data: Any = None, execute_outputs: Any = ()
        ) -> None:
            asyncio.run(self.execute_async(prompt, prompt_id, extra_data or {}, execute_outputs))

        async def execute_async(
            self, prompt: dict[str, Any], prompt_id: str, extra_data: Any, outputs: Any
        ) -> None:
            self.status_messages = []
            self.add_message("execution_start", {"prompt_id": prompt_id}, broadcast=False)
            dynprompt = DynPrompt(prompt)
            execution.reset_progress_state(prompt_id, dynprompt)  # type: ignore[attr-defined]
            cached = [n for n in prompt if n in self.caches.outputs]
            self.add_message("execution_cached", {"nodes": cached, "prompt_id": prompt_id}, broadcast=False)
            executed: set[str] = set()
            pending: dict[str, Any] = {}
            for node_id in list(prompt):
                while True:
                    result = await execution.execute(  # type: ignore[attr-defined]
                        None,
                        dynprompt,
                        self.caches,
                        node_id,
                        extra_data,
                        executed,
                        prompt_id,
                        None,
                        {},
                        pending,
                    )
                    if result[0] is not ExecutionResult.PENDING:
                        break
                if result[0] is ExecutionResult.FAILURE:
                    ex = result[2]
                    if isinstance(ex, InterruptProcessingException):
                        self.add_message(
                            "execution_interrupted",
                            {
                                "prompt_id": prompt_id,
                                "node_id": node_id,
                                "node_type": prompt[node_id]["class_type"],
                            },
                            broadcast=True,
                        )
                    else:
                        self.add_message(
                            "execution_error",
                            {
                                "prompt_id": prompt_id,
                                "node_id": node_id,
                                "node_type": prompt[node_id]["class_type"],
                                "exception_message": result[1]["exception_message"],
                                "exception_type": result[1]["exception_type"],
                            },
                            broadcast=False,
                        )
                    return
            self.add_message("execution_success", {"prompt_id": prompt_id}, broadcast=False)

    execution.execute = execute  # type: ignore[attr-defined]
    execution.PromptExecutor = PromptExecutor  # type: ignore[attr-defined]
    execution.get_progress_state = get_progress_state  # type: ignore[attr-defined]
    return {
        "execution": execution,
        "comfy": comfy,
        "comfy.model_management": mm,
        "comfy_execution": comfy_execution,
        "comfy_execution.progress": progress,
    }


@contextmanager
def fake_comfyui() -> Iterator[dict[str, types.ModuleType]]:
    """Put fresh fake ComfyUI modules into sys.modules for the duration."""
    modules = build_modules()
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield modules
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def sleeper(seconds: float) -> Callable[[dict[str, Any]], Any]:
    def run(inputs: dict[str, Any]) -> Any:
        time.sleep(seconds)
        return (inputs.get("image", "img"),)

    return run
