"""Profiler routes for charts and tables: history bucketed in time and per node class and workflow,
aggregated in SQL (never thousands of rows to the browser)."""

from __future__ import annotations

import functools
from typing import Any

from ..schemas.profiler import (
    NodeClassPage,
    NodeClassQuery,
    ProfilerSeries,
    SeriesQuery,
    WorkflowAveragePage,
    WorkflowStatsQuery,
)
from .endpoints import Call, Endpoint
from .errors import ApiError
from .profiler_services import ProfilerServices, need, off_loop

SERIES_PATH = "/swissarmyknife/profiler/series"
NODE_CLASSES_PATH = "/swissarmyknife/profiler/analytics/nodes"
WORKFLOW_STATS_PATH = "/swissarmyknife/profiler/analytics/workflows"


def analytics_endpoints(services: ProfilerServices | None) -> list[Endpoint]:
    """The aggregate routes; without services each answers 503."""

    def history() -> ProfilerServices:
        return need(services)

    async def get_series(call: Call[Any, SeriesQuery, Any]) -> ProfilerSeries:
        query = call.query
        if query.since is not None and query.until is not None and query.until < query.since:
            raise ApiError(400, "validation_error", "until must not be before since")
        read = functools.partial(
            history().history.series,
            query.points,
            workflow_hash=query.workflow_hash,
            since=query.since,
            until=query.until,
        )
        return await off_loop(read)

    async def get_node_classes(call: Call[Any, NodeClassQuery, Any]) -> NodeClassPage:
        query = call.query
        read = functools.partial(
            history().history.node_class_stats, workflow_hash=query.workflow_hash, limit=query.limit
        )
        return await off_loop(read)

    async def get_workflow_stats(call: Call[Any, WorkflowStatsQuery, Any]) -> WorkflowAveragePage:
        query = call.query
        averages = await off_loop(
            functools.partial(history().history.workflow_averages, query.limit, query.name)
        )
        return WorkflowAveragePage(data=averages, count=len(averages))

    return [
        Endpoint(
            method="GET",
            path=SERIES_PATH,
            operation_id="getProfilerSeries",
            summary="Stored runs bucketed in time (counts, durations, peak VRAM, cache hit rate) for charts",
            description="At most `points` buckets of equal width; empty buckets are left out.",
            handler=get_series,
            response_model=ProfilerSeries,
            tag="profiler",
            query_model=SeriesQuery,
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=NODE_CLASSES_PATH,
            operation_id="getProfilerNodeClasses",
            summary="Per node class: runs, time (mean, min, max, p95, share), VRAM; most time first",
            handler=get_node_classes,
            response_model=NodeClassPage,
            tag="profiler",
            query_model=NodeClassQuery,
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=WORKFLOW_STATS_PATH,
            operation_id="getProfilerWorkflowStats",
            summary="Per workflow (graph hash): runs, successes, times, last run and its newest name",
            handler=get_workflow_stats,
            response_model=WorkflowAveragePage,
            tag="profiler",
            query_model=WorkflowStatsQuery,
            error_statuses=(503,),
        ),
    ]
