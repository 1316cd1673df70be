"""A real HistoryStore in a temp folder and a settable live workflow, for the profiler route tests."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from backend.api import ProfilerServices
from backend.profiler.memory import MemoryProbe
from backend.profiler.settings import profiler_settings
from backend.schemas.profiler import WorkflowRecord
from backend.storage import HistoryStats, HistoryStore
from tests.support.records import Built, make_record


class FakeLive:
    """backend.api.LiveWorkflowSource: what the recorder reports as running now."""

    def __init__(self, current: WorkflowRecord | None = None) -> None:
        self.record = current
        self.threads: list[int] = []
        self.names: dict[str, str | None] = {}

    def current(self) -> WorkflowRecord | None:
        self.threads.append(threading.get_ident())
        return self.record

    def name_workflow(self, prompt_id: str, name: str | None) -> None:
        self.names[prompt_id] = name


class ThreadNotingStore(HistoryStore):
    """Notes which thread each read ran on, to prove handlers stay off the event loop."""

    def __init__(self, directory: Path, **kwargs: int) -> None:
        super().__init__(directory, **kwargs)
        self.read_threads: list[int] = []

    def stats(self, limit: int = 50, before: float | None = None) -> HistoryStats:
        self.read_threads.append(threading.get_ident())
        return super().stats(limit, before)


@contextlib.contextmanager
def profiler_services(
    directory: Path, *, stored: int = 3, live: WorkflowRecord | None = None
) -> Iterator[tuple[ProfilerServices, ThreadNotingStore, FakeLive]]:
    """A started store holding ``stored`` workflows (prompt-000000...), and a live source."""
    store = ThreadNotingStore(directory)
    store.start()
    try:
        for i in range(stored):
            store.submit(Built(make_record(i, status="oom" if i == 1 else "success")))
        assert store.flush()
        fake_live = FakeLive(live)
        settings = profiler_settings(MemoryProbe(lambda: None), directory / "profiler_settings.json")
        yield ProfilerServices(history=store, live=fake_live, settings=settings), store, fake_live
    finally:
        store.close()
