"""HistoryStore: one writer thread owns the database; readers use their own read-only connections.

ComfyUI's execution thread calls ``submit()``, which only enqueues. The writer thread opens the
database (so a slow disk or a corrupt file never delays ComfyUI's start), then commits one
transaction per finished workflow, enforces retention by archiving the oldest runs, and runs the
archive/load/clear commands, so every change to the database and the archive folder is serialized.
Reads (``stats``, ``get_workflow``...) block: call them from a worker thread, never an event loop.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from .. import log
from ..schemas.profiler import (
    ArchiveInfo,
    ArchiveLoadResult,
    ArchiveReason,
    HistoryPage,
    NodeAverage,
    WorkflowAverage,
    WorkflowRecord,
    WorkflowSummary,
)
from . import repository
from .archives import ArchiveDirectory
from .db import ReaderPool, check_integrity, connect_writer, is_corruption, move_aside
from .errors import HistoryUnavailableError, NothingToArchiveError
from .migrations import SchemaTooNewError, migrate

T = TypeVar("T")

WRITER_THREAD_NAME = "swissarmyknife-history-writer"
DB_FILE_NAME = "history.sqlite"
ARCHIVE_DIR_NAME = "archives"
DEFAULT_MAX_WORKFLOWS = 10_000
DEFAULT_ARCHIVE_BATCH = 1_000
# Finished workflows waiting for the writer; beyond this they are dropped (and counted), never blocking.
DEFAULT_QUEUE_SIZE = 1_000
# How long a read waits for the database to open before answering "unavailable".
READY_WAIT_S = 5.0
COMMAND_TIMEOUT_S = 120.0
IMPORT_CHUNK = 250

CommitListener = Callable[[WorkflowSummary], None]


@dataclass(frozen=True)
class HistoryStats:
    """The stored part of ``GET /swissarmyknife/profiler/stats``, read in one snapshot."""

    latest: WorkflowRecord | None
    node_averages: list[NodeAverage]
    workflow_averages: list[WorkflowAverage]
    history: HistoryPage


@dataclass(frozen=True)
class StoreCounters:
    """What the writer has done since start (for logs, tests and metrics)."""

    submitted: int
    written: int
    duplicates: int
    dropped: int
    failed: int
    pending: int
    stored: int
    last_write_ms: float | None


@dataclass(frozen=True)
class _Command(Generic[T]):
    run: Callable[[], T]
    future: Future[T]


@dataclass(frozen=True)
class _Flush:
    done: threading.Event


@dataclass(frozen=True)
class _Build:
    """A finished workflow whose record the writer builds (see ``submit``)."""

    build: Callable[[], WorkflowRecord]


_STOP = object()


class HistoryStore:
    """Durable, bounded history of finished workflows: ``<directory>/history.sqlite`` and ``archives/``."""

    def __init__(
        self,
        directory: Path,
        *,
        max_workflows: int = DEFAULT_MAX_WORKFLOWS,
        archive_batch: int = DEFAULT_ARCHIVE_BATCH,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        if max_workflows < 1 or archive_batch < 1:
            raise ValueError("max_workflows and archive_batch must be at least 1")
        self.directory = directory
        self.path = directory / DB_FILE_NAME
        self.archives = ArchiveDirectory(directory / ARCHIVE_DIR_NAME)
        self.max_workflows = max_workflows
        self.archive_batch = archive_batch
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._pool = ReaderPool(self.path)
        self._lifecycle = threading.Lock()
        self._counters_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._ready = threading.Event()
        # Writer-thread state.
        self._conn: sqlite3.Connection | None = None
        self._unavailable_reason: str | None = "the history database is still opening"
        self._count = 0
        self._retry_retention_at = 0
        self._listeners: list[CommitListener] = []
        # Counters.
        self._submitted = self._written = self._duplicates = self._dropped = self._failed = 0
        self._last_write_ms: float | None = None

    # Lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer thread, which opens the database; returns at once. Idempotent."""
        with self._lifecycle:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(target=self._run, name=WRITER_THREAD_NAME, daemon=True)
            self._thread.start()

    def close(self, timeout_s: float = 30.0) -> None:
        """Write everything already submitted, then close the database. Idempotent."""
        with self._lifecycle:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is not None:
            try:
                self._queue.put(_STOP, timeout=timeout_s)
            except queue.Full:
                log.warning("the history writer is stuck; workflows not yet written are lost")
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning(f"the history writer did not finish within {timeout_s:.0f} s")
        self._pool.close()

    def __enter__(self) -> HistoryStore:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def wait_until_open(self, timeout_s: float = READY_WAIT_S) -> bool:
        """Whether the database is open and usable (waits for the writer to open it)."""
        return self._ready.wait(timeout_s) and self._unavailable_reason is None

    # Writing (any thread) -----------------------------------------------------------------------

    def submit(self, record: WorkflowRecord | Callable[[], WorkflowRecord]) -> None:
        """Queue a finished workflow for the writer; never blocks (dropped, and counted, when full).

        ``record`` may be a function that builds the record: it is called on the writer thread, so
        that the thread submitting (ComfyUI's execution thread) does not build it; if it raises,
        the workflow is counted as failed and logged, like a write that fails.
        """
        if self._closed:
            self._count_drop()
            log.warn_once("history-closed", "a workflow finished after the history store closed; not stored")
            return
        try:
            self._queue.put_nowait(_Build(record) if callable(record) else record)
        except queue.Full:
            self._count_drop()
            log.at_most_every(
                "history-queue-full", 60.0, "the history writer is behind; a finished workflow was not stored"
            )
            return
        with self._counters_lock:
            self._submitted += 1

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything submitted before this call is committed; False on timeout."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return self._queue.empty()
        deadline = time.monotonic() + timeout_s
        marker = _Flush(threading.Event())
        try:
            self._queue.put(marker, timeout=timeout_s)
        except queue.Full:
            return False
        return marker.done.wait(max(0.0, deadline - time.monotonic()))

    def subscribe(self, listener: CommitListener) -> Callable[[], None]:
        """Call ``listener`` on the writer thread after each workflow commits; returns an unsubscriber."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def archive_now(self, timeout_s: float = COMMAND_TIMEOUT_S) -> ArchiveInfo:
        """Move the whole history into a new archive (``reason="manual"``).

        Raises:
            NothingToArchiveError: history is empty.
            HistoryUnavailableError: the database is not open, or the writer stayed busy (nothing changed).
            OSError: the archive could not be written (history is left as it was).
        """
        return self._call(self._archive_all, timeout_s)

    def load_archive(self, archive_id: str, timeout_s: float = COMMAND_TIMEOUT_S) -> ArchiveLoadResult:
        """Import an archive's workflows back into history; those already present are skipped.

        Raises:
            ArchiveIdError, ArchiveNotFoundError, InvalidArchiveError, HistoryUnavailableError.
        """
        return self._call(lambda: self._load(archive_id), timeout_s)

    def delete_archive(self, archive_id: str, timeout_s: float = COMMAND_TIMEOUT_S) -> ArchiveInfo:
        """Delete one archive file. Raises: ArchiveIdError, ArchiveNotFoundError, HistoryUnavailableError."""
        return self._call(lambda: self.archives.delete(archive_id), timeout_s, needs_database=False)

    def clear(self, timeout_s: float = COMMAND_TIMEOUT_S) -> int:
        """Forget every stored workflow (archives are kept); return how many were removed."""
        return self._call(self._clear, timeout_s)

    # Reading (worker threads) -------------------------------------------------------------------

    def stats(self, limit: int = 50, before: float | None = None) -> HistoryStats:
        """Latest run, averages and one history page, from one consistent snapshot."""

        def read(conn: sqlite3.Connection) -> HistoryStats:
            return HistoryStats(
                latest=repository.latest(conn),
                node_averages=repository.node_averages(conn),
                workflow_averages=repository.workflow_averages(conn),
                history=repository.history_page(conn, limit, before),
            )

        return self._read(read)

    def history(self, limit: int = 50, before: float | None = None) -> HistoryPage:
        return self._read(lambda conn: repository.history_page(conn, limit, before))

    def get_workflow(self, prompt_id: str) -> WorkflowRecord | None:
        return self._read(lambda conn: repository.get_workflow(conn, prompt_id))

    def latest(self) -> WorkflowRecord | None:
        return self._read(repository.latest)

    def node_averages(self, limit: int = repository.MAX_NODE_AVERAGES) -> list[NodeAverage]:
        return self._read(lambda conn: repository.node_averages(conn, limit))

    def workflow_averages(self, limit: int = repository.MAX_WORKFLOW_AVERAGES) -> list[WorkflowAverage]:
        return self._read(lambda conn: repository.workflow_averages(conn, limit))

    def count(self) -> int:
        return self._read(repository.count)

    def list_archives(self) -> list[ArchiveInfo]:
        return self.archives.list_archives()

    def counters(self) -> StoreCounters:
        with self._counters_lock:
            return StoreCounters(
                submitted=self._submitted,
                written=self._written,
                duplicates=self._duplicates,
                dropped=self._dropped,
                failed=self._failed,
                pending=self._queue.qsize(),
                stored=self._count,
                last_write_ms=self._last_write_ms,
            )

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise HistoryUnavailableError("the history store is closed")
        if not self._ready.wait(READY_WAIT_S):
            raise HistoryUnavailableError("the history database is still opening; retry in a few seconds")
        reason = self._unavailable_reason
        if reason is not None:
            raise HistoryUnavailableError(reason)
        try:
            with self._pool.connection() as conn:
                return fn(conn)
        except sqlite3.Error as exc:
            log.at_most_every("history-read", 60.0, f"reading history failed: {exc}")
            raise HistoryUnavailableError("reading history failed; see the server log") from exc

    def _call(self, fn: Callable[[], T], timeout_s: float, *, needs_database: bool = True) -> T:
        if self._closed or self._thread is None:
            raise HistoryUnavailableError("the history store is not running")

        def guarded() -> T:
            if needs_database and self._conn is None:
                raise HistoryUnavailableError(self._unavailable_reason or "the history database is not open")
            try:
                return fn()
            except sqlite3.Error as exc:
                # Disk full, I/O error: the transaction rolled back; say so instead of failing obscurely.
                log.at_most_every("history-command", 60.0, f"a history command failed: {exc}")
                raise HistoryUnavailableError(f"the history database refused the change ({exc})") from exc

        future: Future[T] = Future()
        try:
            self._queue.put(_Command(guarded, future), timeout=timeout_s)
        except queue.Full:
            raise HistoryUnavailableError(
                "the history writer is busy; nothing was changed, retry later"
            ) from None
        try:
            return future.result(timeout=timeout_s)
        except FutureTimeout:
            if future.cancel():
                raise HistoryUnavailableError(
                    "the history writer is busy; nothing was changed, retry later"
                ) from None
            return future.result()  # already running: it will finish, report how it went

    # The writer thread --------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._open()
        except Exception as exc:  # never let the thread die before it drains the queue
            self._unavailable_reason = f"the history database could not be opened: {exc}"
            log.warning(f"history is disabled: {self._unavailable_reason}", exc_info=True)
        self._ready.set()
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            try:
                self._handle(item)
            except Exception as exc:
                with self._counters_lock:
                    self._failed += 1
                log.at_most_every(
                    "history-write",
                    60.0,
                    f"could not store a workflow ({type(exc).__name__}: {exc}); continuing",
                )
                log.logger.debug("history writer failure", exc_info=True)
            # get() waits with the last item still bound: unbound, the last workflow's record (every
            # node and shape: ~2,700 objects for 200 nodes) is not kept alive until the next one,
            # where every full collection of the next run would scan it.
            item = None
        conn, self._conn = self._conn, None
        self._unavailable_reason = "the history store is closed"
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()

    def _handle(self, item: object) -> None:
        if isinstance(item, WorkflowRecord):
            self._write(item)
        elif isinstance(item, _Build):
            self._write(item.build())
        elif isinstance(item, _Command):
            command: _Command[Any] = item
            if not command.future.set_running_or_notify_cancel():
                return
            try:
                command.future.set_result(command.run())
            except Exception as exc:
                command.future.set_exception(exc)
        elif isinstance(item, _Flush):
            item.done.set()
        else:
            raise TypeError(f"expected a WorkflowRecord, got {type(item).__name__}")

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            try:
                conn = connect_writer(self.path)
                try:
                    problem = check_integrity(conn)
                    if problem is not None:
                        raise sqlite3.DatabaseError(f"database disk image is malformed ({problem})")
                    migrate(conn)
                    self._count = repository.count(conn)
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
            self._conn = conn
            self._unavailable_reason = None
            break
        else:
            raise sqlite3.DatabaseError(f"{self.path} could not be replaced by a fresh database")
        with contextlib.suppress(OSError):
            self.archives.remove_stale_temp_files()

    def _recover_from_corruption(self, exc: BaseException) -> bool:
        """The file broke while running: move it aside and start fresh; False if that failed too."""
        conn, self._conn = self._conn, None
        self._unavailable_reason = "the history database is being replaced"
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._pool.reset()
        try:
            moved = move_aside(self.path, "corrupt")
            log.warning(
                f"history database {self.path} became corrupt ({exc}); moved it to {moved.name} "
                "and started a fresh one"
            )
            self._open()
        except Exception as reopen_exc:
            self._unavailable_reason = f"the history database could not be reopened: {reopen_exc}"
            log.warning(f"history is disabled: {self._unavailable_reason}")
            return False
        return True

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        if conn is None:
            raise HistoryUnavailableError(self._unavailable_reason or "the history database is not open")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    def _insert(self, record: WorkflowRecord) -> bool:
        with self._transaction() as conn:
            return repository.insert_workflow(conn, record)

    def _write(self, record: WorkflowRecord) -> None:
        if self._conn is None:
            self._count_drop()
            return
        started = time.perf_counter()
        try:
            inserted = self._insert(record)
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc) or not self._recover_from_corruption(exc):
                raise
            inserted = self._insert(record)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        with self._counters_lock:
            self._last_write_ms = elapsed_ms
            if inserted:
                self._written += 1
                self._count += 1
            else:
                self._duplicates += 1
        if inserted:
            self._notify(record)
            self._enforce_retention()

    def _notify(self, record: WorkflowRecord) -> None:
        if not self._listeners:
            return
        summary = WorkflowSummary.model_validate(record.model_dump(exclude={"nodes"}))
        for listener in list(self._listeners):
            try:
                listener(summary)
            except Exception:
                log.at_most_every("history-listener", 60.0, "a history listener failed")

    def _enforce_retention(self) -> None:
        """Keep at most ``max_workflows``: archive the oldest-stored batch, then delete it.

        If the archive cannot be written, retry after a tenth of a batch more; past one whole batch
        over the limit, delete without an archive (bounded beats complete) and say so.
        """
        conn = self._conn
        while conn is not None and self._count > self.max_workflows:
            if self._count < self._retry_retention_at:
                return
            batch = min(self._count, max(self._count - self.max_workflows, self.archive_batch))
            last_seq = repository.seq_of_nth_oldest(conn, batch)
            if last_seq is None:
                return
            try:
                info = self._archive_through(last_seq, "retention")
            except OSError as exc:
                if self._count <= self.max_workflows + self.archive_batch:
                    self._retry_retention_at = self._count + max(1, self.archive_batch // 10)
                    log.at_most_every(
                        "history-retention", 300.0, f"could not archive old history ({exc}); will retry"
                    )
                    return
                log.warning(
                    f"could not archive old history ({exc}); deleting the oldest {batch} workflows "
                    f"without an archive to keep history under {self.max_workflows}"
                )
                with self._transaction() as tx:
                    removed = repository.delete_through(tx, last_seq)
                self._set_count(self._count - removed)
                continue
            self._retry_retention_at = 0
            log.info(f"archived the {info.workflow_count} oldest workflows to {info.id}.json")

    def _archive_through(self, last_seq: int, reason: ArchiveReason) -> ArchiveInfo:
        """Write ``seq <= last_seq`` to an archive, then delete them; the file exists before rows go."""
        conn = self._conn
        assert conn is not None
        summary = repository.summarize_through(conn, last_seq)
        info = self.archives.write(
            reason=reason,
            summary=summary,
            history=repository.iter_record_json(conn, last_seq),
            oom_history=repository.iter_record_json(conn, last_seq, oom_only=True),
        )
        # A crash here leaves the runs both archived and stored; loading is idempotent, so no harm.
        with self._transaction() as tx:
            removed = repository.delete_through(tx, last_seq)
        self._set_count(self._count - removed)
        return info

    def _archive_all(self) -> ArchiveInfo:
        assert self._conn is not None
        last = repository.max_seq(self._conn)
        if last is None:
            raise NothingToArchiveError("history is empty; there is nothing to archive")
        return self._archive_through(last, "manual")

    def _load(self, archive_id: str) -> ArchiveLoadResult:
        imported = present = invalid = 0
        with self.archives.open(archive_id) as reader:
            chunk: list[WorkflowRecord] = []

            def commit() -> None:
                nonlocal imported, present
                with self._transaction() as tx:
                    added, skipped = repository.insert_many(tx, chunk)
                imported += added
                present += skipped
                self._set_count(self._count + added)
                chunk.clear()

            for record in reader.records():
                if record is None:
                    invalid += 1
                    continue
                chunk.append(record)
                if len(chunk) >= IMPORT_CHUNK:
                    commit()
            if chunk:
                commit()
            info = reader.info
        log.info(f"loaded archive {archive_id}: {imported} imported, {present} already in history")
        self._enforce_retention()
        return ArchiveLoadResult(
            archive=info, imported_count=imported, already_present_count=present, invalid_count=invalid
        )

    def _clear(self) -> int:
        with self._transaction() as tx:
            removed = repository.delete_all(tx)
        self._set_count(0)
        return removed

    def _set_count(self, value: int) -> None:
        with self._counters_lock:
            self._count = value

    def _count_drop(self) -> None:
        with self._counters_lock:
            self._dropped += 1
