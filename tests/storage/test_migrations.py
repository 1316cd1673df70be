"""Numbered migrations tracked by PRAGMA user_version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backend.storage import HistoryStore, migrations
from backend.storage.db import connect_writer
from backend.storage.migrations import SCHEMA_VERSION, SchemaTooNewError, migrate, schema_version

TABLES = {"workflows", "node_runs", "node_rollup", "workflow_rollup"}


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrates_an_empty_database_to_the_latest_version(tmp_path: Path) -> None:
    conn = connect_writer(tmp_path / "h.sqlite")
    try:
        assert schema_version(conn) == 0
        assert migrate(conn) == SCHEMA_VERSION
        assert schema_version(conn) == SCHEMA_VERSION
        assert _tables(conn) >= TABLES
        assert migrate(conn) == SCHEMA_VERSION, "a second run does nothing"
    finally:
        conn.close()


def test_a_failing_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = connect_writer(tmp_path / "h.sqlite")
    try:
        migrate(conn)
        broken = (*migrations.MIGRATIONS, "CREATE TABLE extra (x INTEGER); SELECT no_such_function();")
        monkeypatch.setattr(migrations, "MIGRATIONS", broken)
        monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(broken))
        with pytest.raises(sqlite3.OperationalError):
            migrate(conn)
        assert schema_version(conn) == SCHEMA_VERSION
        assert "extra" not in _tables(conn), "the failed migration's statements were rolled back"
        assert not conn.in_transaction
    finally:
        conn.close()


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    conn = connect_writer(tmp_path / "h.sqlite")
    try:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        with pytest.raises(SchemaTooNewError):
            migrate(conn)
        assert schema_version(conn) == SCHEMA_VERSION + 5
    finally:
        conn.close()


def test_store_moves_a_newer_database_aside_and_starts_fresh(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with HistoryStore(tmp_path) as store:
        assert store.wait_until_open()
        assert store.count() == 0
    kept = list(tmp_path.glob("history.sqlite.newer-*"))
    assert len(kept) == 1
    old = sqlite3.connect(kept[0])
    try:
        assert "future" in _tables(old), "the newer file is kept intact for a later upgrade"
    finally:
        old.close()
