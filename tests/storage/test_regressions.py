"""The regression rule on crafted histories: a 25 % slowdown flags, a 10 % one does not, noise
within 3 sigma does not; VRAM and node classes; old runs loaded from an archive are not "latest"."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from backend.schemas.regressions import RegressionRule
from backend.storage import HistoryStore
from backend.storage.regressions import judge
from tests.support.records import BASE_TIME, Built, make_record

RULE = RegressionRule(percent=20.0, sigma=3.0, window_runs=20, recent_runs=3)
HASH = "0123456789abcdef"
# A steady history: 1,000 ms ± 1 % (deterministic wobble).
STEADY = [1000.0 * (1 + ((i * 7) % 5 - 2) * 0.005) for i in range(20)]


def _newest_first(history: Sequence[float], recent: Sequence[float]) -> list[float]:
    return [*reversed(recent), *reversed(history)]


@pytest.mark.parametrize(
    ("slowdown", "flagged"), [(1.25, True), (1.10, False), (1.0, False), (0.7, False)], ids=str
)
def test_a_25_percent_slowdown_flags_and_a_10_percent_one_does_not(slowdown: float, flagged: bool) -> None:
    shift = judge("duration", _newest_first(STEADY, [1000.0 * slowdown] * 3), RULE)
    assert (shift is not None) is flagged
    if shift is not None:
        assert shift.median == pytest.approx(1000.0, rel=0.01)
        assert shift.change_percent == pytest.approx(25.0, abs=1.0)
        assert shift.sigmas is not None and shift.sigmas > 3


def test_noise_within_3_sigma_does_not_flag_even_past_the_percent() -> None:
    # A noisy history (±30 %): 25 % above its median is within its spread.
    noisy = [1000.0 * (1 + s) for s in itertools.islice(itertools.cycle([-0.3, 0.3, -0.15, 0.15, 0.0]), 20)]
    assert judge("duration", _newest_first(noisy, [1250.0] * 3), RULE) is None
    # A lower sigma makes the same history flag it.
    loose = RULE.model_copy(update={"sigma": 0.5})
    assert judge("duration", _newest_first(noisy, [1250.0] * 3), loose) is not None


def test_one_slow_run_among_the_latest_is_noise_two_of_three_are_a_regression() -> None:
    assert judge("duration", _newest_first(STEADY, [1000.0, 1000.0, 1500.0]), RULE) is None
    assert judge("duration", _newest_first(STEADY, [1000.0, 1500.0, 1500.0]), RULE) is not None


def test_too_few_runs_are_not_judged_and_a_flat_history_flags_past_the_percent() -> None:
    assert judge("duration", _newest_first(STEADY[:4], [2000.0] * 3), RULE) is None, "4 runs of history"
    assert judge("duration", [2000.0, 2000.0], RULE) is None
    flat = judge("duration", _newest_first([500.0] * 5, [700.0] * 3), RULE)
    assert flat is not None and flat.stdev == 0 and flat.sigmas is None


def _runs(
    store: HistoryStore,
    durations: Sequence[float],
    *,
    vram: Sequence[int] | None = None,
    start: int = 0,
    prefix: str = "run",
    workflow_hash: str = HASH,
) -> None:
    """Runs of one 3-node workflow, one per minute from ``start``; node 2 (KSampler-like) takes
    the duration beyond 20 ms."""
    for k, total in enumerate(durations):
        i = start + k
        record = make_record(i, workflow_hash=workflow_hash, prompt_id=f"{prefix}-{i:03d}", nodes=3, cached=0)
        times = {"1": 10.0, "2": total - 20.0, "3": 10.0}
        nodes = [n.model_copy(update={"duration_ms": times[n.node_id]}) for n in record.nodes]
        update: dict[str, object] = {"nodes": nodes, "duration_ms": total}
        if vram is not None:
            update["peak_vram_bytes"] = vram[k]
        store.submit(Built(record.model_copy(update=update)))
    assert store.flush()


def test_the_store_flags_the_slowed_workflow_and_names_the_node_that_moved(store: HistoryStore) -> None:
    _runs(store, [*STEADY, 1400.0, 1400.0, 1400.0])
    _runs(store, [*STEADY, 1080.0, 1080.0, 1080.0], workflow_hash="fedcba9876543210", prefix="calm")
    report = store.regressions(RULE)
    (flag,) = report.workflows
    assert flag.workflow_hash == HASH and flag.latest_prompt_id == "run-022"
    assert [s.metric for s in flag.shifts] == ["duration"]
    (moved, *others) = flag.moved_nodes
    assert (moved.node_id, moved.usual_ms, moved.recent_ms) == ("2", pytest.approx(980.0, abs=6), 1380.0)
    assert all(m.change_ms < moved.change_ms for m in others)
    assert (flag.recent_runs, flag.history_runs) == (3, 20)
    assert report.checked_workflows == 2
    # The workflow's own query, and the stats' one-workflow read, agree.
    assert store.workflow_regression(RULE, HASH) == flag
    assert store.workflow_regression(RULE, "fedcba9876543210") is None


def test_hungrier_runs_flag_peak_vram_and_failed_runs_are_not_history(store: HistoryStore) -> None:
    gib = 1024**3
    _runs(store, STEADY + [1000.0] * 3, vram=[6 * gib] * 20 + [9 * gib] * 3)
    # A failed run in between is neither history nor latest.
    store.submit(Built(make_record(99, workflow_hash=HASH, prompt_id="failed", status="error")))
    assert store.flush()
    (flag,) = store.regressions(RULE).workflows
    assert [s.metric for s in flag.shifts] == ["peak_vram"]
    assert flag.shifts[0].change_percent == pytest.approx(50.0)


def test_node_classes_are_judged_by_their_latest_executions_in_time_not_in_storage_order(
    store: HistoryStore,
) -> None:
    # Recent runs first, then an archive's OLD slow runs loaded afterwards: stored last, not latest.
    _runs(store, [*STEADY, 1000.0, 1000.0, 1000.0], start=100)
    _runs(store, [3000.0] * 5, start=0, prefix="old")
    report = store.regressions(RULE)
    assert report.workflows == [] and report.node_classes == []
    assert report.checked_node_classes >= 1
    # Newer slow runs are latest.
    _runs(store, [1600.0] * 3, start=200, prefix="new")
    report = store.regressions(RULE)
    classes = {c.class_type: c for c in report.node_classes}
    sampler = make_record(0, nodes=3).nodes[1].class_type
    assert set(classes) == {sampler}, "only the node that slowed"
    assert classes[sampler].shift.recent == 1580.0


def test_the_started_at_of_node_facts_comes_from_their_run(store: HistoryStore) -> None:
    _runs(store, [1000.0], start=5)
    conn = store._pool
    with conn.connection() as c:
        starts = {row[0] for row in c.execute("SELECT started_at FROM node_runs")}
    assert starts == {BASE_TIME + 5 * 60}
