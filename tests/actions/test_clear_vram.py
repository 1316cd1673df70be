"""ClearVram: refused while busy, one at a time, measured through the sampler, unloaded by the host."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from backend.actions import ActionConflictError, ClearVram, HostBusyError
from backend.schemas import GpuCapabilities, HardwareCapabilities, MonitorSnapshot, QueueState
from tests.support.telemetry import make_gpu_caps, make_hardware, make_vram_snapshot

GIB = 1024**3


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
    queue: QueueState = field(default_factory=lambda: QueueState(running=0, queued=0))
    on_unload: Callable[[], None] | None = None

    def queue_state(self) -> QueueState:
        return self.queue

    def unload_models(self) -> int | None:
        self.calls += 1
        if self.on_unload is not None:
            self.on_unload()
        if self.error:
            raise self.error
        return self.unloaded


def test_reports_before_after_and_freed_per_device() -> None:
    sampler = Sampler(
        [make_vram_snapshot({0: 20 * GIB, 1: 5 * GIB}), make_vram_snapshot({0: 4 * GIB, 1: 6 * GIB})]
    )
    result = ClearVram(Host(), sampler).clear()
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
    sampler = Sampler([make_vram_snapshot({0: None, 1: 3 * GIB}), RuntimeError("NVML lost")])
    result = ClearVram(Host(unloaded=None), sampler).clear()
    assert result.models_unloaded is None
    assert [d.vram_freed_bytes for d in result.devices] == [None, None]
    assert result.vram_freed_bytes is None
    assert [d.vram_used_before_bytes for d in result.devices] == [None, 3 * GIB]


def test_no_gpus_means_no_devices() -> None:
    sampler = Sampler(
        [make_vram_snapshot({}), make_vram_snapshot({})], caps=(make_hardware(), make_gpu_caps(0), 1)
    )
    result = ClearVram(Host(unloaded=0), sampler).clear()
    assert result.devices == [] and result.vram_freed_bytes is None and result.models_unloaded == 0


def test_a_busy_host_measures_nothing_after() -> None:
    sampler = Sampler([make_vram_snapshot({0: GIB})])
    with pytest.raises(HostBusyError):
        ClearVram(Host(error=HostBusyError("busy")), sampler).clear()
    assert sampler.snapshots == []


def test_a_busy_queue_is_refused_before_anything_is_measured_or_unloaded() -> None:
    host = Host(queue=QueueState(running=1, queued=2))
    sampler = Sampler([make_vram_snapshot({0: GIB})])
    with pytest.raises(HostBusyError, match="1 workflow is running and 2 are queued"):
        ClearVram(host, sampler).clear()
    assert host.calls == 0 and len(sampler.snapshots) == 1


def test_an_unreadable_queue_does_not_block_clearing() -> None:
    class Broken(Host):
        def queue_state(self) -> QueueState:
            raise RuntimeError("no prompt queue")

    sampler = Sampler([make_vram_snapshot({0: 2 * GIB}), make_vram_snapshot({0: GIB})])
    assert ClearVram(Broken(), sampler).clear().vram_freed_bytes == GIB


def test_a_second_clear_while_one_runs_is_a_conflict() -> None:
    entered, release = threading.Event(), threading.Event()
    host = Host(on_unload=lambda: (entered.set(), release.wait(5)))
    clear = ClearVram(host, Sampler([make_vram_snapshot({0: GIB})] * 4))
    first = threading.Thread(target=clear.clear)
    first.start()
    assert entered.wait(5)
    with pytest.raises(ActionConflictError, match="already"):
        clear.clear()
    release.set()
    first.join(5)
    assert host.calls == 1
    clear.clear()  # the lock is released once the first is done
    assert host.calls == 2
