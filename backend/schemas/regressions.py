"""Regressions: a workflow's or node class's latest runs markedly slower or hungrier than their own
history, and the rule that says so."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ApiModel, RequestModel
from .ids import WorkflowHash, WorkflowName

# The rule's defaults: more than 20 % above the median of the last 20 successful runs and more
# than 3 standard deviations above it, judged on the median of the latest 3 (one slow run is noise).
DEFAULT_REGRESSION_PERCENT = 20.0
DEFAULT_REGRESSION_SIGMA = 3.0
DEFAULT_REGRESSION_WINDOW_RUNS = 20
DEFAULT_REGRESSION_RECENT_RUNS = 3
MIN_REGRESSION_WINDOW_RUNS = 5
MAX_REGRESSION_WINDOW_RUNS = 200
MAX_REGRESSION_RECENT_RUNS = 10

RegressionMetric = Literal["duration", "peak_vram", "peak_ram"]


class RegressionRule(ApiModel):
    """The rule in force (profiler settings): both conditions must hold for a flag."""

    percent: float = Field(description="Flag above the history's median by more than this many percent ...")
    sigma: float = Field(description="... and by more than this many standard deviations of that history.")
    window_runs: int = Field(description="The history: this many successful runs before the latest ones.")
    recent_runs: int = Field(description="The latest ones: their median is what is judged.")


class MetricShift(ApiModel):
    """How far one figure of the latest runs moved from its history."""

    metric: RegressionMetric = Field(description="duration (ms), peak_vram or peak_ram (bytes).")
    recent: float = Field(description="The median over the latest runs.")
    median: float = Field(description="The median over the history before them.")
    stdev: float = Field(description="The history's standard deviation (sample).")
    change_percent: float = Field(description="(recent - median) / median, in percent.")
    sigmas: float | None = Field(description="(recent - median) / stdev; None when the history never varied.")


class NodeMove(ApiModel):
    """A node of the workflow whose time moved most between its history and its latest runs."""

    node_id: str
    class_type: str
    title: str | None
    recent_ms: float = Field(description="Its median time over the latest runs (executed ones).")
    usual_ms: float = Field(description="Its median time over the history.")
    change_ms: float


class WorkflowRegression(ApiModel):
    """A workflow whose latest runs are markedly slower or hungrier than its own history."""

    workflow_hash: WorkflowHash
    workflow_name: WorkflowName | None = Field(description="Its newest name, as its tab showed it.")
    latest_prompt_id: str = Field(description="The newest of the latest runs judged.")
    latest_started_at: float
    shifts: list[MetricShift] = Field(description="The figures that moved past the rule, most first.")
    moved_nodes: list[NodeMove] = Field(description="The nodes whose time moved most (5 at most).")
    recent_runs: int
    history_runs: int
    recent_environment_id: int | None = Field(description="The environment of the newest judged run.")
    usual_environment_id: int | None = Field(
        description="The environment most of the history ran in: when it differs, compare the two."
    )
    baseline_prompt_id: str | None = Field(description="The workflow's pinned baseline, if any.")


class NodeClassRegression(ApiModel):
    """A node class whose latest executions (any workflow) are markedly slower than its history."""

    class_type: str
    shift: MetricShift
    recent_runs: int
    history_runs: int


class RegressionReport(ApiModel):
    """``GET /swissarmyknife/profiler/regressions``."""

    rule: RegressionRule
    workflows: list[WorkflowRegression] = Field(description="Flagged workflows, the largest change first.")
    node_classes: list[NodeClassRegression] = Field(description="Flagged node classes, the largest first.")
    checked_workflows: int = Field(description="Workflows with enough successful runs to judge.")
    checked_node_classes: int


class RegressionQuery(RequestModel):
    workflow_hash: WorkflowHash | None = Field(None, description="Only this workflow (and no node classes).")
    limit: int = Field(50, ge=1, le=500, description="At most this many of each list.")
