"""Deterministic stand-ins for the CPU and GPU sources, for the standalone host and end-to-end tests."""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from ..schemas import GpuDevice, GpuMetricSupport, GpuSample, GpuVendor, HardwareCapabilities
from ..schemas.monitor import GpuProcess
from .base import CpuReading, GpuDetails, GpuProbe, TorchBackend, details_from_sample
from .cpu import process_name

GIB = 1024**3

FakeGpuMetric = Literal[
    "utilization_percent",
    "vram_used_bytes",
    "vram_total_bytes",
    "temperature_c",
    "power_draw_watts",
    "power_limit_watts",
]
FAKE_GPU_METRICS: tuple[FakeGpuMetric, ...] = get_args(FakeGpuMetric)


@dataclass(frozen=True)
class FakeGpuSpec:
    """One fake GPU; its torch index is its position in the list.

    Attributes:
        name: the marketing name shown on the tile.
        vram_total_bytes: its memory size.
        vendor: reported vendor.
        uuid: reported UUID.
        pci_bus_id: reported PCI address.
        power_limit_watts: board power limit; power draw follows utilisation up to it.
        period_s: length of one load cycle; utilisation and VRAM follow a sine wave.
        phase: offset of the cycle in radians, so two GPUs do not move in lockstep.
        missing: metric -> ``(start_s, end_s)`` window, in seconds since the source was created,
            during which that metric reads ``None`` (``end_s`` ``None`` = for good).
    """

    name: str
    vram_total_bytes: int
    vendor: GpuVendor = "nvidia"
    uuid: str | None = None
    pci_bus_id: str | None = None
    power_limit_watts: float = 350.0
    period_s: float = 20.0
    phase: float = 0.0
    missing: Mapping[FakeGpuMetric, tuple[float, float | None]] = field(default_factory=dict)


DEFAULT_FAKE_GPUS: tuple[FakeGpuSpec, ...] = (
    FakeGpuSpec(
        name="NVIDIA GeForce RTX 3090 Ti",
        vram_total_bytes=24 * GIB,
        uuid="GPU-5f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
        pci_bus_id="0000:01:00.0",
        power_limit_watts=450.0,
        period_s=20.0,
        phase=0.0,
    ),
    FakeGpuSpec(
        name="NVIDIA RTX A6000",
        vram_total_bytes=48 * GIB,
        uuid="GPU-9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        pci_bus_id="0000:41:00.0",
        power_limit_watts=300.0,
        period_s=33.0,
        phase=1.3,
    ),
)


#: How many fake GPUs the standalone host may simulate (``--fake-gpu-count``).
MAX_FAKE_GPUS = 16


def fake_gpu_specs(count: int) -> tuple[FakeGpuSpec, ...]:
    """The default GPUs, then more H100s (a multi-GPU box), each with its own UUID, bus and load curve.

    Raises:
        ValueError: ``count`` below 1 or above ``MAX_FAKE_GPUS``.
    """
    if not 1 <= count <= MAX_FAKE_GPUS:
        raise ValueError(f"fake GPU count must be 1 to {MAX_FAKE_GPUS}, not {count}")
    extra = tuple(
        FakeGpuSpec(
            name="NVIDIA H100 80GB HBM3",
            vram_total_bytes=80 * GIB,
            uuid=f"GPU-00000000-0000-4000-8000-{index:012x}",
            pci_bus_id=f"0000:{0x80 + index:02x}:00.0",
            power_limit_watts=700.0,
            period_s=17.0 + 3 * index,
            phase=0.9 * index,
        )
        for index in range(len(DEFAULT_FAKE_GPUS), count)
    )
    return (DEFAULT_FAKE_GPUS + extra)[:count]


