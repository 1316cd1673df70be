"""Retention: at most max_workflows stored; the oldest batch goes to an archive first, rollups follow."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from backend.schemas.profiler import HistoryArchive, WorkflowRecord
from backend.storage import HistoryStore, NothingToArchiveError
from backend.storage.archives import ArchiveDirectory
from tests.support.records import Built, assert_rollups_match, make_record

STATUSES = ("success", "success", "error", "oom", "interrupted")


def _records(n: int, start: int = 0) -> list[WorkflowRecord]:
    return [make_record(i, status=STATUSES[i % len(STATUSES)], cached=i % 4) for i in range(start, start + n)]


def _submit_all(store: HistoryStore, records: list[WorkflowRecord]) -> None:
    for record in records:
        store.submit(Built(record))
    assert store.flush(10)


def _stored_ids(store: HistoryStore) -> list[str]:
    return [s.prompt_id for s in store.history(limit=500).items]


def test_over_the_limit_the_oldest_batch_is_archived_then_deleted(store: HistoryStore) -> None:
    records = _records(51)
    _submit_all(store, records)
    assert store.count() == 41, "51 > 50: the oldest 10 went to an archive"
    assert _stored_ids(store) == [r.prompt_id for r in reversed(records[10:])]
    [info] = store.list_archives()
    assert (info.reason, info.workflow_count) == ("retention", 10)
    assert info.oom_count == sum(1 for r in records[:10] if r.status == "oom")
    assert (info.first_started_at, info.last_started_at) == (records[0].started_at, records[9].started_at)

    archive = HistoryArchive.model_validate_json((store.archives.directory / f"{info.id}.json").read_bytes())
    assert archive.history == records[:10]
    assert archive.oom_history == [r for r in records[:10] if r.status == "oom"]
    assert archive.summary.workflow_count == 10
    assert sum(archive.summary.status_counts.values()) == 10
    assert archive.reason == "retention"


def test_rollups_stay_exact_after_retention(store: HistoryStore) -> None:
    records = _records(137)
    _submit_all(store, records)
    kept = store.count()
    assert 41 <= kept <= 50
    assert_rollups_match(store, records[-kept:])


def test_history_never_exceeds_the_limit(tmp_path: Path) -> None:
    with HistoryStore(tmp_path, max_workflows=20, archive_batch=7) as store:
        for i in range(100):
            store.submit(Built(make_record(i)))
            assert store.flush()
            assert store.count() <= 20
        assert sum(a.workflow_count for a in store.list_archives()) + store.count() == 100


def test_loaded_runs_are_kept_and_the_oldest_stored_ones_leave(store: HistoryStore) -> None:
    _submit_all(store, _records(60))  # 60 -> archive 10 oldest at 51, then 41..50 kept
    oldest_archive = min(store.list_archives(), key=lambda a: a.first_started_at or 0)
    before = set(_stored_ids(store))
    result = store.load_archive(oldest_archive.id)
    assert result.imported_count == 10
    after = set(_stored_ids(store))
    assert {f"prompt-{i:06d}" for i in range(10)} <= after, "retention evicts by insertion, not start time"
    assert store.count() <= 50
    assert len(before - after) == 10
    all_records = {r.prompt_id: r for r in _records(60)}
    assert_rollups_match(store, [all_records[p] for p in after])


def test_archive_now_moves_everything_and_resets_averages(store: HistoryStore) -> None:
    records = _records(12)
    _submit_all(store, records)
    info = store.archive_now()
    assert (info.reason, info.workflow_count) == ("manual", 12)
    assert store.count() == 0
    assert store.node_averages() == [] and store.workflow_averages() == []
    with pytest.raises(NothingToArchiveError):
        store.archive_now()
    result = store.load_archive(info.id)
    assert result.imported_count == 12
    assert_rollups_match(store, records)


def test_clear_forgets_history_but_keeps_archives(store: HistoryStore) -> None:
    _submit_all(store, _records(55))
    archives = store.list_archives()
    assert store.clear() == 45
    assert store.count() == 0
    assert store.stats().node_averages == []
    assert store.list_archives() == archives


def test_when_archives_cannot_be_written_history_stays_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ArchiveDirectory, "write", refuse)
    caplog.set_level(logging.INFO, logger="swissarmyknife")
    with HistoryStore(tmp_path, max_workflows=20, archive_batch=5) as store:
        records = _records(40)
        peak = 0
        for record in records:
            store.submit(Built(record))
            assert store.flush()
            peak = max(peak, store.count())
        # Retries for one batch past the limit, then deletes without an archive: never unbounded.
        assert peak <= 20 + 5 + 1
        assert peak > 20, "a failed archive is not a reason to drop runs at once"
        assert store.list_archives() == []
        assert_rollups_match(store, records[-store.count() :])
    text = caplog.text
    assert "[SwissArmyKnife] could not archive old history" in text
    assert "without an archive" in text


def test_lowering_the_limit_archives_the_oldest_at_once(tmp_path: Path) -> None:
    with HistoryStore(tmp_path, max_workflows=1000) as store:
        for record in _records(30):
            store.submit(Built(record))
        assert store.flush() and store.count() == 30
        changes: list[str] = []
        store.subscribe_changes(changes.append)
        store.set_max_workflows(20)
        assert store.flush()
        assert store.count() <= 20, "archived without waiting for the next run"
        assert store.count() >= 18, "in batches of a tenth of the limit, not all at once"
        (archive,) = store.list_archives()
        assert archive.reason == "retention" and changes == ["retention"]
