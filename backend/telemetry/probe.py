"""Build the capability description from every source, re-probe it, and version its changes."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from .. import log
from ..schemas import GpuCapabilities, GpuDevice, HardwareCapabilities
from .base import GpuSourceProtocol, TorchBackend
from .sources import TelemetrySources

DEFAULT_REPROBE_INTERVAL_S = 30.0


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the machine can report, with a version that changes only when that does."""

    hardware: HardwareCapabilities
    gpu: GpuCapabilities
    version: int


def _fallback_hardware() -> HardwareCapabilities:
    return HardwareCapabilities(
        psutil_available=False,
        cpuinfo_available=False,
        cpu_temperature_available=False,
        cpu_model=None,
        cpu_cores_physical=None,
        cpu_cores_logical=None,
        ram_total_bytes=None,
        platform=sys.platform,
    )


class Prober:
    """Probes the sources, on a timer and on request, so hardware or libraries that change are seen.

    Not thread-safe: the sampler calls it under its tick lock.
    """

    def __init__(
        self,
        sources: TelemetrySources,
        *,
        reprobe_interval_s: float = DEFAULT_REPROBE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create a prober; nothing is probed until ``probe``.

        Args:
            sources: what to probe.
            reprobe_interval_s: how old capabilities may get before ``due`` says so.
            clock: monotonic seconds.
        """
        self._sources = sources
        self._reprobe_interval_s = reprobe_interval_s
        self._clock = clock
        self._current: Capabilities | None = None
        self._probed_at = float("-inf")
        self._requested = False
        self._devices_by_source: tuple[tuple[GpuSourceProtocol, tuple[int, ...]], ...] = ()

    @property
    def current(self) -> Capabilities | None:
        """The latest capabilities, ``None`` before the first probe."""
        return self._current

    @property
    def devices_by_source(self) -> tuple[tuple[GpuSourceProtocol, tuple[int, ...]], ...]:
        """Each GPU source with the torch indices it reports."""
        return self._devices_by_source

    def request(self) -> None:
        """Make ``due`` true until the next probe."""
        self._requested = True

    def due(self) -> bool:
        """Whether capabilities should be probed before the next sample."""
        if self._current is None or self._requested:
            return True
        if self._clock() - self._probed_at >= self._reprobe_interval_s:
            return True
        for source in self._sources.gpus:
            try:
                if source.wants_probe():
                    return True
            except Exception as exc:
                log.at_most_every(f"telemetry.probe.wants.{source.name}", 300.0, f"{source.name}: {exc!r}")
        return False

    def probe(self) -> bool:
        """Probe every source now.

        Returns:
            Whether the capabilities differ from the previous probe (the version was bumped).
        """
        self._requested = False
        self._probed_at = self._clock()
        try:
            hardware = self._sources.cpu.probe()
        except Exception as exc:
            log.at_most_every("telemetry.probe.cpu", 300.0, f"CPU capability probe failed: {exc!r}")
            hardware = _fallback_hardware()
        gpu = self._probe_gpus()
        previous = self._current
        if previous is not None and previous.hardware == hardware and previous.gpu == gpu:
            return False
        version = 1 if previous is None else previous.version + 1
        self._current = Capabilities(hardware=hardware, gpu=gpu, version=version)
        return True

    def _probe_gpus(self) -> GpuCapabilities:
        claimed: set[int] = set()
        devices: list[GpuDevice] = []
        per_source: list[tuple[GpuSourceProtocol, tuple[int, ...]]] = []
        nvml_available = False
        torch_available = False
        torch_backend: TorchBackend | None = None
        for source in self._sources.gpus:
            try:
                found = source.probe(frozenset(claimed))
            except Exception as exc:
                log.at_most_every(
                    f"telemetry.probe.{source.name}", 300.0, f"{source.name} probe failed: {exc!r}"
                )
                per_source.append((source, ()))
                continue
            # Defensive: a source must not report an index another one already owns.
            own = [device for device in found.devices if device.index not in claimed]
            claimed.update(device.index for device in own)
            devices.extend(own)
            per_source.append((source, tuple(device.index for device in own)))
            nvml_available = nvml_available or found.nvml_available
            torch_available = torch_available or found.torch_available
            torch_backend = torch_backend or found.torch_backend
        self._devices_by_source = tuple(per_source)
        return GpuCapabilities(
            nvml_available=nvml_available,
            torch_available=torch_available,
            torch_backend=torch_backend,
            devices=sorted(devices, key=lambda device: device.index),
        )
