"""Test doubles at our own seams: module objects handed to the loaders, and instrumented sources.

Long on purpose: it doubles the hardware libraries at our seams (NVML, amdsmi, torch's device APIs)
and instruments sources for every telemetry test; each double is small and stands alone.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from backend.schemas import GpuDevice, GpuMetricSupport, GpuSample
from backend.telemetry.base import CpuReading, GpuProbe
from backend.telemetry.fake import FakeCpuSource


class ManualClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def messages(caplog: pytest.LogCaptureFixture, needle: str) -> list[str]:
    """Lines from the pack's logger that contain ``needle``."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "swissarmyknife" and needle in record.getMessage()
    ]


# --------------------------------------------------------------------------------------------
# NVML: a module object with pynvml's function names, handed to Nvml(load=...).

UNINITIALIZED = 1
NOT_SUPPORTED = 3
NOT_FOUND = 6
LIBRARY_NOT_FOUND = 12
GPU_IS_LOST = 15
TIMEOUT = 10
INVALID_ARGUMENT = 2


class FakeNVMLError(Exception):
    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return {
            UNINITIALIZED: "Uninitialized",
            NOT_SUPPORTED: "Not Supported",
            NOT_FOUND: "Not Found",
            LIBRARY_NOT_FOUND: "NVML Shared Library Not Found",
            GPU_IS_LOST: "GPU is lost",
            TIMEOUT: "Timeout",
            INVALID_ARGUMENT: "Invalid Argument",
        }.get(self.value, f"NVML error {self.value}")


@dataclass
class FakeNvmlGpu:
    name: str
    uuid: str
    bus_id: bytes
    total_bytes: int = 24 * 1024**3
    used_bytes: int = 4 * 1024**3
    utilization_percent: int = 37
    temperature_c: int = 61
    power_mw: int = 215_000
    power_limit_mw: int = 450_000
    unsupported: set[str] = field(default_factory=set)
    mig_children: list[FakeNvmlGpu] = field(default_factory=list)


@dataclass(frozen=True)
class FakeHandle:
    generation: int
    gpu: FakeNvmlGpu
    parent: FakeNvmlGpu | None = None


