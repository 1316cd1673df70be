"""Profiler payloads: per-node and per-workflow records, averages, history pages, archives, events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from .base import ApiModel, RequestModel, Truncated
from .ids import (
    ARCHIVE_ID_PATTERN,
    MAX_WORKFLOW_NAME_CHARS,
    ArchiveId,
    Message,
    PromptId,
    WorkflowHash,
    WorkflowName,
)
from .regressions import (
    DEFAULT_REGRESSION_PERCENT,
    DEFAULT_REGRESSION_RECENT_RUNS,
    DEFAULT_REGRESSION_SIGMA,
    DEFAULT_REGRESSION_WINDOW_RUNS,
    MAX_REGRESSION_RECENT_RUNS,
    MAX_REGRESSION_WINDOW_RUNS,
    MIN_REGRESSION_WINDOW_RUNS,
    WorkflowRegression,
)

WorkflowStatus = Literal["running", "success", "error", "interrupted", "oom"]
NodeStatus = Literal["running", "success", "cached", "error", "interrupted"]

# Retention: how many workflows history keeps before the oldest go to an archive.
MIN_MAX_WORKFLOWS = 100
MAX_MAX_WORKFLOWS = 100_000
DEFAULT_MAX_WORKFLOWS = 10_000
# The device's use before a node (all processes) that warns, and that is critical.
DEFAULT_VRAM_WARNING_PERCENT = 85.0
DEFAULT_VRAM_CRITICAL_PERCENT = 95.0
VramPercent = Annotated[float, Field(gt=0, le=100)]
RegressionPercent = Annotated[float, Field(ge=1, le=1000)]
RegressionSigma = Annotated[float, Field(ge=0, le=10)]
RegressionWindow = Annotated[int, Field(ge=MIN_REGRESSION_WINDOW_RUNS, le=MAX_REGRESSION_WINDOW_RUNS)]
RegressionRecent = Annotated[int, Field(ge=1, le=MAX_REGRESSION_RECENT_RUNS)]


class TensorShape(ApiModel):
    """One tensor found in a node's inputs or outputs, located by a short path like ``out[0].samples``."""

    path: str
    shape: list[int]
    dtype: str | None
    device: str | None


ModelName = Annotated[str, Truncated(300)]
ModelAction = Literal["loaded", "used", "unloaded"]


class ModelUse(ApiModel):
    """What a node did with a model: put it on the device (loaded), asked for it while it was there
    (used), or took it off (unloaded, to make room)."""

    name: ModelName = Field(description="The file its loader node was given, else the model's class.")
    action: ModelAction
    device: str | None
    loaded_bytes: int | None = Field(description="On the device after the node's request (None: unknown).")


class ModelResidency(ApiModel):
    """One stay of a model on a device during a run: the Latest timeline's swimlane."""

    name: ModelName
    device: str | None
    loaded_bytes: int | None = Field(description="The most it held on the device during the stay.")
    from_ms: float = Field(description="From the run's start (0: on the device when the run began).")
    until_ms: float | None = Field(description="Until it was unloaded; None: still there at the end.")
    loaded_by_node_id: str | None = Field(description="The node that put it there; None: an earlier run.")
    used_by_node_ids: list[str]


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
    # Defaults so records stored before these existed still read back (None: unknown).
    vram_free_before_bytes: int | None = Field(
        None, description="The device's free memory (all processes) when the node started."
    )
    vram_percent_before: float | None = Field(
        None, description="The device's memory in use when the node started, 0..100 (all processes)."
    )
    rss_before_bytes: int | None
    rss_after_bytes: int | None
    input_shapes: list[TensorShape]
    output_shapes: list[TensorShape]
    error: Message | None
    models: list[ModelUse] = Field(
        default_factory=list, description="The models it loaded, used or unloaded (ComfyUI's model manager)."
    )


