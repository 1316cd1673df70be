"""Profiler routes: stats (live + stored), one workflow, archives, and clearing history.

Every store call blocks (SQLite, files), so each runs on a worker thread via ``run_in_executor``;
the server loop only validates and serializes. Ids from the URL are checked against strict patterns
before anything touches the disk, and the store resolves archive ids inside its folder only.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ..schemas import ErrorDetail
from ..schemas.profiler import (
    ARCHIVE_ID_PATTERN,
    PROMPT_ID_PATTERN,
    ArchiveCreate,
    ArchiveDeleteRequest,
    ArchiveInfo,
    ArchiveLoadRequest,
    ArchiveLoadResult,
    ArchivePage,
    HistoryClearRequest,
    HistoryClearResult,
    ProfilerSettings,
    ProfilerSettingsUpdate,
    ProfilerStats,
    ProfilerStatsQuery,
    WorkflowRecord,
)
from ..storage import (
    ArchiveIdError,
    ArchiveNotFoundError,
    HistoryStats,
    HistoryUnavailableError,
    InvalidArchiveError,
    NothingToArchiveError,
)
from .endpoints import Call, Endpoint
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

_PROMPT_ID_RE = re.compile(PROMPT_ID_PATTERN)
_ARCHIVE_ID_RE = re.compile(ARCHIVE_ID_PATTERN)


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


class ProfilerSettingsService(Protocol):
    """Reads and changes the profiler's settings (``backend.profiler.settings.ProfilerSettingsStore``)."""

    def current(self) -> ProfilerSettings: ...

    def update(self, accurate_gpu_timing: bool) -> ProfilerSettings: ...


@dataclass(frozen=True)
class ProfilerServices:
    """The profiler's part of ApiServices: stored history, the live workflow, settings (None: absent)."""

    history: ProfilerHistory
    live: LiveWorkflowSource | None = None
    settings: ProfilerSettingsService | None = None


def _path_param(call: Call[Any, Any], name: str, pattern: re.Pattern[str], example: str) -> str:
    value = call.path_params.get(name, "")
    # fullmatch: "$" alone would accept a trailing newline.
    if pattern.fullmatch(value) is None:
        raise ApiError(
            400,
            "validation_error",
            f"invalid {name}",
            [ErrorDetail(location=f"path.{name}", message=f"must look like {example}")],
        )
    return value


def _archive_id(call: Call[Any, Any]) -> str:
    return _path_param(call, "id", _ARCHIVE_ID_RE, "20260101T120000Z-0123abcd")


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


def profiler_endpoints(services: ProfilerServices | None) -> list[Endpoint]:
    """The profiler routes; without services (tests, code generation) each answers 503."""

    def need() -> ProfilerServices:
        if services is None:
            raise ApiError(503, "unavailable", "the profiler history is not available in this host")
        return services

    async def get_stats(call: Call[ProfilerStatsQuery, Any]) -> ProfilerStats:
        svc = need()
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

    async def get_workflow(call: Call[Any, Any]) -> WorkflowRecord:
        svc = need()
        prompt_id = _path_param(call, "prompt_id", _PROMPT_ID_RE, "a prompt id (letters, digits, ._:-)")
        record = await _off_loop(functools.partial(svc.history.get_workflow, prompt_id))
        if record is None:
            current = svc.live.current() if svc.live is not None else None
            if current is not None and current.prompt_id == prompt_id:
                return current
            raise ApiError(404, "not_found", f"no workflow {prompt_id} in history")
        return record

    async def list_archives(_call: Call[Any, Any]) -> ArchivePage:
        svc = need()
        archives = await _off_loop(svc.history.list_archives)
        return ArchivePage(data=archives, count=len(archives))

    async def create_archive(_call: Call[Any, ArchiveCreate]) -> ArchiveInfo:
        svc = need()
        return await _off_loop(svc.history.archive_now)

    async def load_archive(call: Call[Any, ArchiveLoadRequest]) -> ArchiveLoadResult:
        svc = need()
        archive_id = _archive_id(call)
        return await _off_loop(functools.partial(svc.history.load_archive, archive_id))

    async def delete_archive(call: Call[Any, ArchiveDeleteRequest]) -> ArchiveInfo:
        svc = need()
        archive_id = _archive_id(call)
        return await _off_loop(functools.partial(svc.history.delete_archive, archive_id))

    async def clear_history(_call: Call[Any, HistoryClearRequest]) -> HistoryClearResult:
        svc = need()
        removed = await _off_loop(svc.history.clear)
        return HistoryClearResult(removed_count=removed)

    archive_params = {"id": ARCHIVE_ID_PATTERN}

    def need_settings() -> ProfilerSettingsService:
        settings = need().settings
        if settings is None:
            raise ApiError(503, "unavailable", "profiler settings are not available in this host")
        return settings

    async def get_settings(_call: Call[Any, Any]) -> ProfilerSettings:
        return need_settings().current()

    async def put_settings(call: Call[Any, ProfilerSettingsUpdate]) -> ProfilerSettings:
        # The file write (fsync) runs on a worker thread: the server loop never waits on the disk.
        return await asyncio.get_running_loop().run_in_executor(
            None, need_settings().update, call.body.accurate_gpu_timing
        )

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
            path_param_patterns={"prompt_id": PROMPT_ID_PATTERN},
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
            destructive=True,
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
            path_param_patterns=archive_params,
            error_statuses=(404, 409, 503),
            destructive=True,
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
            path_param_patterns=archive_params,
            error_statuses=(404, 409, 503),
            destructive=True,
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
            destructive=True,
        ),
    ]
