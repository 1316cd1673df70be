"""What the profiler's routes act through: the history store and the live workflows, as protocols,
and the one way their blocking calls leave the server loop (turning the store's refusals into JSON).

Every store call blocks (SQLite, files), so each runs on a worker thread via ``run_in_executor``;
the server loop only validates and serializes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..schemas.baselines import Baseline, BaselineSummary
from ..schemas.environment import Environment
from ..schemas.oom import OomEvent
from ..schemas.profiler import (
    ArchiveInfo,
    ArchiveLoadResult,
    HistoryPage,
    NodeClassPage,
    ProfilerSeries,
    StoredProfilerSettings,
    WorkflowAverage,
    WorkflowRecord,
)
from ..schemas.regressions import RegressionReport, RegressionRule, WorkflowRegression
from ..settings_file import SettingsFile
from ..storage import (
    ArchiveIdError,
    ArchiveNotFoundError,
    BaselineConflictError,
    HistoryStats,
    HistoryUnavailableError,
    InvalidArchiveError,
    NothingToArchiveError,
    OomHistory,
    RunNotFoundError,
)
from .endpoints import require
from .errors import ApiError

T = TypeVar("T")


class LiveWorkflowSource(Protocol):
    """The workflows in flight; the recorder implements it. Cheap and thread-safe."""

    def current(self) -> WorkflowRecord | None: ...

    def name_workflow(self, prompt_id: str, name: str | None) -> None:
        """What the page calls a queued or running workflow (kept until its record is built)."""
        ...


class ProfilerHistory(Protocol):
    """What the routes need from the history store (``backend.storage.HistoryStore``); all block."""

    def stats(self, limit: int = 50, before: float | None = None) -> HistoryStats: ...

    def get_workflow(self, prompt_id: str) -> WorkflowRecord | None: ...

    def history(
        self,
        limit: int = 50,
        before: float | None = None,
        *,
        workflow_hash: str | None = None,
        status: str | None = None,
    ) -> HistoryPage: ...

    def series(
        self,
        points: int,
        *,
        workflow_hash: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> ProfilerSeries: ...

    def node_class_stats(self, *, workflow_hash: str | None = None, limit: int = 200) -> NodeClassPage: ...

    def workflow_averages(self, limit: int = ..., name: str | None = ...) -> list[WorkflowAverage]: ...

    def rename(self, prompt_id: str, name: str | None, timeout_s: float = ...) -> bool: ...

    def oom_history(self, latest: int = 50) -> OomHistory: ...

    def oom_events(self, limit: int = 20) -> list[OomEvent]: ...

    def list_archives(self) -> list[ArchiveInfo]: ...

    def archive_now(self, timeout_s: float = ...) -> ArchiveInfo: ...

    def load_archive(self, archive_id: str, timeout_s: float = ...) -> ArchiveLoadResult: ...

    def delete_archive(self, archive_id: str, timeout_s: float = ...) -> ArchiveInfo: ...

    def clear(self, timeout_s: float = ...) -> int: ...

    def environment(self, environment_id: int) -> Environment | None: ...

    def baseline(self, workflow_hash: str) -> Baseline | None: ...

    def baselines(self, limit: int = 100) -> list[BaselineSummary]: ...

    def pin_baseline(self, workflow_hash: str, prompt_id: str, timeout_s: float = ...) -> Baseline: ...

    def unpin_baseline(self, workflow_hash: str, timeout_s: float = ...) -> str | None: ...

    def regressions(
        self, rule: RegressionRule, *, workflow_hash: str | None = None, limit: int = 50
    ) -> RegressionReport: ...

    def workflow_regression(self, rule: RegressionRule, workflow_hash: str) -> WorkflowRegression | None: ...


@dataclass(frozen=True)
class ProfilerServices:
    """The profiler's part of ApiServices: stored history, the live workflow, settings (None: absent)."""

    history: ProfilerHistory
    live: LiveWorkflowSource | None = None
    settings: SettingsFile[StoredProfilerSettings] | None = None
    # Set when the operator turned the profiler off for this process (SWISSARMYKNIFE_PROFILER=0).
    enabled_locked_reason: str | None = None


def need(services: ProfilerServices | None) -> ProfilerServices:
    """The profiler's services, or a 503 saying the history is not available in this host."""
    return require(services, "the profiler history")


async def off_loop(fn: Callable[[], T]) -> T:
    """Run a blocking store call on a worker thread and turn its refusals into JSON errors."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, fn)
    except ArchiveIdError as exc:
        raise ApiError(400, "validation_error", str(exc)) from None
    except ArchiveNotFoundError as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except InvalidArchiveError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except NothingToArchiveError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except RunNotFoundError as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except BaselineConflictError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except HistoryUnavailableError as exc:
        raise ApiError(503, "unavailable", str(exc)) from None
    except PermissionError as exc:
        raise ApiError(409, "conflict", f"the file is in use or not writable: {exc.strerror}") from None
    except OSError as exc:
        raise ApiError(503, "unavailable", f"the archive folder refused it: {exc.strerror}") from None