class ErrorSummary(ApiModel):
    """Why a workflow failed, as ComfyUI reported it."""

    node_id: str | None
    node_type: str | None
    exception_type: str
    message: Message


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
    # A default so records stored before names existed still read back (None: unknown).
    workflow_name: WorkflowName | None = Field(
        None,
        description=(
            "The saved workflow's name from the frontend's open tab, when it sent one "
            "(PUT .../workflows/{prompt_id}/name); None for an unsaved workflow or an API client."
        ),
    )
    environment_id: int | None = Field(
        None,
        description=(
            "The environment it ran in (GET .../environments/{environment_id}); None for runs recorded "
            "before environments were, or while the environment was still being read."
        ),
    )


class WorkflowRecord(WorkflowSummary):
    """A full workflow run: the summary plus every node in execution order."""

    nodes: list[NodeRecord]
    # Defaults so records stored before these existed still read back.
    model_residency: list[ModelResidency] = Field(
        default_factory=list, description="Which models were on the device when (ComfyUI's model management)."
    )
    reloaded_models: list[ModelName] = Field(
        default_factory=list,
        description=(
            "Models put on the device again although unchanged: on it when the previous run ended, or "
            "unloaded earlier in this run (evicted and reloaded: time spent moving weights)."
        ),
    )

    def summary(self) -> WorkflowSummary:
        """The record without its nodes and timelines: what history lists and events carry."""
        return WorkflowSummary.model_validate(self.model_dump(include=set(WorkflowSummary.model_fields)))


class NodeAverage(ApiModel):
    """Running statistics for one node class across the runs stored in history.

    ``runs`` counts every appearance (executed or cached); durations and VRAM cover the runs that
    executed and succeeded. Archived runs leave the averages and come back when their archive is loaded.
    """

    class_type: str
    runs: int
    cached_runs: int
    mean_duration_ms: float | None
    min_duration_ms: float | None
    max_duration_ms: float | None
    mean_vram_peak_delta_bytes: float | None


class WorkflowAverage(ApiModel):
    """Running statistics for one workflow (by graph hash) across the runs stored in history.

    Durations cover successful runs only; ``last_run_at`` is the newest run's start (Unix seconds).
    """

    workflow_hash: str
    runs: int
    successes: int
    mean_duration_ms: float | None
    min_duration_ms: float | None
    max_duration_ms: float | None
    last_run_at: float
    workflow_name: str | None = Field(
        None, description="The newest name among its runs (a graph keeps its hash when renamed)."
    )


class HistoryPage(ApiModel):
    """Newest first; pass ``next_before`` as ``before`` for the next page (None: no more)."""

    items: list[WorkflowSummary]
    total: int
    next_before: float | None


class ProfilerStats(ApiModel):
    """``GET /swissarmyknife/profiler/stats``."""

    current: WorkflowRecord | None = Field(description="The workflow running now, live; None when idle.")
    latest: WorkflowRecord | None
    node_averages: list[NodeAverage] = Field(
        description="Node classes by total time spent, most first (at most 200)."
    )
    workflow_averages: list[WorkflowAverage] = Field(
        description="Workflows by their newest run, most recent first (at most 50)."
    )
    history: HistoryPage
    vram_warning_percent: float = Field(
        DEFAULT_VRAM_WARNING_PERCENT, description="The pre-OOM thresholds in force (profiler settings)."
    )
    vram_critical_percent: float = DEFAULT_VRAM_CRITICAL_PERCENT
    latest_regression: WorkflowRegression | None = Field(
        None, description="The latest run's workflow when its latest runs regressed (the popup's flag)."
    )


class ProfilerStatsQuery(RequestModel):
    """Paging of the history part of the stats."""

    limit: int = Field(50, ge=1, le=500, description="How many history items, newest first.")
    before: float | None = Field(
        None, allow_inf_nan=False, description="Only runs started before this Unix time (paging)."
    )


