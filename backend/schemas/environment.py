"""The environment a run ran in: what explains a regression that is not the workflow's fault."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import ApiModel, RequestModel, Truncated

# Versions and names come from the machine; bounded so a strange build string cannot bloat history.
MAX_FACT_CHARS = 200
Fact = Annotated[str, Truncated(MAX_FACT_CHARS)]


class LaunchFlag(ApiModel):
    """One of ComfyUI's command-line flags that change performance (``--lowvram``, ``--cache-lru 10``)."""

    name: Fact = Field(description="As typed, with its dashes: --lowvram, --reserve-vram, --fast.")
    value: Fact | None = Field(description="Its argument (--reserve-vram 2 -> '2'); None for a switch.")


class EnvironmentFingerprint(ApiModel):
    """What a run's speed and memory depend on besides the workflow; equal fingerprints share one id."""

    host: Fact = Field(description="comfyui, or standalone (the pack's own host, the demo).")
    comfyui_version: Fact | None
    frontend_version: Fact | None = Field(
        description="The frontend package ComfyUI serves (None: unknown, e.g. a --front-end-root build)."
    )
    python_version: Fact
    torch_version: Fact | None
    cuda_version: Fact | None = Field(description="The CUDA torch was built for (torch.version.cuda).")
    hip_version: Fact | None = Field(description="The ROCm/HIP torch was built for (torch.version.hip).")
    gpu_names: list[Fact] = Field(description="Each GPU torch sees, by index.")
    gpu_driver_version: Fact | None = Field(description="NVIDIA's driver (NVML); None elsewhere.")
    pack_version: Fact
    platform: Fact = Field(description="The operating system (platform.platform()).")
    launch_flags: list[LaunchFlag] = Field(description="The performance flags ComfyUI was started with.")


class Environment(ApiModel):
    """``GET /swissarmyknife/profiler/environments/{environment_id}``."""

    id: int = Field(description="What WorkflowRecord.environment_id refers to (numbered per history).")
    first_seen_at: float = Field(description="Unix time of the first run recorded in it.")
    fingerprint: EnvironmentFingerprint


class EnvironmentPath(RequestModel):
    environment_id: int = Field(ge=1, le=2**53, description="An environment id from a workflow record.")
