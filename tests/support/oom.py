"""Out-of-memory events and loaded models as a capture gives them, for the storage, API and
recommendation tests."""

from __future__ import annotations

from typing import Any

from backend.schemas.oom import LoadedModelInfo, OomEvent, OomFigures

GIB = 1024**3
MESSAGE = (
    "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 24.00 GiB of which "
    "1.00 GiB is free. Of the allocated memory 20.00 GiB is allocated by PyTorch, and 1.50 GiB is reserved "
    "by PyTorch but unallocated."
)


def loaded_info(name: str, gib: float, needed: bool | None, node_id: str | None = "2") -> LoadedModelInfo:
    """A checkpoint ``name`` of ``gib`` GiB, all on cuda:0."""
    return LoadedModelInfo(
        name=name,
        file_name=name,
        loader_node_id=node_id,
        loader_class_type="CheckpointLoaderSimple",
        model_type="SDXL",
        device="cuda:0",
        size_bytes=int(gib * GIB),
        loaded_bytes=int(gib * GIB),
        needed_later=needed,
    )


def make_oom_event(**overrides: Any) -> OomEvent:
    """A KSampler's OOM in "Portrait" asking 2 GiB of a 24 GiB device with 1 GiB free; fields overridable."""
    figures = OomFigures(
        backend="cuda",
        device_index=0,
        requested_bytes=2 * GIB,
        total_bytes=24 * GIB,
        free_bytes=GIB,
        process_bytes=None,
        allocated_bytes=20 * GIB,
        reserved_unallocated_bytes=256 * 1024**2,
        other_bytes=None,
    )
    values: dict[str, Any] = {
        "prompt_id": "p",
        "workflow_hash": "a" * 16,
        "workflow_name": "Portrait",
        "node_id": "4",
        "node_type": "KSampler",
        "captured_at": 100.0,
        "exception_type": "OutOfMemoryError",
        "message": MESSAGE,
        "figures": figures,
        "vram_allocated_bytes": 20 * GIB,
        "vram_reserved_bytes": 21 * GIB,
        "vram_free_before_bytes": None,
        "input_shapes": [],
        "loaded_models": [],
        "memory_summary": None,
    }
    values.update(overrides)
    return OomEvent(**values)
