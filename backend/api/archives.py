"""Profiler routes for archives and clearing history: every change is guarded, archive ids are checked
by the path model and resolved inside the archive folder only."""

from __future__ import annotations

import functools
from typing import Any

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
)
from .endpoints import Call, Endpoint, Guard
from .profiler import HISTORY_PATH
from .profiler_services import ProfilerServices, need, off_loop

ARCHIVES_PATH = "/swissarmyknife/profiler/archives"
ARCHIVE_PATH = "/swissarmyknife/profiler/archive"
ARCHIVE_LOAD_PATH = "/swissarmyknife/profiler/archive/{id}/load"
ARCHIVE_ITEM_PATH = "/swissarmyknife/profiler/archive/{id}"


def archive_endpoints(services: ProfilerServices | None, guard: Guard) -> list[Endpoint]:
    """The archive and history-clearing routes; without services each answers 503."""

    def history() -> ProfilerServices:
        return need(services)

    async def list_archives(_call: Call[Any, Any, Any]) -> ArchivePage:
        archives = await off_loop(history().history.list_archives)
        return ArchivePage(data=archives, count=len(archives))

    async def create_archive(_call: Call[Any, Any, ArchiveCreate]) -> ArchiveInfo:
        return await off_loop(history().history.archive_now)

    async def load_archive(call: Call[ArchivePath, Any, ArchiveLoadRequest]) -> ArchiveLoadResult:
        return await off_loop(functools.partial(history().history.load_archive, call.path.id))

    async def delete_archive(call: Call[ArchivePath, Any, ArchiveDeleteRequest]) -> ArchiveInfo:
        return await off_loop(functools.partial(history().history.delete_archive, call.path.id))

    async def clear_history(_call: Call[Any, Any, HistoryClearRequest]) -> HistoryClearResult:
        removed = await off_loop(history().history.clear)
        return HistoryClearResult(removed_count=removed)

    return [
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