class HistoryQuery(RequestModel):
    """``GET /swissarmyknife/profiler/history``: one page of runs, newest first, optionally filtered."""

    limit: int = Field(50, ge=1, le=500, description="How many runs, newest first.")
    before: float | None = Field(
        None,
        allow_inf_nan=False,
        description="Only runs started before this Unix time (the last page's next_before).",
    )
    workflow_hash: WorkflowHash | None = None
    status: Literal["success", "error", "interrupted", "oom"] | None = None


class SeriesQuery(RequestModel):
    """``GET /swissarmyknife/profiler/series``: history bucketed in time, for charts."""

    points: int = Field(120, ge=2, le=1000, description="At most this many buckets over the range.")
    workflow_hash: WorkflowHash | None = None
    since: float | None = Field(None, allow_inf_nan=False, description="Unix time; default: the oldest run.")
    until: float | None = Field(None, allow_inf_nan=False, description="Unix time; default: the newest run.")


class SeriesPoint(ApiModel):
    """The runs that started in one bucket ``[start, start + bucket_s)``."""

    start: float
    runs: int
    successes: int
    errors: int
    interrupted: int
    ooms: int
    mean_duration_ms: float | None = Field(description="Over the bucket's successful runs.")
    max_duration_ms: float | None
    mean_peak_vram_bytes: float | None
    max_peak_vram_bytes: int | None
    cache_hits: int = Field(description="Nodes served from the cache.")
    cache_lookups: int = Field(description="Nodes looked up: cache hits plus nodes executed.")


class ProfilerSeries(ApiModel):
    """Buckets of equal width, oldest first; empty buckets are left out."""

    bucket_s: float
    since: float | None
    until: float | None
    items: list[SeriesPoint]


class NodeClassQuery(RequestModel):
    """``GET /swissarmyknife/profiler/analytics/nodes``."""

    workflow_hash: WorkflowHash | None = Field(None, description="Only this workflow's runs.")
    limit: int = Field(200, ge=1, le=500)


class NodeClassStats(ApiModel):
    """One node class across the stored runs (durations and VRAM: executed, successful runs)."""

    class_type: str
    runs: int
    cached_runs: int
    timed_runs: int
    mean_duration_ms: float | None
    min_duration_ms: float | None
    max_duration_ms: float | None
    p95_duration_ms: float | None = Field(description="The 95th percentile (nearest rank).")
    total_duration_ms: float
    time_share: float | None = Field(description="Its share of all timed node time, 0..1.")
    mean_vram_peak_delta_bytes: float | None
    max_vram_peak_delta_bytes: int | None


class NodeClassPage(ApiModel):
    """Node classes by total time, most first."""

    items: list[NodeClassStats]
    total_duration_ms: float


class WorkflowStatsQuery(RequestModel):
    """``GET /swissarmyknife/profiler/analytics/workflows``."""

    limit: int = Field(50, ge=1, le=500)
    name: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Only workflows whose newest name contains this (case-insensitive for ASCII).",
    )


class WorkflowAveragePage(ApiModel):
    """Workflows by their newest run, most recent first."""

    data: list[WorkflowAverage]
    count: int


class WorkflowNameUpdate(RequestModel):
    """``PUT /swissarmyknife/profiler/workflows/{prompt_id}/name``: what its tab calls the workflow."""

    workflow_name: str | None = Field(
        min_length=1,
        max_length=MAX_WORKFLOW_NAME_CHARS,
        description="The saved workflow's name; null for an unsaved one.",
    )


class WorkflowNameResult(ApiModel):
    """Where the name went: onto the stored run, or kept for a run still queued or running."""

    prompt_id: str
    workflow_name: str | None
    stored: bool = Field(description="True when the run was in history already and now carries the name.")


class WorkflowPath(RequestModel):
    """``/swissarmyknife/profiler/workflows/{prompt_id}``."""

    prompt_id: PromptId


class ArchivePath(RequestModel):
    """``/swissarmyknife/profiler/archive/{id}``: only ids the server minted are accepted."""

    id: ArchiveId


ArchiveReason = Literal["manual", "retention"]


