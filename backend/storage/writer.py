"""The history writer thread: takes queued items one at a time, so every change is serialized.

Items are finished workflows (built into records here, not on ComfyUI's execution thread),
commands (archive, load, delete, clear: each a function run here, answered through a future),
flush markers and the stop marker.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .. import log
from ..schemas.oom import MAX_OOM_EVENTS, OomEvent
from ..schemas.profiler import WorkflowRecord, WorkflowSummary
from . import oom_events
from .archives import ArchiveDirectory
from .database import WriterDatabase
from .retention import Retention

T = TypeVar("T")

WRITER_THREAD_NAME = "swissarmyknife-history-writer"

CommitListener = Callable[[WorkflowSummary], None]


class PendingRecord(Protocol):
    """A finished workflow whose record is built on the writer thread (``profiler.FinishedWorkflow``)."""

    def build(self) -> WorkflowRecord:
        """The record; may raise (the workflow is then counted as failed and logged)."""
        ...


@dataclass(frozen=True)
class Command(Generic[T]):
    """Run ``run`` on the writer thread and answer through ``future``."""

    run: Callable[[], T]
    future: Future[T] = field(default_factory=Future)


@dataclass(frozen=True)
class Flush:
    """Set ``done`` once everything queued before it is handled."""

    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Stop:
    """Close the database and end the thread."""


@dataclass(frozen=True)
class OomItem:
    """An out-of-memory capture to keep (the newest 1,000 are)."""

    event: OomEvent


WriterItem = PendingRecord | Command[Any] | Flush | Stop | OomItem
OomListener = Callable[[OomEvent], None]


@dataclass
class WriterCounters:
    """What the writer has done since start; changed under ``lock`` (read by other threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    submitted: int = 0
    written: int = 0
    duplicates: int = 0
    dropped: int = 0
    failed: int = 0
    last_write_ms: float | None = None

    def add(self, name: str, amount: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)


class HistoryWriter:
    """The loop of the writer thread and what it owns: the database, retention, commit listeners."""

    def __init__(
        self,
        db: WriterDatabase,
        archives: ArchiveDirectory,
        retention: Retention,
        counters: WriterCounters,
    ) -> None:
        self.db = db
        self.archives = archives
        self.retention = retention
        self.counters = counters
        self.ready = threading.Event()
        self.listeners: list[CommitListener] = []
        self.record_listeners: list[Callable[[WorkflowRecord], None]] = []
        self.oom_listeners: list[OomListener] = []
        # The environment new runs are recorded in (set once it was read and registered).
        self.environment_id: int | None = None

    def run(self, items: queue.Queue[WriterItem]) -> None:
        """Open the database, then handle items until ``Stop``; never dies before draining."""
        try:
            self.db.open()
        except Exception as exc:
            self.db.unavailable_reason = f"the history database could not be opened: {exc}"
            log.warning(f"history is disabled: {self.db.unavailable_reason}", exc_info=True)
        else:
            with contextlib.suppress(OSError):  # leftovers of a crash; the next write sweeps again
                self.archives.remove_stale_temp_files()
        self.ready.set()
        while True:
            item: WriterItem | None = items.get()
            if isinstance(item, Stop):
                break
            try:
                self._handle(item)
            except Exception as exc:
                self.counters.add("failed")
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
        self.db.close()

    def _handle(self, item: WriterItem | None) -> None:
        if isinstance(item, Command):
            command: Command[Any] = item
            if not command.future.set_running_or_notify_cancel():
                return
            try:
                command.future.set_result(command.run())
            except Exception as exc:
                command.future.set_exception(exc)
        elif isinstance(item, Flush):
            item.done.set()
        elif isinstance(item, OomItem):
            self._write_oom(item.event)
        elif item is not None and not isinstance(item, Stop):
            self._write(item.build())

    def _write(self, record: WorkflowRecord) -> None:
        if self.db.conn is None:
            self.counters.add("dropped")
            return
        started = time.perf_counter()
        if record.environment_id is None and self.environment_id is not None:
            record = record.model_copy(update={"environment_id": self.environment_id})
        inserted = self.db.insert(record)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        with self.counters.lock:
            self.counters.last_write_ms = elapsed_ms
            if inserted:
                self.counters.written += 1
            else:
                self.counters.duplicates += 1
        if inserted:
            self._notify(record)
            self.retention.enforce(self.db, self.archives)

    def _write_oom(self, event: OomEvent) -> None:
        if self.db.conn is None:
            self.counters.add("dropped")
            return
        with self.db.transaction() as tx:
            oom_events.insert_oom_event(tx, event, keep=MAX_OOM_EVENTS)
        for listener in list(self.oom_listeners):
            try:
                listener(event)
            except Exception:
                log.at_most_every("history-oom-listener", 60.0, "an OOM listener failed")

    def _notify(self, record: WorkflowRecord) -> None:
        for record_listener in list(self.record_listeners):
            try:
                record_listener(record)
            except Exception:
                log.at_most_every("history-record-listener", 60.0, "a history record listener failed")
        if not self.listeners:
            return
        summary = record.summary()
        for listener in list(self.listeners):
            try:
                listener(summary)
            except Exception:
                log.at_most_every("history-listener", 60.0, "a history listener failed")
