"""Deterministic WorkflowRecords for storage tests and benchmarks, and the rollups they must give."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest

from backend.schemas.environment import EnvironmentFingerprint, LaunchFlag
from backend.schemas.profiler import (
    ErrorSummary,
    NodeAverage,
    NodeRecord,
    NodeStatus,
    TensorShape,
    WorkflowAverage,
    WorkflowRecord,
    WorkflowStatus,
)
from backend.storage import HistoryStore

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


def make_fingerprint(torch: str = "2.13.0", flags: list[LaunchFlag] | None = None) -> EnvironmentFingerprint:
    """A ComfyUI 0.27 machine with one RTX 4090; ``torch`` and the launch flags vary."""
    return EnvironmentFingerprint(
        host="comfyui",
        comfyui_version="0.27.0",
        frontend_version="1.45.3",
        python_version="3.12.3",
        torch_version=torch,
        cuda_version="12.8",
        hip_version=None,
        gpu_names=["NVIDIA GeForce RTX 4090"],
        gpu_driver_version="580.95.05",
        pack_version="0.1.0",
        platform="Linux",
        launch_flags=flags or [],
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


# The rollups, worked out the slow way -------------------------------------------------------------


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def expected_node_averages(records: Iterable[WorkflowRecord]) -> dict[str, NodeAverage]:
    """What the rollups must say, computed the slow way from the records themselves."""
    runs: dict[str, list[tuple[bool, float | None, int | None]]] = {}
    for record in records:
        for node in record.nodes:
            timed = not node.cache_hit and node.status == "success" and node.duration_ms is not None
            runs.setdefault(node.class_type, []).append(
                (
                    node.cache_hit,
                    node.duration_ms if timed else None,
                    node.vram_peak_delta_bytes if timed else None,
                )
            )
    out = {}
    for class_type, items in runs.items():
        durations = [d for _, d, _ in items if d is not None]
        vram = [float(v) for _, _, v in items if v is not None]
        out[class_type] = NodeAverage(
            class_type=class_type,
            runs=len(items),
            cached_runs=sum(1 for c, _, _ in items if c),
            mean_duration_ms=_mean(durations),
            min_duration_ms=min(durations) if durations else None,
            max_duration_ms=max(durations) if durations else None,
            mean_vram_peak_delta_bytes=_mean(vram),
        )
    return out


def expected_workflow_averages(records: Iterable[WorkflowRecord]) -> dict[str, WorkflowAverage]:
    by_hash: dict[str, list[WorkflowRecord]] = {}
    for record in records:
        by_hash.setdefault(record.workflow_hash, []).append(record)
    out = {}
    for workflow_hash, items in by_hash.items():
        durations = [r.duration_ms for r in items if r.status == "success" and r.duration_ms is not None]
        out[workflow_hash] = WorkflowAverage(
            workflow_hash=workflow_hash,
            runs=len(items),
            successes=sum(1 for r in items if r.status == "success"),
            mean_duration_ms=_mean(durations),
            min_duration_ms=min(durations) if durations else None,
            max_duration_ms=max(durations) if durations else None,
            last_run_at=max(r.started_at for r in items),
        )
    return out


def assert_rollups_match(store: HistoryStore, records: Iterable[WorkflowRecord]) -> None:
    kept = list(records)
    nodes = {a.class_type: a for a in store.node_averages(limit=10_000)}
    flows = {a.workflow_hash: a for a in store.workflow_averages(limit=10_000)}
    want_nodes = expected_node_averages(kept)
    want_flows = expected_workflow_averages(kept)
    assert set(nodes) == set(want_nodes)
    assert set(flows) == set(want_flows)
    for key, want in want_nodes.items():
        _assert_close(nodes[key], want)
    for key, want_flow in want_flows.items():
        _assert_close(flows[key], want_flow)


def _assert_close(got: NodeAverage | WorkflowAverage, want: NodeAverage | WorkflowAverage) -> None:
    g, w = got.model_dump(), want.model_dump()
    assert g.keys() == w.keys()
    for field, expected in w.items():
        actual = g[field]
        if isinstance(expected, float) and actual is not None:
            assert actual == pytest.approx(expected, rel=1e-9), (got, field)
        else:
            assert actual == expected, (got, field)


# What the store is handed ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Built:
    """A finished workflow whose record is made already (a ``storage.PendingRecord``)."""

    record: WorkflowRecord

    def build(self) -> WorkflowRecord:
        return self.record


@dataclass(frozen=True, eq=False)
class Building:
    """A finished workflow whose record ``make`` builds, on the writer thread."""

    make: Callable[[], WorkflowRecord]

    def build(self) -> WorkflowRecord:
        return self.make()
