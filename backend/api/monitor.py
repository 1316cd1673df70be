"""Monitor routes: capabilities, the latest snapshot, the recent samples, one GPU in detail, and
the sampler settings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..schemas import (
    GpuCapabilities,
    GpuDevice,
    HardwareCapabilities,
    MonitorSettings,
    MonitorSettingsUpdate,
    MonitorSnapshot,
    MonitorStatus,
)
from ..schemas.monitor import (
    MAX_HISTORY_SECONDS,
    SAMPLE_INTERVAL_DEFAULT_S,
    SAMPLE_INTERVAL_MAX_S,
    SAMPLE_INTERVAL_MIN_S,
    GpuInspection,
    GpuPath,
    ModelOnDevice,
    MonitorHistory,
    MonitorHistoryQuery,
    StoredMonitorSettings,
)
from ..settings_file import SettingsFile
from ..telemetry.base import GpuDetails
from .endpoints import Call, Endpoint, require
from .errors import ApiError

# How long a first request waits for the sampler's very first sample (cpuinfo alone takes ~1 s).
FIRST_SAMPLE_WAIT_S = 5.0
SETTINGS_PATH = "/swissarmyknife/monitor/settings"
HISTORY_PATH = "/swissarmyknife/monitor/history"
GPU_PATH = "/swissarmyknife/monitor/gpus/{index}"
# GpuDetails' figures the inspection carries as they are.
_DETAIL_FIELDS = (
    "driver_version",
    "cuda_driver_version",
    "vram_total_bytes",
    "vram_used_bytes",
    "vram_free_bytes",
    "this_process_bytes",
    "utilization_percent",
    "memory_utilization_percent",
    "temperature_c",
    "power_draw_watts",
    "power_limit_watts",
    "graphics_clock_mhz",
    "max_graphics_clock_mhz",
    "memory_clock_mhz",
    "fan_percent",
)


class MonitorReader(Protocol):
    """What the routes need from the sampler: reads of its latest published state."""

    @property
    def interval_s(self) -> float: ...

    def latest(self) -> MonitorSnapshot | None: ...

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None: ...

    def wait_for_first(self, timeout_s: float) -> bool: ...

    def note_demand(self) -> None: ...

    def sample_cpu_ms(self) -> float | None: ...

    def history(self, seconds: float) -> list[MonitorSnapshot]: ...

    def inspect_gpu(self, index: int) -> tuple[GpuDevice, GpuDetails] | None: ...


# ComfyUI's loaded models on a device (torch index): (name, bytes on it); the host's.
DeviceModels = Callable[[int], Sequence[tuple[str, int | None]]]


def _settings(values: StoredMonitorSettings, persisted: bool) -> MonitorSettings:
    return MonitorSettings(
        sample_interval_s=values.sample_interval_s,
        min_sample_interval_s=SAMPLE_INTERVAL_MIN_S,
        max_sample_interval_s=SAMPLE_INTERVAL_MAX_S,
        default_sample_interval_s=SAMPLE_INTERVAL_DEFAULT_S,
        persisted=persisted,
    )


def monitor_endpoints(
    sampler: MonitorReader | None,
    version: str,
    settings: SettingsFile[StoredMonitorSettings] | None,
    device_models: DeviceModels | None = None,
) -> list[Endpoint]:
    """The status and settings routes; a missing sampler or settings group answers 503."""

    async def get_status(_call: Call[Any, Any, Any]) -> MonitorStatus:
        telemetry = require(sampler, "telemetry")
        telemetry.note_demand()
        caps, snapshot = telemetry.capabilities(), telemetry.latest()
        if caps is None or snapshot is None:
            # Waiting happens on a worker thread: the server loop never blocks on telemetry.
            await asyncio.get_running_loop().run_in_executor(
                None, telemetry.wait_for_first, FIRST_SAMPLE_WAIT_S
            )
            caps, snapshot = telemetry.capabilities(), telemetry.latest()
        if caps is None:
            raise ApiError(503, "unavailable", "telemetry is still starting; retry in a few seconds")
        hardware, gpu, caps_version = caps
        return MonitorStatus(
            plugin_version=version,
            hardware=hardware,
            gpu=gpu,
            capabilities_version=caps_version,
            snapshot=snapshot,
            sample_interval_s=telemetry.interval_s,
            sample_cpu_ms=telemetry.sample_cpu_ms(),
        )

    async def get_history(call: Call[Any, MonitorHistoryQuery, Any]) -> MonitorHistory:
        telemetry = require(sampler, "telemetry")
        # A page asking for history is a page looking: the sampler goes on at its interval.
        telemetry.note_demand()
        seconds = call.query.seconds
        # Up to 1,200 samples rebuilt from the ring (~40 ms with 8 GPUs): off the server loop.
        samples = await asyncio.get_running_loop().run_in_executor(None, telemetry.history, seconds)
        return MonitorHistory(
            seconds=seconds,
            max_seconds=MAX_HISTORY_SECONDS,
            sample_interval_s=telemetry.interval_s,
            samples=samples,
        )

    async def get_gpu(call: Call[GpuPath, Any, Any]) -> GpuInspection:
        telemetry = require(sampler, "telemetry")
        index = call.path.index

        def inspect() -> GpuInspection | None:
            found = telemetry.inspect_gpu(index)
            if found is None:
                return None
            device, details = found
            models = [
                ModelOnDevice(name=n, loaded_bytes=b)
                for n, b in (device_models(index) if device_models else [])
            ]
            models.sort(key=lambda m: -(m.loaded_bytes or 0))
            used, mine = details.vram_used_bytes, details.this_process_bytes
            return GpuInspection(
                device=device,
                inspected_at=time.time(),
                **{f: getattr(details, f) for f in _DETAIL_FIELDS},
                other_processes_bytes=max(0, used - mine) if used is not None and mine is not None else None,
                processes=list(details.processes),
                models=models,
            )

        # Driver calls (NVML's process list, clocks) block: off the server loop.
        inspection = await asyncio.get_running_loop().run_in_executor(None, inspect)
        if inspection is None:
            caps = telemetry.capabilities()
            known = ", ".join(str(d.index) for d in caps[1].devices) if caps is not None else ""
            raise ApiError(404, "not_found", f"no GPU {index} here (GPUs: {known or 'none'})")
        return inspection

    async def get_settings(_call: Call[Any, Any, Any]) -> MonitorSettings:
        group = require(settings, "the monitor settings group")
        return _settings(group.current(), group.persisted)

    async def put_settings(call: Call[Any, Any, MonitorSettingsUpdate]) -> MonitorSettings:
        group = require(settings, "the monitor settings group")
        interval_s = call.body.sample_interval_s
        # The file write (fsync) runs on a worker thread: the server loop never waits on the disk.
        updated = await asyncio.get_running_loop().run_in_executor(
            None, lambda: group.update(sample_interval_s=interval_s)
        )
        return _settings(updated.values, updated.persisted)

    return [
        Endpoint(
            method="GET",
            path="/swissarmyknife/monitor/status",
            operation_id="getMonitorStatus",
            summary="Machine capabilities and the latest telemetry snapshot",
            handler=get_status,
            response_model=MonitorStatus,
            tag="monitor",
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=GPU_PATH,
            operation_id="inspectGpu",
            summary="One GPU in detail: driver, memory by this process and others, clocks, processes, models",
            description=(
                "Read when asked, never per tick (NVML's process list and clocks on NVIDIA; what torch "
                "or amdsmi can tell elsewhere); a figure the device does not give is null. 404 for an "
                "index no source reports."
            ),
            handler=get_gpu,
            response_model=GpuInspection,
            tag="monitor",
            path_model=GpuPath,
            error_statuses=(404, 503),
        ),
        Endpoint(
            method="GET",
            path=HISTORY_PATH,
            operation_id="getMonitorHistory",
            summary="The samples of the last `seconds` (300 by default, 600 at most), oldest first",
            description=(
                "From the sampler's ring of the samples it took (never an extra sample): a page opened "
                "now draws its sparklines at once. Sparse where nobody looked (the sampler idles)."
            ),
            handler=get_history,
            response_model=MonitorHistory,
            tag="monitor",
            query_model=MonitorHistoryQuery,
            error_statuses=(503,),
        ),
        Endpoint(
            method="GET",
            path=SETTINGS_PATH,
            operation_id="getMonitorSettings",
            summary="The sample interval and its limits",
            handler=get_settings,
            response_model=MonitorSettings,
            tag="monitor",
        ),
        Endpoint(
            method="PUT",
            path=SETTINGS_PATH,
            operation_id="updateMonitorSettings",
            summary="Change the sample interval (0.5-10 s); applies at once and is saved",
            description=(
                "Takes effect at the next tick and, when the host has a user directory, survives a "
                "restart. A value out of range is refused with 400 and the allowed range."
            ),
            handler=put_settings,
            response_model=MonitorSettings,
            tag="monitor",
            body_model=MonitorSettingsUpdate,
        ),
    ]
