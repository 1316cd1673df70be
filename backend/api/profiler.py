"""Profiler routes: stats (live + stored), one workflow, archives, and clearing history.

Every store call blocks (SQLite, files), so each runs on a worker thread via ``run_in_executor``;
the server loop only validates and serializes. Ids from the URL are checked against strict patterns
(the path models) before anything touches the disk, and the store resolves archive ids inside its
folder only.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ..schemas.profiler import (
    ArchiveCreate,
    ArchiveDeleteRequest,
    ArchiveInfo,
    ArchiveLoadRequest,
    ArchiveLoadResult,
    ArchivePage,
    ArchivePath,
    HistoryClearRequest,
    HistoryClearResult,
    ProfilerSettings,
    ProfilerSettingsUpdate,
    ProfilerStats,
    ProfilerStatsQuery,
    StoredProfilerSettings,
    WorkflowPath,
    WorkflowRecord,
)
from ..settings_file import SettingsFile
from ..storage import (
    ArchiveIdError,
    ArchiveNotFoundError,
    HistoryStats,
    HistoryUnavailableError,
    InvalidArchiveError,
    NothingToArchiveError,
)
from .endpoints import Call, Endpoint, Guard, require
from .errors import ApiError

T = TypeVar("T")

STATS_PATH = "/swissarmyknife/profiler/stats"
SETTINGS_PATH = "/swissarmyknife/profiler/settings"
WORKFLOW_PATH = "/swissarmyknife/profiler/workflows/{prompt_id}"
ARCHIVES_PATH = "/swissarmyknife/profiler/archives"
ARCHIVE_PATH = "/swissarmyknife/profiler/archive"
ARCHIVE_LOAD_PATH = "/swissarmyknife/profiler/archive/{id}/load"
ARCHIVE_ITEM_PATH = "/swissarmyknife/profiler/archive/{id}"
HISTORY_PATH = "/swissarmyknife/profiler/history"


class LiveWorkflowSource(Protocol):
    """The workflow running now; the recorder implements it. Cheap and thread-safe."""

    def current(self) -> WorkflowRecord | None: ...


class ProfilerHistory(Protocol):
    """What the routes need from the history store (``backend.storage.HistoryStore``); all block."""

    def stats(self, limit: int = 50, before: float | None = None) -> HistoryStats: ...

    def get_workflow(self, prompt_id: str) -> WorkflowRecord | None: ...

    def list_archives(self) -> list[ArchiveInfo]: ...

    def archive_now(self, timeout_s: float = ...) -> ArchiveInfo: ...

    def load_archive(self, archive_id: str, timeout_s: float = ...) -> ArchiveLoadResult: ...

    def delete_archive(self, archive_id: str, timeout_s: float = ...) -> ArchiveInfo: ...

    def clear(self, timeout_s: float = ...) -> int: ...


@dataclass(frozen=True)
class ProfilerServices:
    """The profiler's part of ApiServices: stored history, the live workflow, settings (None: absent)."""

    history: ProfilerHistory
    live: LiveWorkflowSource | None = None
    settings: SettingsFile[StoredProfilerSettings] | None = None


async def _off_loop(fn: Callable[[], T]) -> T:
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
    except HistoryUnavailableError as exc:
        raise ApiError(503, "unavailable", str(exc)) from None
    except PermissionError as exc:
        raise ApiError(409, "conflict", f"the file is in use or not writable: {exc.strerror}") from None
    except OSError as exc:
        raise ApiError(503, "unavailable", f"the archive folder refused it: {exc.strerror}") from None


def _settings(values: StoredProfilerSettings, persisted: bool) -> ProfilerSettings:
    return ProfilerSettings(accurate_gpu_timing=values.accurate_gpu_timing, persisted=persisted)


