"""Telemetry at our own seam: canned capability and snapshot models, and a fake sampler."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from backend.schemas import (
    GpuCapabilities,
    GpuDevice,
    GpuMetricSupport,
    GpuSample,
    HardwareCapabilities,
    MonitorSnapshot,
)
from backend.telemetry.schedule import validate_interval_s


def make_hardware(**overrides: Any) -> HardwareCapabilities:
    values: dict[str, Any] = {
        "psutil_available": True,
        "cpuinfo_available": True,
        "cpu_temperature_available": False,
        "cpu_model": "Test CPU 9000",
        "cpu_cores_physical": 4,
        "cpu_cores_logical": 8,
        "ram_total_bytes": 32 * 1024**3,
        "platform": "linux",
    }
    values.update(overrides)
    return HardwareCapabilities(**values)


def make_gpu_caps(count: int = 1) -> GpuCapabilities:
    support = GpuMetricSupport(utilization=True, vram=True, temperature=True, power=True)
    devices = [
        GpuDevice(
            index=i,
            name=f"NVIDIA Test {i}",
            vendor="nvidia",
            source="fake",
            uuid=f"GPU-{i:08d}",
            pci_bus_id=f"00000000:0{i}:00.0",
            vram_total_bytes=24 * 1024**3,
            supports=support,
        )
        for i in range(count)
    ]
    return GpuCapabilities(
        nvml_available=count > 0, torch_available=True, torch_backend="cuda", devices=devices
    )


def make_snapshot(gpu_count: int = 1, cpu_percent: float | None = 12.5) -> MonitorSnapshot:
    return MonitorSnapshot(
        sampled_at=time.time(),
        cpu_percent=cpu_percent,
        cpu_frequency_mhz=3600.0,
        cpu_temperature_c=None,
        ram_used_bytes=8 * 1024**3,
        ram_total_bytes=32 * 1024**3,
        gpus=[
            GpuSample(
                index=i,
                utilization_percent=40.0,
                vram_used_bytes=4 * 1024**3,
                vram_total_bytes=24 * 1024**3,
                temperature_c=55.0,
                power_draw_watts=120.0,
                power_limit_watts=350.0,
            )
            for i in range(gpu_count)
        ],
    )


def make_vram_snapshot(used_bytes: dict[int, int | None], total_bytes: int = 24 * 1024**3) -> MonitorSnapshot:
    """A snapshot whose GPUs (by torch index) read only their VRAM: what Clear VRAM measures."""
    gpus = [
        GpuSample(
            index=index,
            utilization_percent=None,
            vram_used_bytes=used,
            vram_total_bytes=total_bytes,
            temperature_c=None,
            power_draw_watts=None,
            power_limit_watts=None,
        )
        for index, used in used_bytes.items()
    ]
    return make_snapshot(gpu_count=0).model_copy(update={"gpus": gpus})


class FakeSampler:
    """Implements backend.api.monitor.MonitorReader with canned, settable state."""

    def __init__(self, ready: bool = True, gpu_count: int = 1) -> None:
        self.interval_s = 2.0
        self.demand_notes = 0
        self.history_asked: list[float] = []
        self.waits: list[float] = []
        self._snapshot = make_snapshot(gpu_count) if ready else None
        self._caps = (make_hardware(), make_gpu_caps(gpu_count), 1) if ready else None
        self.on_wait: Callable[[], None] | None = None

    def latest(self) -> MonitorSnapshot | None:
        return self._snapshot

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None:
        return self._caps

    def wait_for_first(self, timeout_s: float) -> bool:
        self.waits.append(timeout_s)
        if self.on_wait:
            self.on_wait()
        return self._snapshot is not None

    def note_demand(self) -> None:
        self.demand_notes += 1

    def sample_cpu_ms(self) -> float | None:
        return 0.2 if self._snapshot is not None else None

    def history(self, seconds: float) -> list[MonitorSnapshot]:
        self.history_asked.append(seconds)
        return [self._snapshot] if self._snapshot is not None else []

    def set_interval(self, interval_s: float) -> None:
        # The real sampler's own check, so API tests see exactly what it refuses.
        self.interval_s = validate_interval_s(interval_s)

    def become_ready(self) -> None:
        self._snapshot = make_snapshot()
        self._caps = (make_hardware(), make_gpu_caps(), 1)
