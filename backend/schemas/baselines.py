"""Baselines: a run pinned as its workflow's reference, which compare views start from."""

from __future__ import annotations

from pydantic import Field

from .base import ApiModel, RequestModel
from .ids import PromptId, WorkflowHash, WorkflowName
from .profiler import WorkflowRecord, WorkflowStatus


class BaselinePath(RequestModel):
    workflow_hash: WorkflowHash


class BaselineSet(RequestModel):
    """``PUT /swissarmyknife/profiler/baselines/{workflow_hash}``: the run to pin."""

    prompt_id: PromptId = Field(description="A finished, successful run of this workflow in history.")


class BaselineClearRequest(RequestModel):
    """``DELETE /swissarmyknife/profiler/baselines/{workflow_hash}``: no options."""


class BaselineSummary(ApiModel):
    """A pinned baseline without its record (the list)."""

    workflow_hash: WorkflowHash
    prompt_id: str
    pinned_at: float
    workflow_name: WorkflowName | None
    status: WorkflowStatus
    started_at: float
    duration_ms: float | None
    peak_vram_bytes: int | None


class Baseline(BaselineSummary):
    """A workflow's pinned run with its full record, kept with the pin: it stays when history's
    retention archives the run or history is cleared, until the pin is cleared or moved."""

    record: WorkflowRecord


class BaselinePage(ApiModel):
    data: list[BaselineSummary]
    count: int


class BaselineCleared(ApiModel):
    workflow_hash: str
    prompt_id: str = Field(description="The run that was the baseline (still in history if it was).")
