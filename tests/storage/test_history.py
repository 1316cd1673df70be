"""History roundtrip, paging, rollups and the read API, through a running HistoryStore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from backend.storage import HistoryStore
from backend.storage.migrations import SCHEMA_VERSION
from tests.support.records import Built, assert_rollups_match, make_record


def test_a_20_node_record_reads_back_identical(store: HistoryStore) -> None:
    record = make_record(7, nodes=20, status="oom", cached=3)
    store.submit(Built(record))
    assert store.flush()
    assert store.get_workflow(record.prompt_id) == record
    assert store.latest() == record
    assert store.get_workflow("prompt-unknown") is None
    summary = store.history().items[0]
    assert summary == record.summary()


def test_database_lives_in_the_given_directory_in_wal_mode(store: HistoryStore, tmp_path: Path) -> None:
    assert store.path == tmp_path / "data" / "history.sqlite"
    store.submit(Built(make_record(1)))
    assert store.flush()
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_history_pages_newest_first_with_limit_and_before(store: HistoryStore) -> None:
    for i in range(12):
        store.submit(Built(make_record(i)))
    assert store.flush()
    seen: list[str] = []
    before = None
    pages = 0
    while True:
        page = store.history(limit=5, before=before)
        assert page.total == 12
        seen += [s.prompt_id for s in page.items]
        pages += 1
        if page.next_before is None:
            break
        assert page.next_before == page.items[-1].started_at
        before = page.next_before
    assert pages == 3
    assert seen == [f"prompt-{i:06d}" for i in reversed(range(12))]


def test_a_full_last_page_says_there_is_no_more(store: HistoryStore) -> None:
    for i in range(4):
        store.submit(Built(make_record(i)))
    assert store.flush()
    page = store.history(limit=4)
    assert len(page.items) == 4
    assert page.next_before is None


def test_rollups_match_a_recomputation_after_inserts(store: HistoryStore) -> None:
    records = [
        make_record(i, status=("success", "error", "oom", "interrupted")[i % 4], cached=i % 5)
        for i in range(30)
    ]
    for record in records:
        store.submit(Built(record))
    assert store.flush()
    assert_rollups_match(store, records)


def test_duplicate_prompt_id_is_stored_once(store: HistoryStore) -> None:
    record = make_record(3)
    store.submit(Built(record))
    store.submit(Built(record))
    assert store.flush()
    assert store.count() == 1
    counters = store.counters()
    assert (counters.written, counters.duplicates) == (1, 1)
    assert_rollups_match(store, [record])


def test_stats_come_from_one_snapshot(store: HistoryStore) -> None:
    records = [make_record(i) for i in range(8)]
    for record in records:
        store.submit(Built(record))
    assert store.flush()
    stats = store.stats(limit=3)
    assert stats.latest == records[-1]
    assert [s.prompt_id for s in stats.history.items] == [r.prompt_id for r in reversed(records[-3:])]
    assert stats.history.total == 8
    assert {a.class_type for a in stats.node_averages}
    # Node classes by total time, most first; workflows by their newest run.
    totals = [(a.mean_duration_ms or 0) * (a.runs - a.cached_runs) for a in stats.node_averages]
    assert totals == sorted(totals, reverse=True)
    last_runs = [a.last_run_at for a in stats.workflow_averages]
    assert last_runs == sorted(last_runs, reverse=True)


def test_empty_history_reads(store: HistoryStore) -> None:
    stats = store.stats()
    assert stats.latest is None
    assert stats.node_averages == [] and stats.workflow_averages == []
    assert stats.history.items == [] and stats.history.total == 0 and stats.history.next_before is None


def test_history_survives_a_reopen(tmp_path: Path) -> None:
    records = [make_record(i) for i in range(5)]
    with HistoryStore(tmp_path) as first:
        for record in records:
            first.submit(Built(record))
    with HistoryStore(tmp_path) as second:
        assert second.count() == 5
        assert second.get_workflow(records[2].prompt_id) == records[2]
        assert_rollups_match(second, records)
