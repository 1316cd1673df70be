"""Deterministic WorkflowRecords for storage tests and benchmarks."""

from __future__ import annotations

from backend.schemas.profiler import (
    ErrorSummary,
    NodeRecord,
    NodeStatus,
    TensorShape,
    WorkflowRecord,
    WorkflowStatus,
)

CLASS_TYPES = (
    "CheckpointLoaderSimple",
    "CLIPTextEncode",
    "EmptyLatentImage",
    "KSampler",
    "VAEDecode",
    "SaveImage",
    "LoraLoader",
    "ImageScale",
)
BASE_TIME = 1_760_000_000.0


def make_node(i: int, position: int, *, cached: bool = False, status: NodeStatus = "success") -> NodeRecord:
    class_type = CLASS_TYPES[position % len(CLASS_TYPES)]
    started = BASE_TIME + i * 60 + position * 0.5
    duration = None if cached else 10.0 + ((i * 7 + position * 13) % 97) + position / 8
    return NodeRecord(
        node_id=str(position + 1),
        class_type=class_type,
        title=f"{class_type} #{position}" if position % 3 == 0 else None,
        parent_node_id="4" if position % 11 == 10 else None,
        order=position,
        status="cached" if cached else status,
        cache_hit=cached,
        started_at=None if cached else started,
        ended_at=None if cached else started + (duration or 0) / 1000,
        duration_ms=duration,
        vram_before_bytes=None if cached else 1_000_000 * position,
        vram_after_bytes=None if cached else 1_000_000 * position + 4096,
        vram_peak_delta_bytes=None if cached else ((i + position) % 5) * 1_048_576,
        rss_before_bytes=None if cached else 2_000_000_000,
        rss_after_bytes=None if cached else 2_000_000_000 + position,
        input_shapes=[TensorShape(path="in.samples", shape=[1, 4, 64, 64], dtype="float16", device="cuda:0")]
        if not cached
        else [],
        output_shapes=[TensorShape(path="out[0]", shape=[1, 512, 512, 3], dtype="float32", device="cpu")]
        if position % 4 == 0 and not cached
        else [],
        error=None,
    )


def make_record(
    i: int,
    *,
    nodes: int = 20,
    status: WorkflowStatus = "success",
    workflow_hash: str | None = None,
    cached: int = 2,
    prompt_id: str | None = None,
) -> WorkflowRecord:
    node_list = [make_node(i, p, cached=p < cached) for p in range(nodes)]
    if status != "success" and node_list:
        last = node_list[-1]
        node_list[-1] = last.model_copy(update={"status": "error", "error": "boom"})
    executed = [n for n in node_list if not n.cache_hit]
    duration = sum(n.duration_ms or 0 for n in executed) + 5.0
    error = (
        ErrorSummary(
            node_id=node_list[-1].node_id if node_list else None,
            node_type=node_list[-1].class_type if node_list else None,
            exception_type="torch.OutOfMemoryError" if status == "oom" else "RuntimeError",
            message="CUDA out of memory" if status == "oom" else "boom",
        )
        if status in ("error", "oom")
        else None
    )
    return WorkflowRecord(
        prompt_id=prompt_id or f"prompt-{i:06d}",
        workflow_hash=workflow_hash or f"hash-{i % 7}",
        status=status,
        started_at=BASE_TIME + i * 60,
        ended_at=BASE_TIME + i * 60 + duration / 1000,
        duration_ms=duration,
        node_count=len(node_list),
        executed_count=len(executed),
        cache_hits=len(node_list) - len(executed),
        cache_misses=len(executed),
        peak_vram_bytes=8 * 1024**3 + i,
        peak_rss_bytes=12 * 1024**3,
        error=error,
        nodes=node_list,
    )