def profiler_endpoints(services: ProfilerServices | None, guard: Guard) -> list[Endpoint]:
    """The profiler routes; without services (tests, the document alone) each answers 503."""

    def history() -> ProfilerServices:
        return require(services, "the profiler history")

    async def get_stats(call: Call[Any, ProfilerStatsQuery, Any]) -> ProfilerStats:
        svc = history()
        query = call.query

        def read() -> ProfilerStats:
            current = svc.live.current() if svc.live is not None else None
            stored = svc.history.stats(limit=query.limit, before=query.before)
            return ProfilerStats(
                current=current,
                latest=stored.latest,
                node_averages=stored.node_averages,
                workflow_averages=stored.workflow_averages,
                history=stored.history,
            )

        return await _off_loop(read)

    async def get_workflow(call: Call[WorkflowPath, Any, Any]) -> WorkflowRecord:
        svc = history()
        prompt_id = call.path.prompt_id
        record = await _off_loop(functools.partial(svc.history.get_workflow, prompt_id))
        if record is None:
            current = svc.live.current() if svc.live is not None else None
            if current is not None and current.prompt_id == prompt_id:
                return current
            raise ApiError(404, "not_found", f"no workflow {prompt_id} in history")
        return record

    async def list_archives(_call: Call[Any, Any, Any]) -> ArchivePage:
        archives = await _off_loop(history().history.list_archives)
        return ArchivePage(data=archives, count=len(archives))

    async def create_archive(_call: Call[Any, Any, ArchiveCreate]) -> ArchiveInfo:
        return await _off_loop(history().history.archive_now)

    async def load_archive(call: Call[ArchivePath, Any, ArchiveLoadRequest]) -> ArchiveLoadResult:
        return await _off_loop(functools.partial(history().history.load_archive, call.path.id))

    async def delete_archive(call: Call[ArchivePath, Any, ArchiveDeleteRequest]) -> ArchiveInfo:
        return await _off_loop(functools.partial(history().history.delete_archive, call.path.id))

    async def clear_history(_call: Call[Any, Any, HistoryClearRequest]) -> HistoryClearResult:
        removed = await _off_loop(history().history.clear)
        return HistoryClearResult(removed_count=removed)

    def settings() -> SettingsFile[StoredProfilerSettings]:
        return require(history().settings, "the profiler settings group")

    async def get_settings(_call: Call[Any, Any, Any]) -> ProfilerSettings:
        group = settings()
        return _settings(group.current(), group.persisted)

    async def put_settings(call: Call[Any, Any, ProfilerSettingsUpdate]) -> ProfilerSettings:
        group = settings()
        accurate = call.body.accurate_gpu_timing
        # The file write (fsync) runs on a worker thread: the server loop never waits on the disk.
        updated = await asyncio.get_running_loop().run_in_executor(
            None, lambda: group.update(accurate_gpu_timing=accurate)
        )
        return _settings(updated.values, updated.persisted)

    return [
        Endpoint(
            method="GET",
            path=SETTINGS_PATH,
            operation_id="getProfilerSettings",
            summary="The profiler's settings",
            handler=get_settings,
            response_model=ProfilerSettings,
            tag="profiler",
            error_statuses=(503,),
        ),
        Endpoint(
            method="PUT",
            path=SETTINGS_PATH,
            operation_id="updateProfilerSettings",
            summary="Turn accurate GPU timing on or off; applies from the next node and is saved",
            handler=put_settings,
            response_model=ProfilerSettings,
            tag="profiler",
            body_model=ProfilerSettingsUpdate,
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=STATS_PATH,
            operation_id="getProfilerStats",
            summary="The running workflow, the latest one, averages and a page of history",
            description=(
                "Averages cover the runs stored in history (archived runs leave them until their "
                "archive is loaded). Page through history with `before` = the previous `next_before`."
            ),
            handler=get_stats,
            response_model=ProfilerStats,
            tag="profiler",
            query_model=ProfilerStatsQuery,
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=WORKFLOW_PATH,
            operation_id="getProfilerWorkflow",
            summary="One workflow run with every node",
            handler=get_workflow,
            response_model=WorkflowRecord,
            tag="profiler",
            path_model=WorkflowPath,
            error_statuses=(404, 503),
        ),
        Endpoint(
            method="GET",
            path=ARCHIVES_PATH,
            operation_id="listProfilerArchives",
            summary="Archives of past history, newest first",
            handler=list_archives,
            response_model=ArchivePage,
            tag="profiler",
            error_statuses=(503,),
        ),
        Endpoint(
            method="POST",
            path=ARCHIVE_PATH,
            operation_id="createProfilerArchive",
            summary="Move the whole history into a new archive now",
            description="409 when history is empty. Averages restart from the runs stored afterwards.",
            handler=create_archive,
            response_model=ArchiveInfo,
            tag="profiler",
            body_model=ArchiveCreate,
            success_status=201,
            error_statuses=(409, 503),
            guard=guard,
        ),
        Endpoint(
            method="POST",
            path=ARCHIVE_LOAD_PATH,
            operation_id="loadProfilerArchive",
            summary="Import an archive's runs back into history (runs already there are skipped)",
            handler=load_archive,
            response_model=ArchiveLoadResult,
            tag="profiler",
            body_model=ArchiveLoadRequest,
            path_model=ArchivePath,
            error_statuses=(404, 409, 503),
            guard=guard,
        ),
        Endpoint(
            method="DELETE",
            path=ARCHIVE_ITEM_PATH,
            operation_id="deleteProfilerArchive",
            summary="Delete one archive file",
            handler=delete_archive,
            response_model=ArchiveInfo,
            tag="profiler",
            body_model=ArchiveDeleteRequest,
            path_model=ArchivePath,
            error_statuses=(404, 409, 503),
            guard=guard,
        ),
        Endpoint(
            method="DELETE",
            path=HISTORY_PATH,
            operation_id="clearProfilerHistory",
            summary="Forget every stored run (archives are kept)",
            handler=clear_history,
            response_model=HistoryClearResult,
            tag="profiler",
            body_model=HistoryClearRequest,
            error_statuses=(503,),
            guard=guard,
        ),
    ]
