"""Profiler routes for runs: stats (live + stored), one workflow and its name, history pages, and the
profiler's settings. Ids from the URL are checked by the path models before anything touches the disk.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from pydantic import ValidationError

from ..schemas.profiler import (
    MAX_MAX_WORKFLOWS,
    MIN_MAX_WORKFLOWS,
    HistoryPage,
    HistoryQuery,
    ProfilerSettings,
    ProfilerSettingsUpdate,
    ProfilerStats,
    ProfilerStatsQuery,
    StoredProfilerSettings,
    WorkflowNameResult,
    WorkflowNameUpdate,
    WorkflowPath,
    WorkflowRecord,
)
from ..settings_file import SettingsFile
from .endpoints import Call, Endpoint, require
from .errors import ApiError, validation_details
from .profiler_services import ProfilerServices, need, off_loop
from .regressions import regression_rule

STATS_PATH = "/swissarmyknife/profiler/stats"
SETTINGS_PATH = "/swissarmyknife/profiler/settings"
WORKFLOW_PATH = "/swissarmyknife/profiler/workflows/{prompt_id}"
WORKFLOW_NAME_PATH = "/swissarmyknife/profiler/workflows/{prompt_id}/name"
HISTORY_PATH = "/swissarmyknife/profiler/history"


def _settings(values: StoredProfilerSettings, persisted: bool, locked_reason: str | None) -> ProfilerSettings:
    return ProfilerSettings(
        enabled=values.enabled,
        enabled_locked_reason=locked_reason,
        max_workflows=values.max_workflows,
        min_max_workflows=MIN_MAX_WORKFLOWS,
        max_max_workflows=MAX_MAX_WORKFLOWS,
        accurate_gpu_timing=values.accurate_gpu_timing,
        vram_warning_percent=values.vram_warning_percent,
        vram_critical_percent=values.vram_critical_percent,
        regression_percent=values.regression_percent,
        regression_sigma=values.regression_sigma,
        regression_window_runs=values.regression_window_runs,
        regression_recent_runs=values.regression_recent_runs,
        persisted=persisted,
    )


def _first_message(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    return str(errors[0]["msg"]).removeprefix("Value error, ") if errors else "invalid settings"


def profiler_endpoints(services: ProfilerServices | None) -> list[Endpoint]:
    """The run and settings routes; without services (tests, the document alone) each answers 503."""

    def history() -> ProfilerServices:
        return need(services)

    async def get_stats(call: Call[Any, ProfilerStatsQuery, Any]) -> ProfilerStats:
        svc = history()
        query = call.query

        def read() -> ProfilerStats:
            current = svc.live.current() if svc.live is not None else None
            stored = svc.history.stats(limit=query.limit, before=query.before)
            latest = stored.latest
            # The popup's flag: only the latest run's workflow, off its index (a few rows).
            flag = (
                svc.history.workflow_regression(regression_rule(svc), latest.workflow_hash)
                if latest is not None and latest.status == "success"
                else None
            )
            # What the popup's VRAM-before card colours by: the thresholds in force.
            settings = svc.settings.current() if svc.settings is not None else StoredProfilerSettings()
            return ProfilerStats(
                current=current,
                latest=stored.latest,
                node_averages=stored.node_averages,
                workflow_averages=stored.workflow_averages,
                history=stored.history,
                vram_warning_percent=settings.vram_warning_percent,
                vram_critical_percent=settings.vram_critical_percent,
                latest_regression=flag,
            )

        return await off_loop(read)

    async def get_workflow(call: Call[WorkflowPath, Any, Any]) -> WorkflowRecord:
        svc = history()
        prompt_id = call.path.prompt_id
        record = await off_loop(functools.partial(svc.history.get_workflow, prompt_id))
        if record is None:
            current = svc.live.current() if svc.live is not None else None
            if current is not None and current.prompt_id == prompt_id:
                return current
            raise ApiError(404, "not_found", f"no workflow {prompt_id} in history")
        return record

    async def put_workflow_name(call: Call[WorkflowPath, Any, WorkflowNameUpdate]) -> WorkflowNameResult:
        svc = history()
        prompt_id, name = call.path.prompt_id, call.body.workflow_name
        # Kept for a run queued or running (or ended, its record not built yet) ...
        if svc.live is not None:
            svc.live.name_workflow(prompt_id, name)
        # ... and given to the stored run if it is in history already.
        stored = await off_loop(functools.partial(svc.history.rename, prompt_id, name))
        return WorkflowNameResult(prompt_id=prompt_id, workflow_name=name, stored=stored)

    async def get_history(call: Call[Any, HistoryQuery, Any]) -> HistoryPage:
        query = call.query
        read = functools.partial(
            history().history.history,
            query.limit,
            query.before,
            workflow_hash=query.workflow_hash,
            status=query.status,
        )
        return await off_loop(read)

    def settings() -> SettingsFile[StoredProfilerSettings]:
        return require(history().settings, "the profiler settings group")

    async def get_settings(_call: Call[Any, Any, Any]) -> ProfilerSettings:
        group = settings()
        return _settings(group.current(), group.persisted, history().enabled_locked_reason)

    async def put_settings(call: Call[Any, Any, ProfilerSettingsUpdate]) -> ProfilerSettings:
        group = settings()
        locked = history().enabled_locked_reason
        if call.body.enabled and locked is not None:
            raise ApiError(409, "conflict", locked)
        changes = call.body.model_dump(exclude_none=True)
        try:
            # The file write (fsync) runs on a worker thread: the server loop never waits on the disk.
            updated = await asyncio.get_running_loop().run_in_executor(None, lambda: group.update(**changes))
        except ValidationError as exc:
            # Valid alone, not with what is in force (a warning above the saved critical threshold).
            raise ApiError(
                400, "validation_error", _first_message(exc), validation_details(exc, "body")
            ) from None
        return _settings(updated.values, updated.persisted, locked)

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
            summary="Change the profiler's settings (any of them); applies at once and is saved",
            description=(
                "enabled: record workflows or not (409 when the operator turned the profiler off with "
                "SWISSARMYKNIFE_PROFILER=0); accurate_gpu_timing: from the next node; max_workflows: "
                "the oldest runs beyond go to an archive at once."
            ),
            handler=put_settings,
            response_model=ProfilerSettings,
            tag="profiler",
            body_model=ProfilerSettingsUpdate,
            error_statuses=(409, 503),
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
            method="PUT",
            path=WORKFLOW_NAME_PATH,
            operation_id="nameProfilerWorkflow",
            summary="Name a run as its tab does (before, while or after it runs)",
            description=(
                "The page sends the saved workflow's name when it queues a prompt; a run already in "
                "history takes it at once (stored: true), one queued or running when its record is built."
            ),
            handler=put_workflow_name,
            response_model=WorkflowNameResult,
            tag="profiler",
            path_model=WorkflowPath,
            body_model=WorkflowNameUpdate,
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=HISTORY_PATH,
            operation_id="listProfilerHistory",
            summary="One page of stored runs, newest first, by workflow and status",
            description="Page with `before` = the last `next_before`; `total`: the runs the filters match.",
            handler=get_history,
            response_model=HistoryPage,
            tag="profiler",
            query_model=HistoryQuery,
            error_statuses=(503,),
        ),
    ]
