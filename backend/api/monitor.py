"""Monitor routes: capabilities and the latest snapshot."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from ..schemas import GpuCapabilities, HardwareCapabilities, MonitorSnapshot, MonitorStatus
from .endpoints import Call, Endpoint
from .errors import ApiError

# How long a first request waits for the sampler's very first sample (cpuinfo alone takes ~1 s).
FIRST_SAMPLE_WAIT_S = 5.0


class MonitorReader(Protocol):
    """What the routes need from the sampler: reads of its latest published state."""

    @property
    def interval_s(self) -> float: ...

    def latest(self) -> MonitorSnapshot | None: ...

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None: ...

    def wait_for_first(self, timeout_s: float) -> bool: ...

    def note_demand(self) -> None: ...


def monitor_endpoints(sampler: MonitorReader, version: str) -> list[Endpoint]:
    async def get_status(_call: Call[Any, Any]) -> MonitorStatus:
        sampler.note_demand()
        caps, snapshot = sampler.capabilities(), sampler.latest()
        if caps is None or snapshot is None:
            # Waiting happens on a worker thread: the server loop never blocks on telemetry.
            await asyncio.get_running_loop().run_in_executor(
                None, sampler.wait_for_first, FIRST_SAMPLE_WAIT_S
            )
            caps, snapshot = sampler.capabilities(), sampler.latest()
        if caps is None:
            raise ApiError(503, "unavailable", "telemetry is still starting; retry in a few seconds")
        hardware, gpu, caps_version = caps
        return MonitorStatus(
            plugin_version=version,
            hardware=hardware,
            gpu=gpu,
            capabilities_version=caps_version,
            snapshot=snapshot,
            sample_interval_s=sampler.interval_s,
        )

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
        )
    ]
