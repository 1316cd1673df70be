"""The writer thread: never blocks the caller, survives bad input, drains on close, serializes commands."""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from backend.schemas.profiler import WorkflowRecord, WorkflowSummary
from backend.storage import WRITER_THREAD_NAME, HistoryStore, HistoryUnavailableError, repository
from tests.support.records import Building, Built, assert_rollups_match, make_record


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == WRITER_THREAD_NAME]


def test_one_named_writer_thread_runs_between_start_and_close(tmp_path: Path) -> None:
    before = len(_writer_threads())
    store = HistoryStore(tmp_path)
    store.start()
    store.start()
    assert len(_writer_threads()) == before + 1
    assert store.wait_until_open()
    store.close()
    store.close()
    assert len(_writer_threads()) == before


def test_submit_never_blocks_and_counts_what_it_drops(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path, queue_size=3)  # not started: nothing drains the queue
    # A submit that waited for room would wait forever here; the thread shows it returned (the
    # join's limit only keeps a regression from hanging the suite).
    submitting = threading.Thread(target=lambda: [store.submit(Built(make_record(i))) for i in range(10)])
    submitting.start()
    submitting.join(30.0)
    assert not submitting.is_alive(), "submit blocked on a full queue"
    counters = store.counters()
    assert (counters.submitted, counters.dropped, counters.pending) == (3, 7, 3)
    store.start()
    assert store.flush()
    assert store.count() == 3
    store.close()


def test_the_writer_survives_bad_records(store: HistoryStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="swissarmyknife")
    good = make_record(1)
    broken = WorkflowRecord.model_construct(**{**good.model_dump(), "prompt_id": "broken", "nodes": [None]})
    store.submit("not a record")  # type: ignore[arg-type]
    store.submit(Built(broken))
    store.submit(Built(good))
    assert store.flush()
    assert [s.prompt_id for s in store.history().items] == ["prompt-000001"]
    assert store.get_workflow("broken") is None, "the failed transaction left nothing behind"
    assert store.counters().failed == 2
    assert "[SwissArmyKnife] could not store a workflow" in caplog.text
    assert _writer_threads()


def test_close_writes_everything_already_submitted(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    store.start()
    for i in range(300):
        store.submit(Built(make_record(i, nodes=5)))
    store.close()
    store.submit(Built(make_record(999)))
    assert store.counters().dropped == 1
    with pytest.raises(HistoryUnavailableError):
        store.count()
    with HistoryStore(tmp_path) as reopened:
        assert reopened.count() == 300


def test_listeners_hear_each_commit_and_cannot_break_the_writer(store: HistoryStore) -> None:
    heard: list[WorkflowSummary] = []
    store.subscribe(heard.append)

    def angry(_summary: WorkflowSummary) -> None:
        raise RuntimeError("listener bug")

    unsubscribe = store.subscribe(angry)
    store.submit(Built(make_record(1)))
    assert store.flush()
    unsubscribe()
    store.submit(Built(make_record(2)))
    store.submit(Built(make_record(2)))  # duplicate: not a new commit
    assert store.flush()
    assert [s.prompt_id for s in heard] == ["prompt-000001", "prompt-000002"]
    assert store.count() == 2


def test_a_command_that_cannot_run_in_time_changes_nothing(store: HistoryStore) -> None:
    release = threading.Event()
    store.subscribe(lambda _s: release.wait(5))
    store.submit(Built(make_record(1)))  # the writer now waits inside the listener
    with pytest.raises(HistoryUnavailableError, match="busy"):
        store.clear(timeout_s=0.2)
    release.set()
    assert store.flush()
    assert store.count() == 1, "the timed-out clear was cancelled, not run later"


def test_an_unusable_directory_disables_history_without_raising(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    with HistoryStore(blocker / "data") as store:
        assert not store.wait_until_open(2)
        store.submit(Built(make_record(1)))
        with pytest.raises(HistoryUnavailableError, match="could not be opened"):
            store.stats()
        with pytest.raises(HistoryUnavailableError):
            store.archive_now()


def test_reads_wait_for_the_database_to_open(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    results: list[int] = []
    reader = threading.Thread(target=lambda: results.append(store.count()))
    reader.start()
    time.sleep(0.05)
    store.start()
    reader.join(5)
    assert results == [0]
    store.close()


def test_a_database_error_in_a_command_is_reported_and_rolled_back(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.submit(Built(make_record(1)))
    assert store.flush()

    def full(conn: sqlite3.Connection) -> int:
        conn.execute("DELETE FROM node_runs")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(repository, "delete_all", full)
    with pytest.raises(HistoryUnavailableError, match="disk is full"):
        store.clear()
    assert store.get_workflow("prompt-000001") == make_record(1)
    assert_rollups_match(store, [make_record(1)])


def test_the_writer_keeps_no_record_once_it_is_stored(store: HistoryStore) -> None:
    # A record held between workflows is memory, and objects every full collection of the next
    # run scans (issue 5's chain measured it): once written, only its submitter may hold it.
    record = make_record(7, nodes=50)
    baseline = sys.getrefcount(record)
    store.submit(Built(record))
    deadline = time.monotonic() + 10
    while store.counters().written < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert store.counters().written == 1
    # No flush marker here: it would replace the writer's last item and hide the leak.
    time.sleep(0.05)
    assert sys.getrefcount(record) == baseline, "the writer thread still references the stored record"


def test_a_record_to_build_is_built_on_the_writer_thread(store: HistoryStore) -> None:
    # ComfyUI's execution thread submits a workflow whose record is still to build: building it
    # (replay, validation: milliseconds for a large workflow) happens on the writer, not the submitter.
    threads: list[str] = []

    def build() -> WorkflowRecord:
        threads.append(threading.current_thread().name)
        return make_record(8)

    store.submit(Building(build))
    assert store.flush()
    assert threads == [WRITER_THREAD_NAME]
    assert store.get_workflow(make_record(8).prompt_id) == make_record(8)


def test_a_record_that_cannot_be_built_is_counted_and_the_writer_goes_on(
    store: HistoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="swissarmyknife")

    def broken() -> WorkflowRecord:
        raise ValueError("an event log no record can be made of")

    store.submit(Building(broken))
    store.submit(Built(make_record(9)))
    assert store.flush()
    counters = store.counters()
    assert counters.failed == 1 and counters.written == 1
    assert store.get_workflow(make_record(9).prompt_id) is not None
    assert "could not store a workflow (ValueError: an event log no record can be made of)" in caplog.text


def test_the_writer_keeps_nothing_it_built_once_it_is_stored(store: HistoryStore) -> None:
    # As above for a record built on the writer: neither the builder (holding the event log and
    # the prompt) nor the record outlives the write.
    record = make_record(10, nodes=50)
    built: list[int] = []

    class Builder:
        def build(self) -> WorkflowRecord:
            built.append(1)
            return record

    builder = Builder()
    baseline_builder, baseline_record = sys.getrefcount(builder), sys.getrefcount(record)
    store.submit(builder)
    deadline = time.monotonic() + 10
    while store.counters().written < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert store.counters().written == 1 and built == [1]
    time.sleep(0.05)  # no flush marker: it would replace the writer's last item and hide a leak
    assert sys.getrefcount(builder) == baseline_builder, "the writer still references the builder"
    assert sys.getrefcount(record) == baseline_record, "the writer still references the built record"
