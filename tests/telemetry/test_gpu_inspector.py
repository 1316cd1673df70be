"""The GPU inspector's reads: NVML's driver, CUDA, clocks, fan and processes (this process told
apart from the others, NVML's 'not available' figure dropped), torch's fallback for this process's
share, and what a device without those calls leaves None."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from backend.telemetry.nvml import Nvml, NvmlGpuSource
from tests.support.hardware import FakeHandle, FakeNvmlModule, ManualClock, two_nvml_gpus

GIB = 1024**3
NOT_AVAILABLE = 2**64 - 1


class InspectableNvml(FakeNvmlModule):
    """The fake with the inspector's calls."""

    def __init__(self, processes: list[Any]) -> None:
        super().__init__(two_nvml_gpus())
        self.processes = processes

    def nvmlSystemGetDriverVersion(self) -> str:
        self._enter("nvmlSystemGetDriverVersion")
        return "580.95.05"

    def nvmlSystemGetCudaDriverVersion_v2(self) -> int:
        self._enter("nvmlSystemGetCudaDriverVersion_v2")
        return 13000

    def nvmlDeviceGetClockInfo(self, handle: FakeHandle, kind: int) -> int:
        self._enter("nvmlDeviceGetClockInfo", handle)
        return {0: 1905, 2: 10501}[kind]

    def nvmlDeviceGetMaxClockInfo(self, handle: FakeHandle, kind: int) -> int:
        self._enter("nvmlDeviceGetMaxClockInfo", handle)
        return 2100

    def nvmlDeviceGetFanSpeed(self, handle: FakeHandle) -> int:
        self._enter("nvmlDeviceGetFanSpeed", handle)
        return 47

    def nvmlDeviceGetComputeRunningProcesses(self, handle: FakeHandle) -> list[Any]:
        self._enter("nvmlDeviceGetComputeRunningProcesses", handle)
        return [p for p in self.processes if p.kind == "compute"]

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: FakeHandle) -> list[Any]:
        self._enter("nvmlDeviceGetGraphicsRunningProcesses", handle)
        return [p for p in self.processes if p.kind == "graphics"]


def _proc(pid: int, used: int, kind: str) -> SimpleNamespace:
    return SimpleNamespace(pid=pid, usedGpuMemory=used, kind=kind)


def _source(module: FakeNvmlModule, torch: Any = None) -> NvmlGpuSource:
    source = NvmlGpuSource(Nvml(lambda: module, clock=ManualClock()), environ={}, torch_runtime=torch)
    source.probe(frozenset())
    return source


def test_nvml_tells_driver_clocks_fan_and_processes_with_this_one_apart() -> None:
    module = InspectableNvml(
        [
            _proc(os.getpid(), 3 * GIB, "compute"),
            _proc(999_999, 1 * GIB, "graphics"),
            _proc(999_998, NOT_AVAILABLE, "compute"),
        ]
    )
    details = _source(module).inspect(0)
    assert details is not None
    assert (details.driver_version, details.cuda_driver_version) == ("580.95.05", "13.0")
    assert (details.graphics_clock_mhz, details.max_graphics_clock_mhz, details.memory_clock_mhz) == (
        1905,
        2100,
        10501,
    )
    assert details.fan_percent == 47 and details.memory_utilization_percent == 10
    assert details.vram_free_bytes == details.vram_total_bytes - details.vram_used_bytes  # type: ignore[operator]
    assert details.this_process_bytes == 3 * GIB
    by_pid = {p.pid: p for p in details.processes}
    assert by_pid[os.getpid()].this_process and by_pid[os.getpid()].name
    assert by_pid[999_999].kind == "graphics" and not by_pid[999_999].this_process
    assert by_pid[999_998].used_bytes is None, "NVML's 'not available' is no figure"
    assert details.processes[0].pid == os.getpid(), "largest first"


def test_in_a_container_this_process_is_torchs_figure_and_a_bare_device_leaves_nones() -> None:
    class Torch:
        def cuda_reserved_bytes(self, index: int) -> int:
            return 5 * GIB

        def cuda_identities(self) -> None:
            return None

    # NVML lists the host's pids: none is ours.
    details = _source(InspectableNvml([_proc(123, 6 * GIB, "compute")]), Torch()).inspect(0)
    assert details is not None and details.this_process_bytes == 5 * GIB
    # The base fake has none of the inspector's calls: those figures are None, the rest stands.
    bare = _source(FakeNvmlModule(two_nvml_gpus())).inspect(1)
    assert bare is not None and bare.vram_used_bytes == 30 * GIB
    assert (bare.driver_version, bare.fan_percent, bare.graphics_clock_mhz, bare.processes) == (
        None,
        None,
        None,
        (),
    )
    assert _source(FakeNvmlModule(two_nvml_gpus())).inspect(7) is None