class ArchiveInfo(ApiModel):
    """One archive file of past history."""

    id: str = Field(pattern=ARCHIVE_ID_PATTERN)
    created_at: float
    size_bytes: int
    workflow_count: int
    oom_count: int = Field(description="Archived runs that ended out of memory (the archive's OOM badge).")
    oom_event_count: int = Field(0, description="Out-of-memory captures archived with them.")
    reason: ArchiveReason
    first_started_at: float | None = Field(description="The oldest archived run's start; None when empty.")
    last_started_at: float | None


class ArchivePage(ApiModel):
    """Every archive, newest first."""

    data: list[ArchiveInfo]
    count: int


class ArchiveCreate(RequestModel):
    """``POST /swissarmyknife/profiler/archive``: move the whole history into a new archive (body ``{}``)."""


class ArchiveLoadRequest(RequestModel):
    """``POST /swissarmyknife/profiler/archive/{id}/load`` (body ``{}``)."""


class ArchiveDeleteRequest(RequestModel):
    """``DELETE /swissarmyknife/profiler/archive/{id}`` (body ``{}``)."""


class HistoryClearRequest(RequestModel):
    """``DELETE /swissarmyknife/profiler/history``: forget every stored run (body ``{}``)."""


class ArchiveLoadResult(ApiModel):
    """What loading an archive did; loading twice imports nothing the second time."""

    archive: ArchiveInfo
    imported_count: int = Field(description="Runs added to history.")
    already_present_count: int = Field(description="Runs skipped because their prompt id was in history.")
    invalid_count: int = Field(description="Entries skipped because they were not valid records.")
    imported_oom_event_count: int = Field(
        0, description="Out-of-memory captures added back (those not stored already)."
    )


class HistoryClearResult(ApiModel):
    removed_count: int


class ArchiveOomSummary(ApiModel):
    """The archived runs' out-of-memory captures in counts (the captures are under ``oom_events``)."""

    event_count: int
    node_types: dict[str, int] = Field(description="Captures by failing node class, most first (20 at most).")
    models: dict[str, int] = Field(description="Captures each loaded model was in, most first (20 at most).")


class ArchiveSummary(ApiModel):
    """The ``summary`` of an archive file."""

    workflow_count: int
    oom_count: int
    status_counts: dict[str, int]
    first_started_at: float | None
    last_started_at: float | None
    # Archives written before OOM captures were archived have none.
    oom_summary: ArchiveOomSummary | None = None


class HistoryArchive(ApiModel):
    """An archive file as written to disk (``<id>.json``); readers ignore keys they do not know.

    ``oom_history`` repeats the runs that ran out of memory so OOM analysis reads them without the
    whole history; ``oom_events`` holds their captures (``backend.schemas.oom.OomEvent``, as JSON
    objects: this module does not know the OOM schema).
    """

    model_config = ConfigDict(extra="ignore")

    format: Literal["swissarmyknife.history-archive"] = "swissarmyknife.history-archive"
    format_version: int
    id: str
    created_at: float
    reason: ArchiveReason
    summary: ArchiveSummary
    history: list[WorkflowRecord]
    oom_history: list[WorkflowRecord]
    oom_events: list[dict[str, Any]] = Field(default_factory=list)
    environments: list[dict[str, Any]] = Field(
        default_factory=list,
        description=(
            "The environments its runs refer to (``backend.schemas.environment.Environment``); loading "
            "maps their ids to the loading history's own."
        ),
    )


class ProfilerEvent(ApiModel):
    """Websocket event ``swissarmyknife.profiler``: a workflow finished (a summary, never the history)."""

    type: Literal["profiler"] = "profiler"
    workflow: WorkflowSummary


class HistoryChangedEvent(ApiModel):
    """Websocket event ``swissarmyknife.profiler.history``: history changed other than by a new run,
    so open views refresh (a new run is ``swissarmyknife.profiler``)."""

    type: Literal["history_changed"] = "history_changed"
    reason: Literal["cleared", "archived", "loaded", "deleted", "retention"]


