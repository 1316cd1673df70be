"""The seams every telemetry source implements and the plain records they hand to the sampler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from ..schemas import GpuDevice, GpuSample, HardwareCapabilities

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

    def wants_probe(self) -> bool:
        """Whether the source knows its device list is stale (e.g. the library re-initialised)."""
        ...

    def close(self) -> None:
        """Shut the vendor library down."""
        ...
