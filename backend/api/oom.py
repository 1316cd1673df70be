"""Out-of-memory routes: the analysis (counts, rankings, correlations, recommendations), the captured
events, and unloading the models a recommendation names (guarded)."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from ..actions import ActionConflictError, ActionServices, HostActionError, HostBusyError
from ..profiler.oom_advice import recommendations
from ..schemas.oom import OomEventPage, OomEventsQuery, OomStats, UnloadRequest, UnloadResult
from .endpoints import Call, Endpoint, Guard, require
from .errors import ApiError
from .profiler_services import ProfilerServices, need, off_loop

OOM_STATS_PATH = "/swissarmyknife/profiler/oom_stats"
OOM_EVENTS_PATH = "/swissarmyknife/profiler/oom_events"
UNLOAD_PATH = "/swissarmyknife/profiler/unload"
# The analysis reads the newest captures: advice follows what happens now; the page shows a few.
ADVICE_EVENTS = 50
RECENT_EVENTS = 10


def oom_endpoints(
    services: ProfilerServices | None, actions: ActionServices | None, guard: Guard
) -> list[Endpoint]:
    """The OOM routes; without the profiler (or, for unloading, the actions) each answers 503."""

    async def get_oom_stats(_call: Call[Any, Any, Any]) -> OomStats:
        stored = await off_loop(functools.partial(need(services).history.oom_history, ADVICE_EVENTS))
        return OomStats(
            total_oom_count=stored.oom_runs,
            oom_rate=stored.oom_runs / stored.runs if stored.runs else None,
            node_type_ranking=stored.node_type_ranking,
            model_correlation=stored.model_correlation,
            recent_oom_events=stored.latest[:RECENT_EVENTS],
            recommendations=recommendations(stored.latest),
        )

    async def get_oom_events(call: Call[Any, OomEventsQuery, Any]) -> OomEventPage:
        events = await off_loop(functools.partial(need(services).history.oom_events, call.query.limit))
        return OomEventPage(data=events, count=len(events))

    async def post_unload(call: Call[Any, Any, UnloadRequest]) -> UnloadResult:
        unload = require(require(actions, "unloading models").unload, "unloading models")
        try:
            # Blocking (the host unloads): never on the server loop.
            return await asyncio.get_running_loop().run_in_executor(None, unload.unload, call.body.models)
        except (HostBusyError, ActionConflictError) as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except HostActionError as exc:
            raise ApiError(503, "unavailable", str(exc)) from None

    return [
        Endpoint(
            method="GET",
            path=OOM_STATS_PATH,
            operation_id="getOomStats",
            summary="Out-of-memory analysis: counts, node ranking, model correlation, events, what to do",
            handler=get_oom_stats,
            response_model=OomStats,
            tag="oom",
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=OOM_EVENTS_PATH,
            operation_id="listOomEvents",
            summary="The captured out-of-memory events, newest first (the last 1,000 are kept)",
            handler=get_oom_events,
            response_model=OomEventPage,
            tag="oom",
            query_model=OomEventsQuery,
            error_statuses=(503,),
        ),
        Endpoint(
            method="POST",
            path=UNLOAD_PATH,
            operation_id="unloadModels",
            summary="Unload the named models (as an OOM capture names them); reports what was freed",
            description="Refused with 409 while a workflow runs or waits in the queue.",
            handler=post_unload,
            response_model=UnloadResult,
            tag="oom",
            body_model=UnloadRequest,
            guard=guard,
            error_statuses=(403, 409, 503),
        ),
    ]
