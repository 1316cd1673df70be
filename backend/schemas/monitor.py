"""Monitor payloads: what this machine can report (capabilities) and what it reports (snapshots)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ApiModel, RequestModel

GpuVendor = Literal["nvidia", "amd", "intel", "apple", "other"]
GpuSource = Literal["nvml", "amdsmi", "torch", "fake"]


class HardwareCapabilities(ApiModel):
    """Host facts that change rarely; ``None`` where the library that knows is missing."""

    psutil_available: bool
    cpuinfo_available: bool
    cpu_temperature_available: bool = Field(description="A CPU temperature sensor was found.")
    cpu_model: str | None
    cpu_cores_physical: int | None
    cpu_cores_logical: int | None
    ram_total_bytes: int | None
    platform: str = Field(description="sys.platform of the server, e.g. 'linux', 'win32', 'darwin'.")


class GpuMetricSupport(ApiModel):
    """Which per-GPU metrics this device's source can report at all."""

    utilization: bool
    vram: bool
    temperature: bool
    power: bool


class GpuDevice(ApiModel):
    """One accelerator, labelled with the torch index the user knows (``cuda:N``)."""

    index: int = Field(description="torch device index (after CUDA_VISIBLE_DEVICES remapping).")
    name: str
    vendor: GpuVendor
    source: GpuSource = Field(description="Where its metrics come from.")
    uuid: str | None
    pci_bus_id: str | None
    vram_total_bytes: int | None
    supports: GpuMetricSupport


class GpuCapabilities(ApiModel):
    """What GPU telemetry is possible here; re-probed while running, not fixed at start."""

    nvml_available: bool
    torch_available: bool
    torch_backend: Literal["cuda", "rocm", "xpu", "mps", "cpu"] | None = Field(
        description="The accelerator torch uses; None when torch is missing."
    )
    devices: list[GpuDevice]


class GpuSample(ApiModel):
    """One GPU at one instant; ``None`` means unavailable for this tick."""

    index: int
    utilization_percent: float | None
    vram_used_bytes: int | None
    vram_total_bytes: int | None
    temperature_c: float | None
    power_draw_watts: float | None
    power_limit_watts: float | None


class MonitorSnapshot(ApiModel):
    """One immutable sample of the whole machine; ``None`` means unavailable for this tick."""

    sampled_at: float = Field(description="Unix time of the sample, in seconds.")
    cpu_percent: float | None
    cpu_frequency_mhz: float | None
    cpu_temperature_c: float | None
    ram_used_bytes: int | None
    ram_total_bytes: int | None
    gpus: list[GpuSample]


class MonitorStatus(ApiModel):
    """``GET /swissarmyknife/monitor/status``: capabilities and the latest snapshot."""

    plugin_version: str
    hardware: HardwareCapabilities
    gpu: GpuCapabilities
    capabilities_version: int = Field(
        description="Increases whenever hardware or gpu capabilities change; events carry it too."
    )
    snapshot: MonitorSnapshot | None = Field(description="None only if the sampler has not produced one yet.")
    sample_interval_s: float
    sample_cpu_ms: float | None = Field(
        None,
        description=(
            "The monitor's own cost: CPU milliseconds per sample (mean of the last 100 taken); None "
            "before the first."
        ),
    )


class GpuProcess(ApiModel):
    """A process using the GPU, as NVML lists it."""

    pid: int
    name: str | None = Field(description="Its executable's name (psutil); None when it cannot be read.")
    used_bytes: int | None = Field(description="The device memory it holds (None: the driver will not say).")
    kind: Literal["compute", "graphics"]
    this_process: bool = Field(description="This ComfyUI.")


class ModelOnDevice(ApiModel):
    """One of ComfyUI's loaded models on this device (by its loader's file, as the OOM views name it)."""

    name: str
    loaded_bytes: int | None


