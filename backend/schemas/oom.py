"""Out-of-memory diagnosis: what was captured when a run ran out of memory, and what follows from it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import ApiModel, RequestModel, Truncated
from .ids import Message, WorkflowName
from .profiler import ModelName, TensorShape

# memory_summary() of a busy CUDA device runs to a few KiB: kept whole up to this.
MAX_MEMORY_SUMMARY_CHARS = 16_000
MAX_OOM_EVENTS = 1000


class LoadedModelInfo(ApiModel):
    """A model ComfyUI held when memory ran out, named as the user knows it."""

    name: ModelName = Field(
        description="The file its loader node was given (e.g. sd_xl_base_1.0.safetensors), else its class."
    )
    file_name: ModelName | None = Field(
        description="The loader's file, when the model was tied to a loader node."
    )
    loader_node_id: str | None
    loader_class_type: str | None
    model_type: str | None = Field(description="The model's class (SDXL, Flux, AutoencoderKL, ...).")
    device: str | None
    size_bytes: int | None = Field(description="The whole model.")
    loaded_bytes: int | None = Field(description="How much of it sat on the device (ComfyUI loads partly).")
    needed_later: bool | None = Field(
        description="Whether a node still to run uses it (None: unknown); what is not can be unloaded."
    )
    used_by_node_ids: list[str] = Field(
        default_factory=list, description="The nodes of this run that loaded or used it, in order."
    )
    last_used_at: float | None = Field(
        None, description="When the last of them started (Unix seconds); None: not used in this run."
    )


class OomFigures(ApiModel):
    """What the error message said, in bytes (None where it did not say)."""

    backend: str | None
    device_index: int | None
    requested_bytes: int | None
    total_bytes: int | None
    free_bytes: int | None
    process_bytes: int | None
    allocated_bytes: int | None
    reserved_unallocated_bytes: int | None
    other_bytes: int | None


class OomEvent(ApiModel):
    """One out-of-memory failure, captured before ComfyUI unloaded its models."""

    prompt_id: str
    workflow_hash: str
    workflow_name: WorkflowName | None
    node_id: str | None = Field(description="The node that asked for the memory.")
    node_type: str | None
    captured_at: float = Field(description="Unix time in seconds.")
    exception_type: str
    message: Message
    figures: OomFigures
    vram_allocated_bytes: int | None = Field(
        description="torch's allocated memory on the device at the moment."
    )
    vram_reserved_bytes: int | None
    vram_free_before_bytes: int | None = Field(
        description="Free device memory when the failing node started."
    )
    input_shapes: list[TensorShape] = Field(description="The failing node's inputs.")
    loaded_models: list[LoadedModelInfo]
    memory_summary: Annotated[str, Truncated(MAX_MEMORY_SUMMARY_CHARS)] | None = Field(
        description="torch.cuda.memory_summary() where CUDA is used."
    )
    allocator_stats: dict[str, int] | None = Field(
        None,
        description=(
            "The CUDA caching allocator's counters at the moment (torch.cuda.memory_stats(): retries, "
            "OOMs, allocated/reserved current and peak, inactive split bytes); None without CUDA."
        ),
    )


VramPressureLevel = Literal["normal", "warning", "critical"]


class VramPressureEvent(ApiModel):
    """Websocket event ``swissarmyknife.profiler.vram_pressure``: a run's device memory in use before
    a node crossed a threshold, either way (``node_id`` None: the run ended, back to normal)."""

    type: Literal["vram_pressure"] = "vram_pressure"
    prompt_id: str
    level: VramPressureLevel
    node_id: str | None
    node_type: str | None
    percent: float | None = Field(description="In use before the node, 0..100, all processes.")
    free_bytes: int | None
    total_bytes: int | None
    device_index: int | None = Field(
        None, description="torch's index of the device (the GPU tile labelled cuda:N); None: unknown."
    )
    warning_percent: float
    critical_percent: float


class OomCapturedEvent(ApiModel):
    """Websocket event ``swissarmyknife.profiler.oom``: an out-of-memory error was captured and stored
    (the whole event: ``GET /swissarmyknife/profiler/oom_events``)."""

    type: Literal["oom_captured"] = "oom_captured"
    prompt_id: str
    workflow_name: WorkflowName | None
    node_id: str | None
    node_type: str | None
    captured_at: float
    requested_bytes: int | None
    free_bytes: int | None
    loaded_models: list[ModelName] = Field(description="What was loaded, by name, largest first.")


class ModelToUnload(ApiModel):
    name: ModelName
    loaded_bytes: int | None


class OomRisk(ApiModel):
    """A queued run's workflow peaked higher than the device has free now (or ran out of memory
    before): what it needs, what is free, what to unload."""

    workflow_hash: str
    workflow_name: WorkflowName | None = Field(description="The newest name its runs were given.")
    needed_bytes: int = Field(description="Its recorded VRAM peak (the highest of its last runs).")
    free_bytes: int = Field(description="Free on the device now, as ComfyUI counts it.")
    total_bytes: int
    margin_bytes: int = Field(description="Kept spare: the larger of 512 MiB and 5 % of the device.")
    shortfall_bytes: int = Field(description="What is missing (0: it fits, but it ran out before).")
    models_to_unload: list[ModelToUnload] = Field(
        description="Loaded models it did not use on its last run, largest first, enough to cover it."
    )
    fits_after_unload: bool
    runs: int = Field(description="Its runs the estimate comes from (the last 10 at most).")
    ooms: int = Field(description="How many of them ran out of memory.")
    message: str = Field(description="The warning in plain words.")


class OomRiskEvent(ApiModel):
    """Websocket event ``swissarmyknife.profiler.oom_risk``: a prompt was queued whose workflow may
    not fit (sent to every page; ``client_id`` is the page that queued it, when it said)."""

    type: Literal["oom_risk"] = "oom_risk"
    prompt_id: str | None
    client_id: str | None
    risk: OomRisk


class OomEventPage(ApiModel):
    """The most recent events first (at most the last 1,000 are kept)."""

    data: list[OomEvent]
    count: int


class OomEventsQuery(RequestModel):
    limit: int = Field(20, ge=1, le=MAX_OOM_EVENTS)


class NodeTypeOoms(ApiModel):
    """One node class among the OOM events."""

    node_type: str
    count: int
    rate: float | None = Field(description="Its OOMs per executed run of the class (0..1).")
    mean_requested_bytes: float | None
    mean_allocated_bytes: float | None = Field(description="torch's allocated memory at the OOM, on average.")
    mean_free_before_bytes: float | None


class ModelCorrelation(ApiModel):
    """How often a model was loaded when memory ran out."""

    name: str
    oom_events: int
    oom_share: float = Field(description="The share of OOM events it was loaded in (0..1).")
    mean_loaded_bytes: float | None
    runs: int = Field(description="Stored runs that had it on the device.")
    run_share: float | None = Field(
        description=(
            "Their share of all stored runs (0..1; None: no runs). Far above ``oom_share``'s peers, or "
            "OOMs far above this, says the model goes with the failures rather than with every run."
        )
    )


RecommendationKind = Literal["unload_models", "fragmentation", "request_exceeds_device", "low_vram_mode"]


class Recommendation(ApiModel):
    """One thing to do, said in plain words with its figures."""

    kind: RecommendationKind
    title: str
    detail: str
    node_type: str | None = Field(description="Before which node it applies, where it does.")
    models: list[str] = Field(description="The models to unload (unload_models), largest first.")
    expected_freed_bytes: int | None
    resulting_percent: float | None = Field(description="The device's use once freed, 0..100.")


class OomStats(ApiModel):
    """``GET /swissarmyknife/profiler/oom_stats``."""

    total_oom_count: int = Field(description="Stored runs that ended out of memory.")
    oom_rate: float | None = Field(description="Their share of all stored runs (0..1).")
    node_type_ranking: list[NodeTypeOoms]
    model_correlation: list[ModelCorrelation]
    recent_oom_events: list[OomEvent] = Field(description="The last few, newest first.")
    recommendations: list[Recommendation]


class UnloadRequest(RequestModel):
    """``POST /swissarmyknife/profiler/unload``: the models to unload, by the names the capture gave."""

    models: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(min_length=1, max_length=50)


class UnloadedModel(ApiModel):
    name: str
    freed_bytes: int | None


class UnloadResult(ApiModel):
    """What was unloaded and what is left; names that matched nothing are listed as not found."""

    unloaded: list[UnloadedModel]
    not_found: list[str]
    freed_bytes: int | None
