"""Archive files: atomic writes, idempotent loads, listing, and ids that can never leave the folder."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.schemas.profiler import ArchiveSummary, HistoryArchive
from backend.storage import (
    ArchiveIdError,
    ArchiveNotFoundError,
    HistoryStore,
    InvalidArchiveError,
    is_archive_id,
)
from backend.storage.archives import TEMP_PREFIX, ArchiveDirectory
from tests.support.oom import loaded_info, make_oom_event
from tests.support.records import Built, assert_rollups_match, make_record

GOOD_ID = "20260101T120000Z-0123abcd"
BAD_IDS = [
    "",
    "../secret",
    "..",
    "../../etc/passwd",
    "/etc/passwd",
    "..\\secret",
    "C:\\Windows\\win.ini",
    "..%2Fsecret",
    "%2e%2e%2fsecret",
    GOOD_ID + "\n",
    GOOD_ID + "/../../secret",
    GOOD_ID + ".json",
    GOOD_ID.upper(),
    "20260101T120000Z-0123abcg",
    "20260101T120000Z_0123abcd",
    " " + GOOD_ID,
]


def _fill(store: HistoryStore, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.submit(Built(make_record(i, status="oom" if i % 3 == 0 else "success")))
    assert store.flush()


def _archive_files(store: HistoryStore) -> list[str]:
    return sorted(p.name for p in store.archives.directory.iterdir())


# Writing ----------------------------------------------------------------------------------------


def test_archive_file_is_valid_json_with_history_oom_history_and_summary(store: HistoryStore) -> None:
    _fill(store, 6)
    info = store.archive_now()
    path = store.archives.directory / f"{info.id}.json"
    raw = json.loads(path.read_text())
    keys = {"history", "oom_history", "summary", "format", "format_version", "created_at", "reason"}
    assert keys <= set(raw)
    archive = HistoryArchive.model_validate(raw)
    assert [r.prompt_id for r in archive.history] == [f"prompt-{i:06d}" for i in range(6)]
    assert [r.prompt_id for r in archive.oom_history] == ["prompt-000000", "prompt-000003"]
    assert archive.summary.workflow_count == 6 and archive.summary.oom_count == 2
    assert archive.summary.status_counts == {"oom": 2, "success": 4}
    assert is_archive_id(info.id)
    assert info.size_bytes == path.stat().st_size


def test_a_failed_rename_leaves_no_archive_and_history_untouched(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(store, 8)
    before = store.stats(limit=100)

    def crash(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.archive_now()
    monkeypatch.undo()
    assert _archive_files(store) == [], "no archive and no temp file are left"
    assert store.list_archives() == []
    assert store.stats(limit=100) == before


def test_a_crash_while_writing_records_leaves_no_visible_archive(tmp_path: Path) -> None:
    archives = ArchiveDirectory(tmp_path / "archives")

    def records() -> Iterator[str]:
        yield make_record(1).model_dump_json()
        raise RuntimeError("the process died here")

    summary = ArchiveSummary(
        workflow_count=2, oom_count=0, status_counts={}, first_started_at=None, last_started_at=None
    )
    with pytest.raises(RuntimeError):
        archives.write(reason="manual", summary=summary, history=records(), oom_history=[])
    assert list((tmp_path / "archives").iterdir()) == []


def test_temp_files_left_by_a_killed_process_are_ignored_then_removed(tmp_path: Path) -> None:
    folder = tmp_path / "archives"
    folder.mkdir()
    (folder / f"{TEMP_PREFIX}abc.part").write_text('{"format":"swissarmyknife.history-archive"')
    with HistoryStore(tmp_path) as store:
        assert store.wait_until_open()
        assert store.list_archives() == []
    assert list(folder.iterdir()) == []


# Loading ----------------------------------------------------------------------------------------


def test_loading_is_idempotent_on_prompt_id(store: HistoryStore) -> None:
    _fill(store, 9)
    records = [make_record(i, status="oom" if i % 3 == 0 else "success") for i in range(9)]
    info = store.archive_now()
    first = store.load_archive(info.id)
    assert (first.imported_count, first.already_present_count, first.invalid_count) == (9, 0, 0)
    assert first.archive == info
    second = store.load_archive(info.id)
    assert (second.imported_count, second.already_present_count) == (0, 9)
    assert store.count() == 9
    assert_rollups_match(store, records)
    assert store.get_workflow("prompt-000004") == records[4]


def test_loading_keeps_runs_already_in_history_and_adds_the_rest(store: HistoryStore) -> None:
    _fill(store, 5)
    info = store.archive_now()
    _fill(store, 3, start=3)  # prompt 3 and 4 are both archived and stored again
    result = store.load_archive(info.id)
    assert (result.imported_count, result.already_present_count) == (3, 2)
    assert store.count() == 6


def test_invalid_entries_are_counted_and_skipped(store: HistoryStore) -> None:
    _fill(store, 3)
    info = store.archive_now()
    path = store.archives.directory / f"{info.id}.json"
    lines = path.read_text().splitlines()
    lines[2] = '{"prompt_id": "broken"},'
    path.write_text("\n".join(lines) + "\n")
    result = store.load_archive(info.id)
    assert (result.imported_count, result.invalid_count) == (2, 1)


def test_a_pretty_printed_archive_still_loads(store: HistoryStore) -> None:
    _fill(store, 4)
    info = store.archive_now()
    path = store.archives.directory / f"{info.id}.json"
    path.write_text(json.dumps(json.loads(path.read_text()), indent=2))
    listed = store.list_archives()
    assert [a.id for a in listed] == [info.id]
    assert store.load_archive(info.id).imported_count == 4


@pytest.mark.parametrize(
    "content", [b"", b"not json", b"[1, 2]", b'{"format": "something-else"}', b"\xff\xfe\x00"]
)
def test_a_file_that_is_not_an_archive_is_refused_and_not_listed(store: HistoryStore, content: bytes) -> None:
    store.archives.ensure()
    (store.archives.directory / f"{GOOD_ID}.json").write_bytes(content)
    assert store.list_archives() == []
    with pytest.raises(InvalidArchiveError):
        store.load_archive(GOOD_ID)
    assert store.count() == 0
    assert store.delete_archive(GOOD_ID).id == GOOD_ID, "an unreadable archive can still be deleted"


def test_listing_is_newest_first_and_skips_what_is_not_an_archive(store: HistoryStore) -> None:
    ids = []
    for n in range(3):
        _fill(store, 2, start=n * 2)
        ids.append(store.archive_now().id)
    folder = store.archives.directory
    (folder / "notes.txt").write_text("x")
    (folder / "20260101T120000Z-0123abcd.json.bak").write_text("x")
    (folder / "20260101T120000Z-0123abce.json").mkdir()
    listed = store.list_archives()
    assert [a.id for a in listed] == list(reversed(ids))
    assert all(a.workflow_count == 2 for a in listed)


def test_delete_removes_one_archive(store: HistoryStore) -> None:
    _fill(store, 2)
    info = store.archive_now()
    assert store.delete_archive(info.id) == info
    assert store.list_archives() == []
    with pytest.raises(ArchiveNotFoundError):
        store.delete_archive(info.id)
    with pytest.raises(ArchiveNotFoundError):
        store.load_archive(info.id)


# Ids and paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_are_refused_before_any_file_is_touched(
    store: HistoryStore, bad: str, tmp_path: Path
) -> None:
    victim = tmp_path / "secret"
    victim.write_text("keep me")
    (tmp_path / "data" / "secret.json").write_text("keep me too")
    assert not is_archive_id(bad)
    with pytest.raises(ArchiveIdError):
        store.load_archive(bad)
    with pytest.raises(ArchiveIdError):
        store.delete_archive(bad)
    assert victim.read_text() == "keep me"
    assert (tmp_path / "data" / "secret.json").read_text() == "keep me too"


def test_an_archive_that_is_a_link_is_neither_read_nor_deleted(store: HistoryStore, tmp_path: Path) -> None:
    _fill(store, 3)
    real = store.archive_now()
    outside = tmp_path / "outside.json"
    outside.write_bytes((store.archives.directory / f"{real.id}.json").read_bytes())
    store.delete_archive(real.id)
    link = store.archives.directory / f"{GOOD_ID}.json"
    link.symlink_to(outside)
    assert store.list_archives() == []
    with pytest.raises(ArchiveNotFoundError):
        store.load_archive(GOOD_ID)
    with pytest.raises(ArchiveNotFoundError):
        store.delete_archive(GOOD_ID)
    assert outside.exists() and link.is_symlink()
    assert store.count() == 0


def test_an_archive_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with HistoryStore(tmp_path / "a") as source:
        _fill(source, 2)
        info = source.archive_now()
        (source.archives.directory / f"{info.id}.json").rename(elsewhere / f"{info.id}.json")
    data = tmp_path / "b"
    data.mkdir()
    (data / "archives").symlink_to(elsewhere, target_is_directory=True)
    with HistoryStore(data, max_workflows=3, archive_batch=2) as store:
        assert store.list_archives() == []
        with pytest.raises(ArchiveNotFoundError):
            store.load_archive(info.id)
        with pytest.raises(ArchiveNotFoundError):
            store.delete_archive(info.id)
        with pytest.raises(OSError):
            _fill(store, 1)
            store.archive_now()
        assert (elsewhere / f"{info.id}.json").exists()
        assert sorted(p.name for p in elsewhere.iterdir()) == [f"{info.id}.json"], "nothing written there"


# OOM captures -----------------------------------------------------------------------------------


def _with_captures(store: HistoryStore) -> None:
    _fill(store, 6)  # prompt-000000 and prompt-000003 ran out of memory
    base = loaded_info("base.safetensors", 6, True)
    store.submit_oom(make_oom_event(prompt_id="prompt-000000", captured_at=10.0, loaded_models=[base]))
    store.submit_oom(make_oom_event(prompt_id="prompt-000003", captured_at=20.0, node_type="VAEDecode"))
    store.submit_oom(make_oom_event(prompt_id="elsewhere", captured_at=30.0))  # no run of this history
    assert store.flush()


@pytest.mark.parametrize("pretty", [False, True], ids=["line-layout", "pretty-printed"])
def test_the_archived_runs_captures_go_with_them_and_come_back_once(
    store: HistoryStore, pretty: bool
) -> None:
    _with_captures(store)
    info = store.archive_now()
    assert (info.oom_count, info.oom_event_count) == (2, 2), "the OOM badge and its captures"
    path = store.archives.directory / f"{info.id}.json"
    raw = json.loads(path.read_text())
    archive = HistoryArchive.model_validate(raw)
    assert [e["prompt_id"] for e in archive.oom_events] == ["prompt-000000", "prompt-000003"]
    assert archive.summary.oom_summary is not None
    assert archive.summary.oom_summary.node_types == {"KSampler": 1, "VAEDecode": 1}
    assert archive.summary.oom_summary.models == {"base.safetensors": 1}
    assert len(store.oom_events(10)) == 3, "copied, not moved: the OOM analysis keeps them"
    if pretty:
        path.write_text(json.dumps(raw, indent=2))
    store.clear()
    first = store.load_archive(info.id)
    assert (first.imported_count, first.imported_oom_event_count) == (6, 2)
    assert [e.prompt_id for e in store.oom_events(10)] == ["prompt-000003", "prompt-000000"]
    again = store.load_archive(info.id)
    assert again.imported_oom_event_count == 0, "captures already stored are not added twice"


def test_an_archive_from_before_captures_were_archived_loads_without_them(store: HistoryStore) -> None:
    _fill(store, 3)
    info = store.archive_now()
    path = store.archives.directory / f"{info.id}.json"
    old = path.read_text().replace('\n],"oom_events":[\n\n]}', "\n]}")
    assert '"oom_events"' not in old
    path.write_text(old.replace(',"oom_summary":{"event_count":0,"node_types":{},"models":{}}', ""))
    assert '"oom_summary"' not in path.read_text()
    assert store.list_archives()[0].oom_event_count == 0
    result = store.load_archive(info.id)
    assert (result.imported_count, result.imported_oom_event_count, result.invalid_count) == (3, 0, 0)