class FakeNvmlModule:
    """pynvml's surface over a list of fake GPUs; handles go stale when NVML is re-initialised."""

    NVMLError = FakeNVMLError

    def __init__(self, gpus: list[FakeNvmlGpu], *, init_error: int | None = None) -> None:
        self.gpus = gpus
        self.init_error = init_error
        self.initialized = False
        self.generation = 0
        self.lost = False
        self.fail_next: dict[str, int] = {}
        self.missing: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("nvml") and name in object.__getattribute__(self, "missing"):
            raise AttributeError(name)
        return object.__getattribute__(self, name)

    # -- lifecycle
    def nvmlInit(self) -> None:
        self.calls["nvmlInit"] += 1
        if self.init_error is not None:
            raise FakeNVMLError(self.init_error)
        self.initialized = True
        self.generation += 1

    def nvmlShutdown(self) -> None:
        self.calls["nvmlShutdown"] += 1
        if not self.initialized:
            raise FakeNVMLError(UNINITIALIZED)
        self.initialized = False

    def _enter(self, name: str, handle: FakeHandle | None = None) -> FakeNvmlGpu | None:
        self.calls[name] += 1
        if not self.initialized:
            raise FakeNVMLError(UNINITIALIZED)
        if name in self.fail_next:
            raise FakeNVMLError(self.fail_next.pop(name))
        if handle is None:
            return None
        if self.lost:
            raise FakeNVMLError(GPU_IS_LOST)
        if handle.generation != self.generation:
            raise FakeNVMLError(INVALID_ARGUMENT)
        if name in handle.gpu.unsupported:
            raise FakeNVMLError(NOT_SUPPORTED)
        return handle.gpu

    # -- enumeration
    def nvmlDeviceGetCount(self) -> int:
        self._enter("nvmlDeviceGetCount")
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> FakeHandle:
        self._enter("nvmlDeviceGetHandleByIndex")
        return FakeHandle(self.generation, self.gpus[index])

    def nvmlDeviceGetName(self, handle: FakeHandle) -> str:
        gpu = self._enter("nvmlDeviceGetName", handle)
        assert gpu is not None
        return gpu.name

    def nvmlDeviceGetUUID(self, handle: FakeHandle) -> str:
        gpu = self._enter("nvmlDeviceGetUUID", handle)
        assert gpu is not None
        return gpu.uuid

    def nvmlDeviceGetPciInfo(self, handle: FakeHandle) -> SimpleNamespace:
        gpu = self._enter("nvmlDeviceGetPciInfo", handle)
        assert gpu is not None
        return SimpleNamespace(busId=gpu.bus_id)

    def nvmlDeviceGetMigMode(self, handle: FakeHandle) -> list[int]:
        gpu = self._enter("nvmlDeviceGetMigMode", handle)
        assert gpu is not None
        mode = 1 if gpu.mig_children else 0
        return [mode, mode]

    def nvmlDeviceGetMaxMigDeviceCount(self, handle: FakeHandle) -> int:
        gpu = self._enter("nvmlDeviceGetMaxMigDeviceCount", handle)
        assert gpu is not None
        return len(gpu.mig_children) + 1  # one empty slot at the end

    def nvmlDeviceGetMigDeviceHandleByIndex(self, handle: FakeHandle, slot: int) -> FakeHandle:
        gpu = self._enter("nvmlDeviceGetMigDeviceHandleByIndex", handle)
        assert gpu is not None
        if slot >= len(gpu.mig_children):
            raise FakeNVMLError(NOT_FOUND)
        return FakeHandle(self.generation, gpu.mig_children[slot], parent=gpu)

    # -- metrics
    def nvmlDeviceGetMemoryInfo(self, handle: FakeHandle) -> SimpleNamespace:
        gpu = self._enter("nvmlDeviceGetMemoryInfo", handle)
        assert gpu is not None
        return SimpleNamespace(
            total=gpu.total_bytes, used=gpu.used_bytes, free=gpu.total_bytes - gpu.used_bytes
        )

    def nvmlDeviceGetUtilizationRates(self, handle: FakeHandle) -> SimpleNamespace:
        gpu = self._enter("nvmlDeviceGetUtilizationRates", handle)
        assert gpu is not None
        return SimpleNamespace(gpu=gpu.utilization_percent, memory=10)

    def nvmlDeviceGetTemperature(self, handle: FakeHandle, sensor: int) -> int:
        gpu = self._enter("nvmlDeviceGetTemperature", handle)
        assert gpu is not None and sensor == 0
        return gpu.temperature_c

    def nvmlDeviceGetPowerUsage(self, handle: FakeHandle) -> int:
        gpu = self._enter("nvmlDeviceGetPowerUsage", handle)
        assert gpu is not None
        return gpu.power_mw

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: FakeHandle) -> int:
        gpu = self._enter("nvmlDeviceGetEnforcedPowerLimit", handle)
        assert gpu is not None
        return gpu.power_limit_mw


def two_nvml_gpus() -> list[FakeNvmlGpu]:
    return [
        FakeNvmlGpu(
            name="NVIDIA GeForce RTX 3090 Ti",
            uuid="GPU-aaaaaaaa-1111-2222-3333-444444444444",
            bus_id=b"00000000:01:00.0",
        ),
        FakeNvmlGpu(
            name="NVIDIA RTX A6000",
            uuid="GPU-bbbbbbbb-1111-2222-3333-444444444444",
            bus_id=b"00000000:41:00.0",
            total_bytes=48 * 1024**3,
            used_bytes=30 * 1024**3,
            utilization_percent=88,
            temperature_c=74,
            power_mw=280_500,
            power_limit_mw=300_000,
        ),
    ]


# --------------------------------------------------------------------------------------------
# amdsmi: the members AmdSmiGpuSource uses, over two GPUs.


class AmdSmiException(Exception):
    pass


