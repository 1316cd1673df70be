"""A damaged database file is moved aside and history starts afresh, with one clear log line."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from backend.storage import HistoryStore, repository
from backend.storage.db import is_corruption
from tests.support.records import Built, make_record


def _moved(folder: Path) -> list[Path]:
    return sorted(folder.glob("history.sqlite.corrupt-*"))


def test_a_file_that_is_not_a_database_is_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="swissarmyknife")
    (tmp_path / "history.sqlite").write_bytes(b"this is not SQLite" * 100)
    (tmp_path / "history.sqlite-wal").write_bytes(b"stale wal")
    with HistoryStore(tmp_path) as store:
        assert store.wait_until_open()
        store.submit(Built(make_record(1)))
        assert store.flush()
        assert store.count() == 1
    moved = [p for p in _moved(tmp_path) if not p.name.endswith(("-wal", "-shm"))]
    assert len(moved) == 1
    assert moved[0].read_bytes().startswith(b"this is not SQLite"), "the damaged file is kept for inspection"
    wal = tmp_path / "history.sqlite-wal"
    assert not wal.exists() or b"stale wal" not in wal.read_bytes(), "no stale WAL next to the fresh file"
    [line] = [r.getMessage() for r in caplog.records if "corrupt" in r.getMessage()]
    assert line.startswith("[SwissArmyKnife] history database")
    assert moved[0].name in line and "started a fresh one" in line


def test_damaged_pages_are_detected_at_open(tmp_path: Path) -> None:
    with HistoryStore(tmp_path) as store:
        for i in range(200):
            store.submit(Built(make_record(i)))
    path = tmp_path / "history.sqlite"
    assert (
        not (tmp_path / "history.sqlite-wal").exists()
        or (tmp_path / "history.sqlite-wal").stat().st_size == 0
    )
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 20 * page
    for offset in range(2 * page, len(data) - page, 3 * page):
        data[offset : offset + 512] = b"\xa5" * 512
    path.write_bytes(bytes(data))
    with HistoryStore(tmp_path) as store:
        assert store.wait_until_open()
        assert store.count() == 0
    assert len(_moved(tmp_path)) >= 1


def test_corruption_found_while_running_replaces_the_file_and_keeps_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="swissarmyknife")
    real_insert = repository.insert_workflow
    calls = {"n": 0}

    def flaky(conn: sqlite3.Connection, record: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real_insert(conn, record)  # type: ignore[arg-type]

    monkeypatch.setattr(repository, "insert_workflow", flaky)
    with HistoryStore(tmp_path) as store:
        store.submit(Built(make_record(1)))
        store.submit(Built(make_record(2)))
        store.submit(Built(make_record(3)))
        assert store.flush()
        assert [s.prompt_id for s in store.history().items] == ["prompt-000003", "prompt-000002"]
    assert len(_moved(tmp_path)) >= 1
    assert "became corrupt" in caplog.text


def test_only_damage_counts_as_corruption() -> None:
    assert is_corruption(sqlite3.DatabaseError("file is not a database"))
    assert is_corruption(sqlite3.DatabaseError("database disk image is malformed"))
    assert not is_corruption(sqlite3.OperationalError("database is locked"))
    assert not is_corruption(sqlite3.OperationalError("disk I/O error"))
    assert not is_corruption(ValueError("malformed"))