class FakeGpuSource:
    """GPUs whose load follows a smooth, repeatable curve of time; metrics can be made to go missing."""

    def __init__(
        self,
        specs: Sequence[FakeGpuSpec] = DEFAULT_FAKE_GPUS,
        *,
        clock: Callable[[], float] = time.monotonic,
        torch_backend: TorchBackend | None = "cuda",
    ) -> None:
        """Create the fake GPUs.

        Args:
            specs: the GPUs, in torch-index order.
            clock: monotonic seconds; the curves are a function of ``clock() - start``.
            torch_backend: what to report as torch's backend (``None`` = torch missing).
        """
        self._specs = tuple(specs)
        self._clock = clock
        self._started_at = clock()
        self._torch_backend = torch_backend
        self._lock = threading.Lock()
        self._forced_missing: set[tuple[int, FakeGpuMetric]] = set()
        self._present = [True] * len(self._specs)
        self._probed_present: list[bool] | None = None

    @property
    def name(self) -> str:
        """``"fake"``."""
        return "fake"

    def set_metric_missing(self, index: int, metric: FakeGpuMetric, missing: bool = True) -> None:
        """Make one metric of one GPU read ``None`` (or read again) from the next tick on.

        Raises:
            ValueError: unknown GPU index or metric name.
        """
        self._check_index(index)
        if metric not in FAKE_GPU_METRICS:
            raise ValueError(f"unknown metric {metric!r}; expected one of {FAKE_GPU_METRICS}")
        with self._lock:
            if missing:
                self._forced_missing.add((index, metric))
            else:
                self._forced_missing.discard((index, metric))

    def set_present(self, index: int, present: bool) -> None:
        """Make a GPU disappear (or come back), as when a device falls off the bus.

        Raises:
            ValueError: unknown GPU index.
        """
        self._check_index(index)
        with self._lock:
            self._present[index] = present

    def probe(self, claimed_indices: frozenset[int]) -> GpuProbe:
        """List the present fake GPUs not claimed by an earlier source."""
        with self._lock:
            present = list(self._present)
            self._probed_present = present
        devices = tuple(
            GpuDevice(
                index=index,
                name=spec.name,
                vendor=spec.vendor,
                source="fake",
                uuid=spec.uuid,
                pci_bus_id=spec.pci_bus_id,
                vram_total_bytes=spec.vram_total_bytes,
                supports=GpuMetricSupport(utilization=True, vram=True, temperature=True, power=True),
            )
            for index, spec in enumerate(self._specs)
            if present[index] and index not in claimed_indices
        )
        return GpuProbe(
            devices=devices,
            torch_available=self._torch_backend is not None,
            torch_backend=self._torch_backend,
        )

    def sample(self) -> list[GpuSample]:
        """Read every present GPU at the current clock time."""
        elapsed_s = self._clock() - self._started_at
        with self._lock:
            present = list(self._present)
            forced = set(self._forced_missing)
        samples: list[GpuSample] = []
        for index, spec in enumerate(self._specs):
            if not present[index]:
                continue
            values = self._values(spec, elapsed_s)
            for metric in FAKE_GPU_METRICS:
                if (index, metric) in forced or _in_window(spec.missing.get(metric), elapsed_s):
                    values[metric] = None
            samples.append(GpuSample(index=index, **values))
        return samples

    def inspect(self, index: int) -> GpuDetails | None:
        """A sample's figures, a driver, clocks and two processes: this one (70 % of what is used)
        and another program (the rest), so the inspector's rows all have something to show."""
        details = details_from_sample(next((s for s in self.sample() if s.index == index), None))
        if details is None:
            return None
        used = details.vram_used_bytes or 0
        mine = int(used * 0.7)
        load = details.utilization_percent or 0.0
        return dataclasses.replace(
            details,
            driver_version="580.95.05",
            cuda_driver_version="13.0",
            this_process_bytes=mine,
            memory_utilization_percent=round(load * 0.6, 1),
            graphics_clock_mhz=round(1400 + 6 * load),
            max_graphics_clock_mhz=2100.0,
            memory_clock_mhz=10501.0,
            fan_percent=round(30 + 0.5 * load, 1),
            processes=(
                GpuProcess(
                    pid=os.getpid(),
                    name=process_name(os.getpid()),
                    used_bytes=mine,
                    kind="compute",
                    this_process=True,
                ),
                GpuProcess(
                    pid=4242, name="blender", used_bytes=used - mine, kind="graphics", this_process=False
                ),
            ),
        )

    def wants_probe(self) -> bool:
        """Whether a GPU appeared or disappeared since the last probe."""
        with self._lock:
            return self._probed_present is not None and self._probed_present != self._present

    def close(self) -> None:
        """Nothing to release."""

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self._specs):
            raise ValueError(f"no fake GPU {index}; there are {len(self._specs)}")

    @staticmethod
    def _values(spec: FakeGpuSpec, elapsed_s: float) -> dict[str, float | int | None]:
        angle = 2.0 * math.pi * elapsed_s / spec.period_s + spec.phase
        utilization_percent = round(50.0 + 45.0 * math.sin(angle), 1)  # 5..95 %
        vram_fraction = 0.35 + 0.25 * math.sin(0.5 * angle + 0.7)  # 10..60 %
        return {
            "utilization_percent": utilization_percent,
            "vram_used_bytes": int(spec.vram_total_bytes * vram_fraction),
            "vram_total_bytes": spec.vram_total_bytes,
            "temperature_c": round(35.0 + 0.5 * utilization_percent, 1),
            "power_draw_watts": round(spec.power_limit_watts * (0.15 + 0.8 * utilization_percent / 100.0), 1),
            "power_limit_watts": spec.power_limit_watts,
        }