class ProfilerSettings(ApiModel):
    """``GET``/``PUT /swissarmyknife/profiler/settings``."""

    enabled: bool = Field(
        description="Whether workflows are recorded (off: the hooks pass straight through)."
    )
    enabled_locked_reason: str | None = Field(
        description=(
            "Why ``enabled`` cannot be changed here (the operator turned the profiler off); None when it can."
        )
    )
    max_workflows: int = Field(description="History keeps this many runs; older ones go to an archive.")
    min_max_workflows: int
    max_max_workflows: int
    accurate_gpu_timing: bool = Field(
        description=(
            "Wait for the GPU to finish each node's queued work before stopping its clock: true GPU "
            "time per node, at the cost of the overlap CUDA would otherwise give. Off by default."
        )
    )
    vram_warning_percent: float = Field(
        description="The device's memory in use before a node (all processes) that warns, 0..100."
    )
    vram_critical_percent: float = Field(description="... and that is critical (above the warning).")
    regression_percent: float = Field(
        description="Regressions: flag the latest runs more than this many percent above the median ..."
    )
    regression_sigma: float = Field(description="... and more than this many standard deviations above it.")
    regression_window_runs: int = Field(description="The history: this many successful runs before them.")
    regression_recent_runs: int = Field(description="The latest runs judged (their median).")
    persisted: bool = Field(description="Whether the value is saved and survives a restart.")


class ProfilerSettingsUpdate(RequestModel):
    """``PUT /swissarmyknife/profiler/settings``: any of the settings, at least one."""

    enabled: bool | None = Field(None, strict=True)
    accurate_gpu_timing: bool | None = Field(None, strict=True)
    max_workflows: int | None = Field(None, strict=True, ge=MIN_MAX_WORKFLOWS, le=MAX_MAX_WORKFLOWS)
    vram_warning_percent: VramPercent | None = Field(None, strict=True)
    vram_critical_percent: VramPercent | None = Field(None, strict=True)
    regression_percent: RegressionPercent | None = Field(None, strict=True)
    regression_sigma: RegressionSigma | None = Field(None, strict=True)
    regression_window_runs: RegressionWindow | None = Field(None, strict=True)
    regression_recent_runs: RegressionRecent | None = Field(None, strict=True)

    @model_validator(mode="after")
    def _one_at_least(self) -> ProfilerSettingsUpdate:
        if not self.model_dump(exclude_none=True):
            raise ValueError(f"give at least one of {', '.join(type(self).model_fields)}")
        warning, critical = self.vram_warning_percent, self.vram_critical_percent
        if warning is not None and critical is not None and warning >= critical:
            raise ValueError("vram_warning_percent must be below vram_critical_percent")
        return self


class StoredProfilerSettings(ApiModel):
    """The settings file under the user directory (``profiler_settings.json``)."""

    schema_version: Literal[1] = 1
    accurate_gpu_timing: bool = False
    enabled: bool = True
    max_workflows: int = Field(DEFAULT_MAX_WORKFLOWS, ge=MIN_MAX_WORKFLOWS, le=MAX_MAX_WORKFLOWS)
    vram_warning_percent: VramPercent = DEFAULT_VRAM_WARNING_PERCENT
    vram_critical_percent: VramPercent = DEFAULT_VRAM_CRITICAL_PERCENT
    regression_percent: RegressionPercent = DEFAULT_REGRESSION_PERCENT
    regression_sigma: RegressionSigma = DEFAULT_REGRESSION_SIGMA
    regression_window_runs: RegressionWindow = DEFAULT_REGRESSION_WINDOW_RUNS
    regression_recent_runs: RegressionRecent = DEFAULT_REGRESSION_RECENT_RUNS

    @model_validator(mode="after")
    def _warning_below_critical(self) -> StoredProfilerSettings:
        if self.vram_warning_percent >= self.vram_critical_percent:
            raise ValueError(
                f"vram_warning_percent ({self.vram_warning_percent:g}) must be below "
                f"vram_critical_percent ({self.vram_critical_percent:g})"
            )
        return self