class FakeAmdSmi:
    """The amdsmi members the source uses, over two GPUs."""

    AmdSmiInitFlags = SimpleNamespace(INIT_AMD_GPUS=2)
    AmdSmiTemperatureType = SimpleNamespace(EDGE=0, HOTSPOT=1, JUNCTION=1)
    AmdSmiTemperatureMetric = SimpleNamespace(CURRENT=0)

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.init_error: Exception | None = None
        self.gpus = [
            {
                "bdf": "0000:03:00.0",
                "uuid": "58ff744c-0000-1000-80b1-d1c6d2c9a1c5",
                "market_name": "AMD Radeon RX 7900 XTX",
                "activity": {"gfx_activity": 73, "umc_activity": 20, "mm_activity": "N/A"},
                "vram": {"vram_total": 24560, "vram_used": 6144},
                "temps": {0: 58, 1: 71},
                "power": {"current_socket_power": "N/A", "average_socket_power": 288, "power_limit": 327},
                "cap": {"power_cap": 327_000_000},
            },
            {
                "bdf": "0000:83:00.0",
                "uuid": "a1ff744c-0000-1000-80b1-d1c6d2c9a1c5",
                "market_name": "AMD Instinct MI300X",
                "activity": {"gfx_activity": "N/A"},
                "vram": {"vram_total": 196592, "vram_used": 1024},
                "temps": {0: "N/A", 1: 45},  # no edge sensor on MI parts
                "power": {"current_socket_power": 550},
                "cap": {"power_cap": 750_000_000},
            },
        ]
        self.broken: set[str] = set()

    def _gpu(self, name: str, handle: int) -> dict[str, Any]:
        self.calls[name] += 1
        if name in self.broken:
            raise AmdSmiException(f"{name}: AMDSMI_STATUS_BUSY")
        return self.gpus[handle]

    def amdsmi_init(self, flags: int = 0) -> None:
        self.calls["amdsmi_init"] += 1
        assert flags == 2
        if self.init_error is not None:
            raise self.init_error

    def amdsmi_shut_down(self) -> None:
        self.calls["amdsmi_shut_down"] += 1

    def amdsmi_get_processor_handles(self) -> list[int]:
        return list(range(len(self.gpus)))

    def amdsmi_get_gpu_device_bdf(self, handle: int) -> str:
        return str(self._gpu("bdf", handle)["bdf"])

    def amdsmi_get_gpu_device_uuid(self, handle: int) -> str:
        return str(self._gpu("uuid", handle)["uuid"])

    def amdsmi_get_gpu_asic_info(self, handle: int) -> dict[str, Any]:
        return {"market_name": self._gpu("asic", handle)["market_name"], "vendor_id": 0x1002}

    def amdsmi_get_gpu_activity(self, handle: int) -> Any:
        return self._gpu("amdsmi_get_gpu_activity", handle)["activity"]

    def amdsmi_get_gpu_vram_usage(self, handle: int) -> Any:
        return self._gpu("amdsmi_get_gpu_vram_usage", handle)["vram"]

    def amdsmi_get_temp_metric(self, handle: int, sensor: int, metric: int) -> Any:
        assert metric == 0
        return self._gpu("amdsmi_get_temp_metric", handle)["temps"][sensor]

    def amdsmi_get_power_info(self, handle: int) -> Any:
        return self._gpu("amdsmi_get_power_info", handle)["power"]

    def amdsmi_get_power_cap_info(self, handle: int) -> Any:
        return self._gpu("amdsmi_get_power_cap_info", handle)["cap"]


# --------------------------------------------------------------------------------------------
# torch: a module object with the members TorchRuntime/TorchGpuSource use.