def _in_window(window: tuple[float, float | None] | None, elapsed_s: float) -> bool:
    if window is None:
        return False
    start_s, end_s = window
    return elapsed_s >= start_s and (end_s is None or elapsed_s < end_s)


class FakeCpuSource:
    """A host whose CPU load and RAM follow a smooth, repeatable curve of time."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        cpu_model: str = "Fake 16-Core Processor",
        cores_physical: int = 16,
        cores_logical: int = 32,
        ram_total_bytes: int = 64 * GIB,
        period_s: float = 25.0,
        slow_facts_delay_s: float = 0.0,
    ) -> None:
        """Create the fake host.

        Args:
            clock: monotonic seconds; the curves are a function of ``clock() - start``.
            cpu_model: the brand reported once ``resolve_slow_facts`` ran (like py-cpuinfo).
            cores_physical: reported physical cores.
            cores_logical: reported logical cores.
            ram_total_bytes: reported RAM size.
            period_s: length of one load cycle.
            slow_facts_delay_s: real seconds ``resolve_slow_facts`` blocks, to mimic cpuinfo.
        """
        self._clock = clock
        self._started_at = clock()
        self._cpu_model = cpu_model
        self._cores_physical = cores_physical
        self._cores_logical = cores_logical
        self._ram_total_bytes = ram_total_bytes
        self._period_s = period_s
        self._slow_facts_delay_s = slow_facts_delay_s
        self._model_known = False

    def probe(self) -> HardwareCapabilities:
        """Report a Linux-like host with every metric available."""
        return HardwareCapabilities(
            psutil_available=True,
            cpuinfo_available=True,
            cpu_temperature_available=True,
            cpu_model=self._cpu_model if self._model_known else None,
            cpu_cores_physical=self._cores_physical,
            cpu_cores_logical=self._cores_logical,
            ram_total_bytes=self._ram_total_bytes,
            platform=sys.platform,
        )

    def resolve_slow_facts(self) -> bool:
        """Learn the CPU model, once, after ``slow_facts_delay_s``."""
        if self._model_known:
            return False
        if self._slow_facts_delay_s > 0:
            time.sleep(self._slow_facts_delay_s)
        self._model_known = True
        return True

    def prime(self) -> float:
        """A curve needs no baseline."""
        return 0.0

    def sample(self) -> CpuReading:
        """Read the curves at the current clock time."""
        angle = 2.0 * math.pi * (self._clock() - self._started_at) / self._period_s
        cpu_percent = round(40.0 + 30.0 * math.sin(angle), 1)
        return CpuReading(
            cpu_percent=cpu_percent,
            cpu_frequency_mhz=round(3000.0 + 10.0 * cpu_percent, 1),
            cpu_temperature_c=round(40.0 + 0.4 * cpu_percent, 1),
            ram_used_bytes=int(self._ram_total_bytes * (0.45 + 0.2 * math.sin(0.3 * angle))),
            ram_total_bytes=self._ram_total_bytes,
        )

    def close(self) -> None:
        """Nothing to release."""
