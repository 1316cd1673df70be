"""Out of memory: which errors are one, and what was loaded when it happened.

The host adapter (``backend/host/``) reads ComfyUI's own answers (its ``is_oom``, its
``OOM_EXCEPTION``, its list of loaded models) and passes them in; the rules live here, so they are
the same for a live exception and for the text ComfyUI reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..schemas.oom import LoadedModelInfo, OomCapturedEvent, OomEvent, OomFigures
from ..schemas.profiler import TensorShape, WorkflowRecord
from .graph import input_links
from .oom_message import parse_oom_message

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
        file_name: The file the loader node that made it was given (``ckpt_name``, ``vae_name``...);
            a LoRA-patched model reads ``base + lora``.
        loader_node_id: The loader node of the running prompt that gives it.
        loader_class_type: Its class.
        in_prompt: Whether a loader of the running prompt gives it (False: an earlier prompt
            loaded it and nothing in this one uses it); None when its origin is unknown.
    """

    model_type: str | None
    config: str | None
    device: str | None
    memory_bytes: int | None
    loaded_bytes: int | None
    file_name: str | None = None
    loader_node_id: str | None = None
    loader_class_type: str | None = None
    in_prompt: bool | None = None

    @property
    def name(self) -> str:
        """As the user knows it: the loader's file, else the model's class."""
        return self.file_name or self.model_type or "unknown model"


@dataclass(frozen=True)
class OomCapture:
    """What the host saw at an out-of-memory error, before it unloaded anything."""

    exception_type: str
    message: str
    loaded: list[LoadedModel] = field(default_factory=list)
    allocated_bytes: int | None = None
    reserved_bytes: int | None = None
    memory_summary: str | None = None
    allocator_stats: dict[str, int] | None = None


# Told of an out-of-memory error with what was loaded, before the host unloads it.
OomListener = Callable[[OomCapture], object]


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


def _ancestors(prompt: Mapping[str, Any], node_ids: Iterable[str]) -> set[str]:
    """Every node whose output flows, directly or through others, into ``node_ids``."""
    seen: set[str] = set()
    stack = list(node_ids)
    while stack:
        node_id = stack.pop()
        for _name, source, _slot in input_links(prompt, node_id):
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return seen


def _model_users(live: WorkflowRecord) -> dict[tuple[str, str | None], list[str]]:
    """Per (name, device) on the device now: the nodes that loaded or used it during its stay."""
    users: dict[tuple[str, str | None], list[str]] = {}
    for stay in live.model_residency:
        if stay.until_ms is None:
            nodes = [stay.loaded_by_node_id] if stay.loaded_by_node_id else []
            users[(stay.name, stay.device)] = nodes + [n for n in stay.used_by_node_ids if n not in nodes]
    return users


def _needed_later(model: LoadedModel, needed: set[str]) -> bool | None:
    if model.in_prompt is False:
        return False
    return None if model.loader_node_id is None else model.loader_node_id in needed


def oom_event(
    capture: OomCapture,
    live: WorkflowRecord,
    prompt: Mapping[str, Any],
    *,
    captured_at: float,
) -> OomEvent:
    """The event to keep: the failing node (the one still running in ``live``) and its inputs, the
    figures of the message, and the loaded models, each marked needed by a node still to run or not.
    """
    running = [n for n in live.nodes if n.status == "running"]
    node = running[-1] if running else None
    done = {n.node_id for n in live.nodes if n.status in ("success", "cached")}
    pending = [node_id for node_id in prompt if node_id not in done]
    needed = _ancestors(prompt, pending) | set(pending)
    figures = parse_oom_message(capture.message)
    used = _model_users(live)
    starts = {n.node_id: n.started_at for n in live.nodes}
    models = [
        LoadedModelInfo(
            name=model.name,
            file_name=model.file_name,
            loader_node_id=model.loader_node_id,
            loader_class_type=model.loader_class_type,
            model_type=model.model_type,
            device=model.device,
            size_bytes=model.memory_bytes,
            loaded_bytes=model.loaded_bytes,
            needed_later=_needed_later(model, needed),
            used_by_node_ids=used.get((model.name, model.device), []),
            last_used_at=max(
                (
                    t
                    for t in (starts.get(n) for n in used.get((model.name, model.device), []))
                    if t is not None
                ),
                default=None,
            ),
        )
        for model in capture.loaded
    ]
    shapes: list[TensorShape] = list(node.input_shapes) if node is not None else []
    return OomEvent(
        prompt_id=live.prompt_id,
        workflow_hash=live.workflow_hash,
        workflow_name=live.workflow_name,
        node_id=node.node_id if node is not None else None,
        node_type=node.class_type if node is not None else None,
        captured_at=captured_at,
        exception_type=capture.exception_type,
        message=capture.message,
        figures=OomFigures(**figures.__dict__),
        vram_allocated_bytes=capture.allocated_bytes,
        vram_reserved_bytes=capture.reserved_bytes,
        vram_free_before_bytes=node.vram_free_before_bytes if node is not None else None,
        input_shapes=shapes,
        loaded_models=models,
        memory_summary=capture.memory_summary,
        allocator_stats=capture.allocator_stats,
    )


def oom_notice(event: OomEvent) -> OomCapturedEvent:
    """The websocket notice of a stored capture: what the page's toast says."""
    by_size = sorted(event.loaded_models, key=lambda m: m.loaded_bytes or m.size_bytes or 0, reverse=True)
    return OomCapturedEvent(
        prompt_id=event.prompt_id,
        workflow_name=event.workflow_name,
        node_id=event.node_id,
        node_type=event.node_type,
        captured_at=event.captured_at,
        requested_bytes=event.figures.requested_bytes,
        free_bytes=event.figures.free_bytes,
        loaded_models=list(dict.fromkeys(m.name for m in by_size)),
    )
