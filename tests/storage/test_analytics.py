"""History read for charts and tables: filtered pages, time buckets and node classes in SQL, names."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import pytest

from backend.schemas.profiler import NodeClassPage, WorkflowRecord
from backend.storage import HistoryStore, repository
from backend.storage.db import connect_writer
from backend.storage.migrations import MIGRATIONS, migrate
from tests.support.records import BASE_TIME, Built, make_record

HASH_A = "a" * 16
HASH_B = "b" * 16


def _fill(store: HistoryStore, specs: list[tuple[int, str, str]]) -> None:
    for i, workflow_hash, status in specs:
        store.submit(Built(make_record(i, workflow_hash=workflow_hash, status=status)))
    assert store.flush()


def test_history_pages_filter_by_workflow_and_status(store: HistoryStore) -> None:
    _fill(store, [(0, HASH_A, "success"), (1, HASH_B, "oom"), (2, HASH_A, "error"), (3, HASH_A, "success")])
    page = store.history(2, workflow_hash=HASH_A)
    assert [s.prompt_id for s in page.items] == ["prompt-000003", "prompt-000002"]
    assert page.total == 3 and page.next_before == page.items[-1].started_at
    rest = store.history(2, page.next_before, workflow_hash=HASH_A)
    assert [s.prompt_id for s in rest.items] == ["prompt-000000"] and rest.next_before is None
    ooms = store.history(10, status="oom")
    assert [s.prompt_id for s in ooms.items] == ["prompt-000001"] and ooms.total == 1
    assert store.history(10, workflow_hash=HASH_B, status="success").total == 0


def test_series_buckets_count_every_run_once(store: HistoryStore) -> None:
    # Runs one minute apart (make_record): 10 runs over 9 minutes in at most 3 buckets.
    _fill(store, [(i, HASH_A if i % 2 else HASH_B, "oom" if i == 4 else "success") for i in range(10)])
    series = store.series(3)
    assert len(series.items) <= 3 and series.bucket_s >= 9 * 60 / 3
    assert sum(p.runs for p in series.items) == 10
    assert sum(p.ooms for p in series.items) == 1 and sum(p.successes for p in series.items) == 9
    assert [p.start for p in series.items] == sorted(p.start for p in series.items)
    assert series.items[0].start == BASE_TIME
    for point in series.items:
        assert point.cache_lookups == point.runs * 20 and point.cache_hits == point.runs * 2
        assert point.max_duration_ms is not None and point.mean_duration_ms is not None
        assert point.mean_duration_ms <= point.max_duration_ms
    assert store.series(100, workflow_hash=HASH_A).items[0].runs == 1, "one run a bucket when wide enough"
    assert sum(p.runs for p in store.series(100, workflow_hash=HASH_A).items) == 5


def test_series_of_an_empty_range_is_empty(store: HistoryStore) -> None:
    assert store.series(10).items == []
    _fill(store, [(0, HASH_A, "success")])
    assert store.series(10, since=BASE_TIME + 3600).items == []
    single = store.series(10)
    assert [p.runs for p in single.items] == [1] and single.bucket_s == 1.0


def test_node_classes_with_p95_and_share_match_a_recomputation(store: HistoryStore) -> None:
    _fill(store, [(i, HASH_A if i < 6 else HASH_B, "success") for i in range(12)])
    page = store.node_class_stats()
    records = [make_record(i, workflow_hash=HASH_A if i < 6 else HASH_B) for i in range(12)]
    _assert_matches(page, records)
    only_a = store.node_class_stats(workflow_hash=HASH_A)
    _assert_matches(only_a, records[:6])
    assert [s.total_duration_ms for s in page.items] == sorted(
        (s.total_duration_ms for s in page.items), reverse=True
    )


def _assert_matches(page: NodeClassPage, records: list[WorkflowRecord]) -> None:
    durations: dict[str, list[float]] = {}
    vram: dict[str, list[int]] = {}
    for record in records:
        for node in record.nodes:
            if not node.cache_hit and node.duration_ms is not None:
                durations.setdefault(node.class_type, []).append(node.duration_ms)
                vram.setdefault(node.class_type, []).append(node.vram_peak_delta_bytes)
    total = sum(sum(v) for v in durations.values())
    items = {s.class_type: s for s in page.items}
    assert set(items) == set(durations)
    assert page.total_duration_ms == pytest.approx(total)
    for class_type, values in durations.items():
        stats = items[class_type]
        ordered = sorted(values)
        assert stats.p95_duration_ms == ordered[math.ceil(0.95 * len(ordered)) - 1]
        assert stats.total_duration_ms == pytest.approx(sum(values))
        assert stats.time_share == pytest.approx(sum(values) / total)
        assert stats.max_vram_peak_delta_bytes == max(vram[class_type])
        assert (stats.min_duration_ms, stats.max_duration_ms) == (ordered[0], ordered[-1])


def test_the_max_vram_rollup_follows_deletions(tmp_path: Path) -> None:
    with HistoryStore(tmp_path, max_workflows=5, archive_batch=2) as small:
        _fill(small, [(i, HASH_A, "success") for i in range(8)])
        kept = [make_record(i, workflow_hash=HASH_A) for i in range(8)][-small.count() :]
        _assert_matches(small.node_class_stats(), kept)


def test_a_name_reaches_the_stored_run_its_record_and_its_workflow(store: HistoryStore) -> None:
    _fill(store, [(0, HASH_A, "success"), (1, HASH_A, "success")])
    assert store.rename("prompt-000000", "old name") is True
    assert store.rename("prompt-000001", "portrait v2") is True
    assert store.rename("prompt-999999", "nobody") is False
    renamed = store.get_workflow("prompt-000001")
    assert renamed is not None and renamed.workflow_name == "portrait v2"
    assert store.history(1).items[0].workflow_name == "portrait v2"
    (average,) = store.workflow_averages()
    assert average.workflow_name == "portrait v2", "the newest run's name names the workflow"
    store.rename("prompt-000001", None)
    assert store.workflow_averages()[0].workflow_name == "old name", (
        "an unsaved newest run keeps the older name"
    )


def test_a_name_stored_with_the_record_names_the_workflow(store: HistoryStore) -> None:
    named = make_record(3, workflow_hash=HASH_B).model_copy(update={"workflow_name": "upscale"})
    store.submit(Built(named))
    assert store.flush()
    assert store.workflow_averages()[0].workflow_name == "upscale"
    assert store.get_workflow(named.prompt_id) == named


def test_migration_2_keeps_version_1_history(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    conn = connect_writer(path)
    conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
    old = make_record(5, workflow_hash=HASH_A)
    # As version 1 stored it: no name column yet; the record JSON has no workflow_name.
    payload = old.model_dump_json(exclude={"workflow_name"})
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO workflows (prompt_id, workflow_hash, status, started_at, ended_at, duration_ms, "
        "timed_duration_ms, node_count, executed_count, cache_hits, cache_misses, peak_vram_bytes, "
        "peak_rss_bytes, error_json, record_zlib) "
        "VALUES (?, ?, 'success', ?, ?, ?, ?, 20, 18, 2, 18, 1, 1, NULL, ?)",
        (
            old.prompt_id,
            HASH_A,
            old.started_at,
            old.ended_at,
            old.duration_ms,
            old.duration_ms,
            zlib.compress(payload.encode()),
        ),
    )
    conn.execute("INSERT INTO node_rollup VALUES ('KSampler', 1, 0, 1, 5.0, 5.0, 5.0, 1, 1024)")
    conn.execute("INSERT INTO node_runs VALUES ((SELECT seq FROM workflows), 0, 'KSampler', 0, 5.0, 1024)")
    conn.execute("COMMIT")
    migrate(conn)
    assert repository.get_workflow(conn, old.prompt_id) == old, "an old record reads back, unnamed"
    assert conn.execute("SELECT vram_delta_max_bytes FROM node_rollup").fetchone()[0] == 1024
    conn.close()
