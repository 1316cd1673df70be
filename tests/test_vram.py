"""ServerActions.clear_vram: measure through the sampler, unload through the host, report per device."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from backend.api.actions import HostBusyError
from backend.schemas import GpuCapabilities, GpuSample, HardwareCapabilities, MonitorSnapshot, QueueState
from backend.vram import ServerActions
from tests.fakes import make_gpu_caps, make_hardware, make_snapshot

GIB = 1024**3


def _snapshot(used: dict[int, int | None]) -> MonitorSnapshot:
    base = make_snapshot(gpu_count=0)
    gpus = [
        GpuSample(
            index=i,
            utilization_percent=None,
            vram_used_bytes=u,
            vram_total_bytes=24 * GIB,
            temperature_c=None,
            power_draw_watts=None,
            power_limit_watts=None,
        )
        for i, u in used.items()
    ]
    return base.model_copy(update={"gpus": gpus})


@dataclass
class Sampler:
    snapshots: list[MonitorSnapshot | Exception]
    caps: tuple[HardwareCapabilities, GpuCapabilities, int] | None = field(
        default_factory=lambda: (make_hardware(), make_gpu_caps(2), 1)
    )

    def sample_once(self) -> MonitorSnapshot:
        item = self.snapshots.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None:
        return self.caps


@dataclass
class Host:
    unloaded: int | None = 2
    error: Exception | None = None
    calls: int = 0

    def queue_state(self) -> QueueState:
        return QueueState(running=0, queued=0)

    def unload_models(self) -> int | None:
        self.calls += 1
        if self.error:
            raise self.error
        return self.unloaded


def test_reports_before_after_and_freed_per_device() -> None:
    sampler = Sampler([_snapshot({0: 20 * GIB, 1: 5 * GIB}), _snapshot({0: 4 * GIB, 1: 6 * GIB})])
    result = ServerActions(Host(), sampler).clear_vram()
    assert result.models_unloaded == 2
    first, second = result.devices
    assert (first.index, first.name) == (0, "NVIDIA Test 0")
    assert (first.vram_used_before_bytes, first.vram_used_after_bytes, first.vram_freed_bytes) == (
        20 * GIB,
        4 * GIB,
        16 * GIB,
    )
    assert second.vram_freed_bytes == 0, "another process allocating meanwhile is not negative freeing"
    assert result.vram_freed_bytes == 16 * GIB
    assert first.vram_total_bytes == 24 * GIB


def test_unknown_readings_stay_none() -> None:
    sampler = Sampler([_snapshot({0: None, 1: 3 * GIB}), RuntimeError("NVML lost")])
    result = ServerActions(Host(unloaded=None), sampler).clear_vram()
    assert result.models_unloaded is None
    assert [d.vram_freed_bytes for d in result.devices] == [None, None]
    assert result.vram_freed_bytes is None
    assert [d.vram_used_before_bytes for d in result.devices] == [None, 3 * GIB]


def test_no_gpus_means_no_devices() -> None:
    sampler = Sampler([_snapshot({}), _snapshot({})], caps=(make_hardware(), make_gpu_caps(0), 1))
    result = ServerActions(Host(unloaded=0), sampler).clear_vram()
    assert result.devices == [] and result.vram_freed_bytes is None and result.models_unloaded == 0


def test_a_busy_host_measures_nothing_after() -> None:
    sampler = Sampler([_snapshot({0: GIB})])
    with pytest.raises(HostBusyError):
        ServerActions(Host(error=HostBusyError("busy")), sampler).clear_vram()
    assert sampler.snapshots == []
