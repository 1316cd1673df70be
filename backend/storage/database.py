"""The writer thread's database: opened (checked, migrated, a bad file moved aside), transactions,
recovery when the file breaks while running, and the count of stored workflows.

Only the writer thread touches a ``WriterDatabase``; ``count`` and ``unavailable_reason`` are read
by other threads (plain attribute reads, never torn).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from .. import log
from ..schemas.profiler import WorkflowRecord
from . import repository
from .db import check_integrity, connect_writer, is_corruption, move_aside
from .errors import HistoryUnavailableError
from .migrations import SchemaTooNewError, migrate


class WriterDatabase:
    """``history.sqlite`` as its one writer holds it."""

    def __init__(self, path: Path, *, on_replaced: Callable[[], None]) -> None:
        """Create it closed; the writer thread calls ``open``.

        Args:
            path: The database file.
            on_replaced: Called when the file is moved aside while running (readers must let go).
        """
        self.path = path
        self._on_replaced = on_replaced
        self.conn: sqlite3.Connection | None = None
        self.unavailable_reason: str | None = "the history database is still opening"
        self.count = 0

    def open(self) -> None:
        """Open, check and migrate; a corrupt or newer file is moved aside and a fresh one started.

        Raises:
            sqlite3.DatabaseError: Not even a fresh database could be opened.
            OSError: The folder cannot be created.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            try:
                conn = connect_writer(self.path)
                try:
                    problem = check_integrity(conn)
                    if problem is not None:
                        raise sqlite3.DatabaseError(f"database disk image is malformed ({problem})")
                    migrate(conn)
                    count = repository.count(conn)
                except BaseException:
                    conn.close()
                    raise
            except SchemaTooNewError as exc:
                moved = move_aside(self.path, "newer")
                log.warning(
                    f"{self.path} was written by a newer version of the pack ({exc}); moved it to "
                    f"{moved.name} and started a fresh history (rename it back after upgrading)"
                )
                continue
            except sqlite3.DatabaseError as exc:
                if attempt == 2 or not (is_corruption(exc) or "malformed" in str(exc)):
                    raise
                moved = move_aside(self.path, "corrupt")
                log.warning(
                    f"history database {self.path} is corrupt ({exc}); moved it to {moved.name} "
                    "and started a fresh one"
                )
                continue
            self.conn, self.count = conn, count
            self.unavailable_reason = None
            return
        raise sqlite3.DatabaseError(f"{self.path} could not be replaced by a fresh database")

    def close(self) -> None:
        conn, self.conn = self.conn, None
        self.unavailable_reason = "the history store is closed"
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()

    def require(self) -> sqlite3.Connection:
        """The open connection.

        Raises:
            HistoryUnavailableError: The database is not open; the message says why.
        """
        if self.conn is None:
            raise HistoryUnavailableError(self.unavailable_reason or "the history database is not open")
        return self.conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any failure."""
        conn = self.require()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    def insert(self, record: WorkflowRecord) -> bool:
        """Store one workflow in its own transaction; False when its prompt id is stored already.

        A file that breaks while running is moved aside and the write retried on a fresh one.

        Raises:
            sqlite3.Error: The write failed (disk full, I/O error) and was rolled back.
        """
        try:
            inserted = self._insert(record)
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc) or not self._recover_from_corruption(exc):
                raise
            inserted = self._insert(record)
        if inserted:
            self.count += 1
        return inserted

    def _insert(self, record: WorkflowRecord) -> bool:
        with self.transaction() as conn:
            return repository.insert_workflow(conn, record)

    def _recover_from_corruption(self, exc: BaseException) -> bool:
        """The file broke while running: move it aside and start fresh; False if that failed too."""
        conn, self.conn = self.conn, None
        self.unavailable_reason = "the history database is being replaced"
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._on_replaced()
        try:
            moved = move_aside(self.path, "corrupt")
            log.warning(
                f"history database {self.path} became corrupt ({exc}); moved it to {moved.name} "
                "and started a fresh one"
            )
            self.open()
        except Exception as reopen_exc:
            self.unavailable_reason = f"the history database could not be reopened: {reopen_exc}"
            log.warning(f"history is disabled: {self.unavailable_reason}")
            return False
        return True
