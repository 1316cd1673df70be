"""SQLite connections: the writer's and the readers', their pragmas, and moving a bad file aside."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

# How long a statement waits for another connection's lock before SQLITE_BUSY.
BUSY_TIMEOUT_S = 5.0
# Readers keep a few idle connections; more are opened on demand and closed after use.
MAX_IDLE_READERS = 4

# https://www.sqlite.org/rescode.html
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_CORRUPT_WORDS = ("malformed", "not a database", "corrupt", "file is encrypted")
_SIDE_FILES = ("-wal", "-shm", "-journal")


def is_corruption(exc: BaseException) -> bool:
    """Whether ``exc`` says the database file itself is damaged (not merely locked or full)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    message = str(exc).lower()
    return any(word in message for word in _CORRUPT_WORDS)


def _apply_common(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")


def connect_writer(path: Path) -> sqlite3.Connection:
    """The one read-write connection: WAL, ``synchronous=NORMAL``, explicit transactions.

    WAL with NORMAL loses no committed transaction when the process dies (only a power loss can
    roll back the last few), and readers never block the writer.

    Raises:
        sqlite3.DatabaseError: the file is not a usable database (see ``is_corruption``).
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        _apply_common(conn)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise sqlite3.OperationalError(f"could not switch {path.name} to WAL (got {mode!r})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro`` and ``query_only``); usable from any one thread at a time."""
    uri = path.resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        _apply_common(conn)
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def check_integrity(conn: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA quick_check`` passes, else its first complaint."""
    rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    first = str(rows[0][0]) if rows else "no answer from quick_check"
    return None if first == "ok" else first


def move_aside(path: Path, label: str) -> Path:
    """Rename ``path`` (and its -wal/-shm files) to ``<name>.<label>-<UTC timestamp>``; return the new path.

    The -wal file must move with it: SQLite would replay a stale WAL into a fresh database of the
    same name.
    """
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    os.replace(path, target)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            with contextlib.suppress(OSError):
                os.replace(side, target.with_name(target.name + suffix))
    return target


class ReaderPool:
    """Read-only connections for worker threads; ``reset()`` retires every connection to the old file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._generation = 0
        self._closed = False

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for the duration of the block, inside one read transaction (one snapshot)."""
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("the history store is closed")
            generation = self._generation
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = connect_reader(self._path)
        healthy = False
        try:
            conn.execute("BEGIN")
            yield conn
            conn.execute("COMMIT")
            healthy = True
        finally:
            keep = False
            if healthy:
                with self._lock:
                    if (
                        not self._closed
                        and generation == self._generation
                        and len(self._idle) < MAX_IDLE_READERS
                    ):
                        self._idle.append(conn)
                        keep = True
            if not keep:
                conn.close()

    def reset(self) -> None:
        """Close idle connections; busy ones are closed when they come back."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.reset()