class GpuInspection(ApiModel):
    """``GET /swissarmyknife/monitor/gpus/{index}``: one GPU in detail, read when asked (never per
    tick); each figure the device or its library cannot give is None."""

    device: GpuDevice
    inspected_at: float
    driver_version: str | None
    cuda_driver_version: str | None = Field(description="The CUDA version the driver supports (e.g. 12.8).")
    vram_total_bytes: int | None
    vram_used_bytes: int | None = Field(description="In use by every process on the device.")
    vram_free_bytes: int | None
    this_process_bytes: int | None = Field(
        description="What this ComfyUI holds: NVML's figure for its process, else torch's reserved memory."
    )
    other_processes_bytes: int | None = Field(
        description="Used minus this process: other programs, containers or users sharing the GPU."
    )
    utilization_percent: float | None
    memory_utilization_percent: float | None = Field(description="The memory controller's busy time.")
    temperature_c: float | None
    power_draw_watts: float | None
    power_limit_watts: float | None
    graphics_clock_mhz: float | None
    max_graphics_clock_mhz: float | None
    memory_clock_mhz: float | None
    fan_percent: float | None
    processes: list[GpuProcess]
    models: list[ModelOnDevice] = Field(description="ComfyUI's loaded models on this device, largest first.")


class GpuPath(RequestModel):
    index: int = Field(ge=0, le=255, description="The GPU's torch index (cuda:N).")


# The server-side ring: the last 10 minutes of samples at most (1,200 at the shortest interval).
MAX_HISTORY_SECONDS = 600
DEFAULT_HISTORY_SECONDS = 300


class MonitorHistoryQuery(RequestModel):
    seconds: float = Field(
        DEFAULT_HISTORY_SECONDS,
        gt=0,
        le=MAX_HISTORY_SECONDS,
        allow_inf_nan=False,
        description="How far back, in seconds (the ring keeps 600 at most).",
    )


class MonitorHistory(ApiModel):
    """``GET /swissarmyknife/monitor/history``: the samples taken in the last ``seconds``, oldest first."""

    seconds: float
    max_seconds: int = Field(description="The most the ring keeps.")
    sample_interval_s: float
    samples: list[MonitorSnapshot] = Field(
        description="What the sampler took (no extra sampling): sparse while nobody looked."
    )


class MonitorEvent(ApiModel):
    """Websocket event ``swissarmyknife.monitor``: one snapshot, sent every interval to connected pages."""

    type: Literal["monitor"] = "monitor"
    capabilities_version: int
    snapshot: MonitorSnapshot


# The sampling period users may choose; backend.telemetry.sampler enforces the same range.
SAMPLE_INTERVAL_MIN_S = 0.5
SAMPLE_INTERVAL_MAX_S = 10.0
SAMPLE_INTERVAL_DEFAULT_S = 2.0


class MonitorSettings(ApiModel):
    """``GET``/``PUT /swissarmyknife/monitor/settings``: the sampler's settings and their limits."""

    sample_interval_s: float = Field(description="Seconds between samples while a page is connected.")
    min_sample_interval_s: float
    max_sample_interval_s: float
    default_sample_interval_s: float
    persisted: bool = Field(
        description="Whether the value is saved under the user directory and survives a restart."
    )


class MonitorSettingsUpdate(RequestModel):
    """``PUT /swissarmyknife/monitor/settings``: the new sampling period (a JSON number of seconds)."""

    sample_interval_s: float = Field(
        ge=SAMPLE_INTERVAL_MIN_S,
        le=SAMPLE_INTERVAL_MAX_S,
        strict=True,
        allow_inf_nan=False,
        description="Seconds between samples while a page is connected.",
    )


class StoredMonitorSettings(ApiModel):
    """The settings file under the user directory (``monitor_settings.json``)."""

    schema_version: Literal[1] = 1
    sample_interval_s: float = Field(ge=SAMPLE_INTERVAL_MIN_S, le=SAMPLE_INTERVAL_MAX_S)
