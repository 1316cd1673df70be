"""The seams every telemetry source implements and the plain records they hand to the sampler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from ..schemas import GpuDevice, GpuSample, HardwareCapabilities
from ..schemas.monitor import GpuProcess

TorchBackend = Literal["cuda", "rocm", "xpu", "mps", "cpu"]


@dataclass(frozen=True, slots=True)
class CpuReading:
    """One tick of host metrics; ``None`` means unavailable for this tick."""

    cpu_percent: float | None = None
    cpu_frequency_mhz: float | None = None
    cpu_temperature_c: float | None = None
    ram_used_bytes: int | None = None
    ram_total_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class GpuProbe:
    """What one GPU source found: its devices (torch indices) and which libraries answered."""

    devices: tuple[GpuDevice, ...] = ()
    nvml_available: bool = False
    torch_available: bool = False
    torch_backend: TorchBackend | None = None


def empty_gpu_sample(index: int) -> GpuSample:
    """A sample for device ``index`` whose every metric is unavailable this tick."""
    return GpuSample(
        index=index,
        utilization_percent=None,
        vram_used_bytes=None,
        vram_total_bytes=None,
        temperature_c=None,
        power_draw_watts=None,
        power_limit_watts=None,
    )


class CpuSourceProtocol(Protocol):
    """The host's CPU and RAM: psutil/cpuinfo for real, a deterministic double in tests."""

    def probe(self) -> HardwareCapabilities:
        """Return what this host can report; cheap (no ``cpuinfo.get_cpu_info()`` here)."""
        ...

    def resolve_slow_facts(self) -> bool:
        """Look up facts too slow for a tick (the CPU brand, ~1 s); return True if one was learned.

        Called on the sampler thread only; cheap once everything is known.
        """
        ...

    def sample(self) -> CpuReading:
        """Read one tick; never raises for a single missing metric."""
        ...

    def prime(self) -> float:
        """Take the baseline that utilisation is measured against (it needs two readings), so the
        first ``sample`` already has a figure; return how long to wait before it, in seconds."""
        ...

    def close(self) -> None:
        """Release whatever the source holds."""
        ...


@dataclass(frozen=True)
class GpuDetails:
    """What a GPU source can tell of one device when asked (the inspector), beyond a tick's sample."""

    driver_version: str | None = None
    cuda_driver_version: str | None = None
    vram_total_bytes: int | None = None
    vram_used_bytes: int | None = None
    vram_free_bytes: int | None = None
    this_process_bytes: int | None = None
    utilization_percent: float | None = None
    memory_utilization_percent: float | None = None
    temperature_c: float | None = None
    power_draw_watts: float | None = None
    power_limit_watts: float | None = None
    graphics_clock_mhz: float | None = None
    max_graphics_clock_mhz: float | None = None
    memory_clock_mhz: float | None = None
    fan_percent: float | None = None
    processes: tuple[GpuProcess, ...] = ()


def details_from_sample(sample: GpuSample | None) -> GpuDetails | None:
    """The inspector's figures a tick's sample already has (sources without richer calls)."""
    if sample is None:
        return None
    used, total = sample.vram_used_bytes, sample.vram_total_bytes
    return GpuDetails(
        vram_total_bytes=total,
        vram_used_bytes=used,
        vram_free_bytes=max(0, total - used) if used is not None and total is not None else None,
        utilization_percent=sample.utilization_percent,
        temperature_c=sample.temperature_c,
        power_draw_watts=sample.power_draw_watts,
        power_limit_watts=sample.power_limit_watts,
    )


class GpuSourceProtocol(Protocol):
    """One way of seeing accelerators (NVML, amdsmi, torch, a fake)."""

    @property
    def name(self) -> str:
        """A short label for logs."""
        ...

    def probe(self, claimed_indices: frozenset[int]) -> GpuProbe:
        """Enumerate devices, leaving out torch indices an earlier source already reports.

        Args:
            claimed_indices: torch indices covered by a source with better metrics.
        """
        ...

    def sample(self) -> list[GpuSample]:
        """Read one tick for the devices found by the last ``probe``."""
        ...

    def inspect(self, index: int) -> GpuDetails | None:
        """One device in detail (blocking: driver calls); None when this source has no such index."""
        ...

    def wants_probe(self) -> bool:
        """Whether the source knows its device list is stale (e.g. the library re-initialised)."""
        ...

    def close(self) -> None:
        """Shut the vendor library down."""
        ...