class FakeCuda:
    """torch.cuda: records whether anything would have initialised CUDA."""

    def __init__(self, devices: list[SimpleNamespace], *, initialized: bool, current: int = 0) -> None:
        self.devices = devices
        self.initialized = initialized
        self.current = current
        self.reserved: dict[int, int] = {}
        self.free: dict[int, int] = {}
        self.calls: Counter[str] = Counter()
        self.initialised_by_caller = False

    def _needs_init(self, name: str) -> None:
        self.calls[name] += 1
        if not self.initialized:
            # Real torch would lazily initialise CUDA here; the code under test must not do that.
            self.initialised_by_caller = True
            self.initialized = True

    def is_available(self) -> bool:
        self.calls["is_available"] += 1
        return bool(self.devices)

    def is_initialized(self) -> bool:
        return self.initialized

    def device_count(self) -> int:
        self.calls["device_count"] += 1
        return len(self.devices)

    def get_device_properties(self, index: int) -> SimpleNamespace:
        self._needs_init("get_device_properties")
        return self.devices[index]

    def current_device(self) -> int:
        self._needs_init("current_device")
        return self.current

    def memory_reserved(self, index: int) -> int:
        self.calls["memory_reserved"] += 1
        return self.reserved.get(index, 0)

    def mem_get_info(self, index: int) -> tuple[int, int]:
        self._needs_init("mem_get_info")
        self.calls[f"mem_get_info:{index}"] += 1
        total = int(self.devices[index].total_memory)
        return self.free.get(index, total // 2), total


def cuda_props(
    name: str, total_memory: int, *, uuid: str | None, bus: int | None, domain: int = 0, device: int = 0
) -> SimpleNamespace:
    props = SimpleNamespace(name=name, total_memory=total_memory, uuid=uuid)
    if bus is not None:
        props.pci_domain_id = domain
        props.pci_bus_id = bus
        props.pci_device_id = device
    return props


def fake_torch(
    *,
    cuda: FakeCuda | None = None,
    hip: str | None = None,
    xpu: Any = None,
    mps: Any = None,
) -> SimpleNamespace:
    mps_available = mps is not None
    return SimpleNamespace(
        version=SimpleNamespace(hip=hip, cuda=None if hip else "12.8"),
        cuda=cuda if cuda is not None else FakeCuda([], initialized=False),
        xpu=xpu if xpu is not None else SimpleNamespace(is_available=lambda: False),
        backends=SimpleNamespace(mps=SimpleNamespace(is_available=lambda: mps_available)),
        mps=mps,
    )


# --------------------------------------------------------------------------------------------
# Instrumented sources for sampler tests.


class CountingCpuSource(FakeCpuSource):
    """FakeCpuSource that counts samples and can be told to return poison values."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.samples = 0
        self.closed = 0
        self.poison = False
        self.raise_next = False
        self._count_lock = threading.Lock()

    def sample(self) -> CpuReading:
        with self._count_lock:
            self.samples += 1
        if self.raise_next:
            self.raise_next = False
            raise OSError("sensor went away")
        if self.poison:
            return CpuReading(
                cpu_percent=math.nan,
                cpu_frequency_mhz=math.inf,
                cpu_temperature_c=-math.inf,
                ram_used_bytes=-5,
                ram_total_bytes=0,
            )
        return super().sample()

    def close(self) -> None:
        self.closed += 1


class ScriptedGpuSource:
    """A GPU source whose samples the test writes directly (NaN included)."""

    def __init__(self, indices: tuple[int, ...] = (0,), *, name: str = "scripted") -> None:
        self.indices = indices
        self._name = name
        self.next_values: dict[int, dict[str, Any]] = {}
        self.raise_on_sample: Exception | None = None
        self.raise_on_probe: Exception | None = None
        self.closed = 0
        self.probes = 0

    @property
    def name(self) -> str:
        return self._name

    def probe(self, claimed_indices: frozenset[int]) -> GpuProbe:
        self.probes += 1
        if self.raise_on_probe is not None:
            raise self.raise_on_probe
        return GpuProbe(
            devices=tuple(
                GpuDevice(
                    index=index,
                    name=f"Scripted {index}",
                    vendor="other",
                    source="fake",
                    uuid=None,
                    pci_bus_id=None,
                    vram_total_bytes=8 * 1024**3,
                    supports=GpuMetricSupport(utilization=True, vram=True, temperature=True, power=True),
                )
                for index in self.indices
                if index not in claimed_indices
            )
        )

    def sample(self) -> list[GpuSample]:
        if self.raise_on_sample is not None:
            raise self.raise_on_sample
        samples = []
        for index in self.indices:
            values: dict[str, Any] = {
                "utilization_percent": 50.0,
                "vram_used_bytes": 1024,
                "vram_total_bytes": 8 * 1024**3,
                "temperature_c": 60.0,
                "power_draw_watts": 100.0,
                "power_limit_watts": 200.0,
            }
            values.update(self.next_values.get(index, {}))
            samples.append(GpuSample.model_construct(index=index, **values))
        return samples

    def wants_probe(self) -> bool:
        return False

    def close(self) -> None:
        self.closed += 1


def wait_until(predicate: Callable[[], bool], timeout_s: float = 3.0) -> bool:
    """Poll ``predicate`` every 10 ms (no fixed sleeps); True as soon as it holds."""
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()
    while time.monotonic() < deadline:
        if predicate():
            return True
        pause.wait(0.01)
    return predicate()
