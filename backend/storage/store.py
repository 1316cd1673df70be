"""HistoryStore: the façade over the writer thread (which owns the database) and the readers.

ComfyUI's execution thread calls ``submit()``, which only enqueues. The writer thread
(``writer.py``) opens the database (so a slow disk or a corrupt file never delays ComfyUI's
start), then commits one transaction per finished workflow, enforces retention
(``retention.py``) and runs the archive/load/clear commands (``transfer.py``), so every change to
the database and the archive folder is serialized. Reads (``stats``, ``get_workflow``...) use
read-only connections of their own and block: call them from a worker thread, never an event loop.

Longer than most modules on purpose: it is the one public face of history (writing, commands,
reads, subscriptions); the work behind each is in writer.py, database.py, retention.py,
transfer.py, repository.py, analytics.py and oom_events.py.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from .. import log
from ..schemas.baselines import Baseline, BaselineSummary
from ..schemas.environment import Environment, EnvironmentFingerprint
from ..schemas.oom import ModelCorrelation, NodeTypeOoms, OomEvent
from ..schemas.profiler import (
    DEFAULT_MAX_WORKFLOWS,
    ArchiveInfo,
    ArchiveLoadResult,
    HistoryPage,
    NodeAverage,
    NodeClassPage,
    ProfilerSeries,
    WorkflowAverage,
    WorkflowRecord,
)
from ..schemas.regressions import RegressionReport, RegressionRule, WorkflowRegression
from . import analytics, baselines, environments, oom_events, regressions, repository, transfer
from .archives import ArchiveDirectory
from .database import WriterDatabase
from .db import ReaderPool
from .errors import HistoryUnavailableError
from .oom_events import WorkflowPeak
from .retention import DEFAULT_ARCHIVE_BATCH, Retention
from .writer import (
    WRITER_THREAD_NAME,
    Command,
    CommitListener,
    Flush,
    HistoryWriter,
    OomItem,
    PendingRecord,
    Stop,
    WriterCounters,
    WriterItem,
)

T = TypeVar("T")

# Why history changed other than by a new run (the open pages refresh).
ChangeReason = Literal["cleared", "archived", "loaded", "deleted", "retention"]
ChangeListener = Callable[[ChangeReason], None]

DB_FILE_NAME = "history.sqlite"
ARCHIVE_DIR_NAME = "archives"
# Finished workflows waiting for the writer; beyond this they are dropped (and counted), never blocking.
DEFAULT_QUEUE_SIZE = 1_000
# How long a read waits for the database to open before answering "unavailable".
READY_WAIT_S = 5.0
COMMAND_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class HistoryStats:
    """The stored part of ``GET /swissarmyknife/profiler/stats``, read in one snapshot."""

    latest: WorkflowRecord | None
    node_averages: list[NodeAverage]
    workflow_averages: list[WorkflowAverage]
    history: HistoryPage


@dataclass(frozen=True)
class OomHistory:
    """The stored part of ``GET /swissarmyknife/profiler/oom_stats``, read in one snapshot."""

    oom_runs: int
    runs: int
    node_type_ranking: list[NodeTypeOoms]
    model_correlation: list[ModelCorrelation]
    latest: list[OomEvent]


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
        """Create the store; nothing is opened until ``start``.

        Raises:
            ValueError: ``max_workflows`` or ``archive_batch`` is below 1.
        """
        retention = Retention(max_workflows, archive_batch)
        self.directory = directory
        self.path = directory / DB_FILE_NAME
        self.archives = ArchiveDirectory(directory / ARCHIVE_DIR_NAME)
        self.max_workflows = max_workflows
        self.archive_batch = archive_batch
        self._queue: queue.Queue[WriterItem] = queue.Queue(maxsize=queue_size)
        self._pool = ReaderPool(self.path)
        self._db = WriterDatabase(self.path, on_replaced=self._pool.reset)
        self._counters = WriterCounters()
        self._writer = HistoryWriter(self._db, self.archives, retention, self._counters)
        self._change_listeners: list[ChangeListener] = []
        retention.on_archived = lambda: self._changed("retention")
        self._lifecycle = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    # Lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer thread, which opens the database; returns at once. Idempotent."""
        with self._lifecycle:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(
                target=self._writer.run, args=(self._queue,), name=WRITER_THREAD_NAME, daemon=True
            )
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
                self._queue.put(Stop(), timeout=timeout_s)
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
        return self._writer.ready.wait(timeout_s) and self._db.unavailable_reason is None

    # Writing (any thread) -----------------------------------------------------------------------

    def submit(self, pending: PendingRecord) -> None:
        """Queue a finished workflow for the writer; never blocks (dropped, and counted, when full).

        Its record is built on the writer thread (``pending.build()``), so that the thread
        submitting (ComfyUI's execution thread) does not build it; if building raises, the workflow
        is counted as failed and logged, like a write that fails.
        """
        if self._closed:
            self._counters.add("dropped")
            log.warn_once("history-closed", "a workflow finished after the history store closed; not stored")
            return
        try:
            self._queue.put_nowait(pending)
        except queue.Full:
            self._counters.add("dropped")
            log.at_most_every(
                "history-queue-full", 60.0, "the history writer is behind; a finished workflow was not stored"
            )
            return
        self._counters.add("submitted")

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything submitted before this call is committed; False on timeout."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return self._queue.empty()
        deadline = time.monotonic() + timeout_s
        marker = Flush()
        try:
            self._queue.put(marker, timeout=timeout_s)
        except queue.Full:
            return False
        return marker.done.wait(max(0.0, deadline - time.monotonic()))

    def subscribe(self, listener: CommitListener) -> Callable[[], None]:
        """Call ``listener`` on the writer thread after each workflow commits; returns an unsubscriber."""
        listeners = self._writer.listeners
        listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                listeners.remove(listener)

        return unsubscribe

    def subscribe_records(self, listener: Callable[[WorkflowRecord], None]) -> Callable[[], None]:
        """Call ``listener`` with each stored run's whole record, on the writer thread after its
        commit (the metrics' counters); returns an unsubscriber. It must be quick."""
        listeners = self._writer.record_listeners
        listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                listeners.remove(listener)

        return unsubscribe

    def submit_oom(self, event: OomEvent) -> None:
        """Queue an out-of-memory capture for the writer; never blocks (dropped, counted, when full)."""
        if self._closed:
            self._counters.add("dropped")
            return
        try:
            self._queue.put_nowait(OomItem(event))
        except queue.Full:
            self._counters.add("dropped")
            log.at_most_every(
                "history-queue-full-oom", 60.0, "the history writer is behind; an OOM capture was lost"
            )

    def subscribe_oom(self, listener: Callable[[OomEvent], None]) -> Callable[[], None]:
        """Call ``listener`` on the writer thread after each OOM capture is stored (returns an
        unsubscriber)."""
        listeners = self._writer.oom_listeners
        listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                listeners.remove(listener)

        return unsubscribe

    def oom_events(self, limit: int = 20) -> list[OomEvent]:
        """The newest captures first."""
        return self._read(lambda conn: oom_events.recent_oom_events(conn, limit))

    def workflow_peak(self, workflow_hash: str) -> WorkflowPeak | None:
        """A workflow's last runs' peak, OOMs and models; None when it never ran."""
        return self._read(lambda conn: oom_events.workflow_peak(conn, workflow_hash))

    def oom_history(self, latest: int = 50) -> OomHistory:
        """Counts, rankings, correlations and the newest ``latest`` captures, from one snapshot."""

        def read(conn: sqlite3.Connection) -> OomHistory:
            ooms, runs = oom_events.oom_counts(conn)
            return OomHistory(
                oom_runs=ooms,
                runs=runs,
                node_type_ranking=oom_events.oom_node_ranking(conn),
                model_correlation=oom_events.oom_model_correlation(conn),
                latest=oom_events.recent_oom_events(conn, latest),
            )

        return self._read(read)

    def subscribe_changes(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener`` after history changed other than by a new run (cleared, archived,
        loaded, an archive deleted, retention); returns an unsubscriber."""
        self._change_listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._change_listeners.remove(listener)

        return unsubscribe

    def _changed(self, reason: ChangeReason) -> None:
        for listener in list(self._change_listeners):
            try:
                listener(reason)
            except Exception:
                log.at_most_every("history-change-listener", 60.0, "a history change listener failed")

    def set_max_workflows(self, max_workflows: int) -> None:
        """Keep at most ``max_workflows`` from now on; the oldest beyond go to an archive at once."""
        self._writer.retention.resize(max_workflows)
        self.max_workflows = max_workflows
        if self._thread is not None and not self._closed:
            enforce = Command(lambda: self._writer.retention.enforce(self._db, self.archives))
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(enforce)

    def rename(self, prompt_id: str, name: str | None, timeout_s: float = COMMAND_TIMEOUT_S) -> bool:
        """Give a stored run the name its page sent; False when it is not stored (yet).

        Raises:
            HistoryUnavailableError: the database is not open, or the writer stayed busy.
        """

        def rename() -> bool:
            with self._db.transaction() as tx:
                return repository.rename(tx, prompt_id, name)

        return self._call(rename, timeout_s)

    @property
    def environment_id(self) -> int | None:
        """The environment new runs are recorded in; None until ``set_environment``'s is registered."""
        return self._writer.environment_id

    def set_environment(self, fingerprint: EnvironmentFingerprint) -> None:
        """Record runs from now on as run in ``fingerprint``'s environment; returns at once (the
        writer registers it before the next run it writes)."""

        def register() -> None:
            self._db.require()
            with self._db.transaction() as tx:
                self._writer.environment_id = environments.register(tx, fingerprint, time.time())

        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(Command(register))

    def pin_baseline(
        self, workflow_hash: str, prompt_id: str, timeout_s: float = COMMAND_TIMEOUT_S
    ) -> Baseline:
        """Pin a stored, successful run as its workflow's baseline (replacing the pin there was).

        Raises:
            RunNotFoundError, BaselineConflictError, HistoryUnavailableError.
        """

        def pin() -> Baseline:
            with self._db.transaction() as tx:
                return baselines.pin(tx, workflow_hash, prompt_id)

        return self._call(pin, timeout_s)

    def unpin_baseline(self, workflow_hash: str, timeout_s: float = COMMAND_TIMEOUT_S) -> str | None:
        """Clear a workflow's baseline; the prompt id that was pinned, None when there was none."""

        def unpin() -> str | None:
            with self._db.transaction() as tx:
                return baselines.unpin(tx, workflow_hash)

        return self._call(unpin, timeout_s)

    def archive_now(self, timeout_s: float = COMMAND_TIMEOUT_S) -> ArchiveInfo:
        """Move the whole history into a new archive (``reason="manual"``).

        Raises:
            NothingToArchiveError: history is empty.
            HistoryUnavailableError: the database is not open, or the writer stayed busy (nothing changed).
            OSError: the archive could not be written (history is left as it was).
        """
        info = self._call(lambda: transfer.archive_all(self._db, self.archives), timeout_s)
        self._changed("archived")
        return info

    def load_archive(self, archive_id: str, timeout_s: float = COMMAND_TIMEOUT_S) -> ArchiveLoadResult:
        """Import an archive's workflows back into history; those already present are skipped.

        Raises:
            ArchiveIdError, ArchiveNotFoundError, InvalidArchiveError, HistoryUnavailableError.
        """

        def load() -> ArchiveLoadResult:
            result = transfer.import_archive(self._db, self.archives, archive_id)
            self._writer.retention.enforce(self._db, self.archives)
            return result

        result = self._call(load, timeout_s)
        self._changed("loaded")
        return result

    def delete_archive(self, archive_id: str, timeout_s: float = COMMAND_TIMEOUT_S) -> ArchiveInfo:
        """Delete one archive file. Raises: ArchiveIdError, ArchiveNotFoundError, HistoryUnavailableError."""
        info = self._call(lambda: self.archives.delete(archive_id), timeout_s, needs_database=False)
        self._changed("deleted")
        return info

    def clear(self, timeout_s: float = COMMAND_TIMEOUT_S) -> int:
        """Forget every stored workflow (archives are kept); return how many were removed."""
        removed = self._call(lambda: transfer.clear_history(self._db), timeout_s)
        self._changed("cleared")
        return removed

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

    def history(
        self,
        limit: int = 50,
        before: float | None = None,
        *,
        workflow_hash: str | None = None,
        status: str | None = None,
    ) -> HistoryPage:
        return self._read(
            lambda conn: repository.history_page(
                conn, limit, before, workflow_hash=workflow_hash, status=status
            )
        )

    def series(
        self,
        points: int,
        *,
        workflow_hash: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> ProfilerSeries:
        return self._read(
            lambda conn: analytics.series(conn, points, workflow_hash=workflow_hash, since=since, until=until)
        )

    def node_class_stats(self, *, workflow_hash: str | None = None, limit: int = 200) -> NodeClassPage:
        return self._read(
            lambda conn: analytics.node_class_stats(conn, workflow_hash=workflow_hash, limit=limit)
        )

    def get_workflow(self, prompt_id: str) -> WorkflowRecord | None:
        return self._read(lambda conn: repository.get_workflow(conn, prompt_id))

    def latest(self) -> WorkflowRecord | None:
        return self._read(repository.latest)

    def node_averages(self, limit: int = repository.MAX_NODE_AVERAGES) -> list[NodeAverage]:
        return self._read(lambda conn: repository.node_averages(conn, limit))

    def workflow_averages(
        self, limit: int = repository.MAX_WORKFLOW_AVERAGES, name: str | None = None
    ) -> list[WorkflowAverage]:
        return self._read(lambda conn: repository.workflow_averages(conn, limit, name))

    def count(self) -> int:
        return self._read(repository.count)

    def environment(self, environment_id: int) -> Environment | None:
        return self._read(lambda conn: environments.get(conn, environment_id))

    def baseline(self, workflow_hash: str) -> Baseline | None:
        return self._read(lambda conn: baselines.get(conn, workflow_hash))

    def baselines(self, limit: int = 100) -> list[BaselineSummary]:
        return self._read(lambda conn: baselines.list_all(conn, limit))

    def regressions(
        self, rule: RegressionRule, *, workflow_hash: str | None = None, limit: int = 50
    ) -> RegressionReport:
        """Flagged workflows and node classes (``storage/regressions.py``), from one snapshot."""
        return self._read(
            lambda conn: regressions.report(conn, rule, workflow_hash=workflow_hash, limit=limit)
        )

    def workflow_regression(self, rule: RegressionRule, workflow_hash: str) -> WorkflowRegression | None:
        """One workflow's flag, None when its latest runs are as usual (or too few to judge)."""
        found, _checked = self._read(
            lambda conn: regressions.workflow_regressions(conn, rule, workflow_hash=workflow_hash, limit=1)
        )
        return found[0] if found else None

    def list_archives(self) -> list[ArchiveInfo]:
        return self.archives.list_archives()

    def counters(self) -> StoreCounters:
        counters = self._counters
        with counters.lock:
            return StoreCounters(
                submitted=counters.submitted,
                written=counters.written,
                duplicates=counters.duplicates,
                dropped=counters.dropped,
                failed=counters.failed,
                pending=self._queue.qsize(),
                stored=self._db.count,
                last_write_ms=counters.last_write_ms,
            )

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise HistoryUnavailableError("the history store is closed")
        if not self._writer.ready.wait(READY_WAIT_S):
            raise HistoryUnavailableError("the history database is still opening; retry in a few seconds")
        reason = self._db.unavailable_reason
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
            if needs_database:
                self._db.require()
            try:
                return fn()
            except sqlite3.Error as exc:
                # Disk full, I/O error: the transaction rolled back; say so instead of failing obscurely.
                log.at_most_every("history-command", 60.0, f"a history command failed: {exc}")
                raise HistoryUnavailableError(f"the history database refused the change ({exc})") from exc

        command: Command[T] = Command(guarded)
        try:
            self._queue.put(command, timeout=timeout_s)
        except queue.Full:
            raise HistoryUnavailableError(
                "the history writer is busy; nothing was changed, retry later"
            ) from None
        try:
            return command.future.result(timeout=timeout_s)
        except FutureTimeout:
            if command.future.cancel():
                raise HistoryUnavailableError(
                    "the history writer is busy; nothing was changed, retry later"
                ) from None
            return command.future.result()  # already running: it will finish, report how it went
