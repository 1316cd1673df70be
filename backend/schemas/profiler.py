"""Profiler payloads: per-node and per-workflow records, averages, history pages, archives, events."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ApiModel, RequestModel

WorkflowStatus = Literal["running", "success", "error", "interrupted", "oom"]
NodeStatus = Literal["running", "success", "cached", "error", "interrupted"]

# Archive ids are minted by the server; this pattern is all the API ever accepts back.
ARCHIVE_ID_PATTERN = r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$"


class TensorShape(ApiModel):
    """One tensor found in a node's inputs or outputs, located by a short path like ``out[0].samples``."""

    path: str
    shape: list[int]
    dtype: str | None
    device: str | None


class NodeRecord(ApiModel):
    """One node's run inside one workflow."""

    node_id: str
    class_type: str
    title: str | None = Field(description="The node's display title when the workflow carried one.")
    parent_node_id: str | None = Field(description="For nodes expanded from a subgraph: the UI node.")
    order: int = Field(description="Position in execution order, from 0; cached nodes come first.")
    status: NodeStatus
    cache_hit: bool
    started_at: float | None = Field(description="Unix time in seconds; None for cached nodes.")
    ended_at: float | None
    duration_ms: float | None
    vram_before_bytes: int | None
    vram_after_bytes: int | None
    vram_peak_delta_bytes: int | None = Field(description="Peak device memory during the node minus before.")
    rss_before_bytes: int | None
    rss_after_bytes: int | None
    input_shapes: list[TensorShape]
    output_shapes: list[TensorShape]
    error: str | None


class ErrorSummary(ApiModel):
    """Why a workflow failed, as ComfyUI reported it."""

    node_id: str | None
    node_type: str | None
    exception_type: str
    message: str


class WorkflowSummary(ApiModel):
    """A workflow run without its nodes: what history lists and events carry."""

    prompt_id: str
    workflow_hash: str = Field(description="Stable hash of the graph structure.")
    status: WorkflowStatus
    started_at: float
    ended_at: float | None
    duration_ms: float | None
    node_count: int
    executed_count: int
    cache_hits: int
    cache_misses: int
    peak_vram_bytes: int | None
    peak_rss_bytes: int | None
    error: ErrorSummary | None


class WorkflowRecord(WorkflowSummary):
    """A full workflow run: the summary plus every node in execution order."""

    nodes: list[NodeRecord]


class NodeAverage(ApiModel):
    """Running statistics for one node class across every stored run."""

    class_type: str
    runs: int
    cached_runs: int
    mean_duration_ms: float | None
    min_duration_ms: float | None
    max_duration_ms: float | None
    mean_vram_peak_delta_bytes: float | None


class WorkflowAverage(ApiModel):
    """Running statistics for one workflow (by graph hash) across every stored run."""

    workflow_hash: str
    runs: int
    successes: int
    mean_duration_ms: float | None
    min_duration_ms: float | None
    max_duration_ms: float | None
    last_run_at: float


class HistoryPage(ApiModel):
    """Newest first; pass ``next_before`` as ``before`` for the next page (None: no more)."""

    items: list[WorkflowSummary]
    total: int
    next_before: float | None


class ProfilerStats(ApiModel):
    """``GET /swissarmyknife/profiler/stats``."""

    current: WorkflowRecord | None = Field(description="The workflow running now, live; None when idle.")
    latest: WorkflowRecord | None
    node_averages: list[NodeAverage]
    workflow_averages: list[WorkflowAverage]
    history: HistoryPage


class ProfilerStatsQuery(RequestModel):
    """Paging of the history part of the stats."""

    limit: int = Field(50, ge=1, le=500, description="How many history items, newest first.")
    before: float | None = Field(None, description="Only runs started before this Unix time (paging).")


class ArchiveInfo(ApiModel):
    """One archive file of past history."""

    id: str = Field(pattern=ARCHIVE_ID_PATTERN)
    created_at: float
    size_bytes: int
    workflow_count: int
    oom_count: int
    reason: Literal["manual", "retention"]


class ArchivePage(ApiModel):
    data: list[ArchiveInfo]
    count: int


class ProfilerEvent(ApiModel):
    """Websocket event ``swissarmyknife.profiler``: a workflow finished (a summary, never the history)."""

    type: Literal["profiler"] = "profiler"
    workflow: WorkflowSummary
