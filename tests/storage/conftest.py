"""Fixtures for the history store: a started store in a temp folder, and a brute-force reference."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from backend import log
from backend.schemas.profiler import NodeAverage, WorkflowAverage, WorkflowRecord
from backend.storage import HistoryStore


@pytest.fixture(autouse=True)
def _fresh_log_keys() -> None:
    log.reset_for_tests()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "data", max_workflows=50, archive_batch=10) as opened:
        assert opened.wait_until_open()
        yield opened


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
