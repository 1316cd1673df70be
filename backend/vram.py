"""Clear VRAM: unload through the host, measure before and after through the plugin's own telemetry.

Measuring with the sampler (NVML, amdsmi, torch, or the fake GPUs) reports exactly what the VRAM
tiles show, and the fresh sample it takes afterwards is broadcast, so the tiles drop at once.
"""

from __future__ import annotations

from typing import Protocol

from . import log
from .schemas import (
    ClearVramResult,
    GpuCapabilities,
    HardwareCapabilities,
    MonitorSnapshot,
    QueueState,
    VramDeviceReport,
)
from .schemas.actions import clear_vram_result, freed_bytes


class ModelHost(Protocol):
    """The host adapter's part (backend/host/base.py)."""

    def queue_state(self) -> QueueState: ...

    def unload_models(self) -> int | None: ...


class VramSampler(Protocol):
    """The sampler's part: a synchronous, published sample and the device names."""

    def sample_once(self) -> MonitorSnapshot: ...

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None: ...


class ServerActions:
    """What backend.api.actions.ActionsHost asks for, over one host and one sampler."""

    def __init__(self, host: ModelHost, sampler: VramSampler) -> None:
        self._host = host
        self._sampler = sampler

    def queue_state(self) -> QueueState:
        return self._host.queue_state()

    def clear_vram(self) -> ClearVramResult:
        """Measure, unload, measure; blocking (a worker thread).

        Raises:
            backend.api.actions.HostBusyError: A workflow is running or queued.
            backend.api.actions.HostActionError: The host could not unload.
        """
        before = self._measure()
        unloaded = self._host.unload_models()
        after = self._measure()
        caps = self._sampler.capabilities()
        names = {d.index: (d.name, d.vram_total_bytes) for d in caps[1].devices} if caps else {}
        indices = sorted(set(before) | set(after) | set(names))
        devices = []
        for index in indices:
            used_before = before.get(index, (None, None))[0]
            used_after, total_after = after.get(index, (None, None))
            name, total = names.get(index, (f"GPU {index}", None))
            devices.append(
                VramDeviceReport(
                    index=index,
                    name=name,
                    vram_total_bytes=total_after if total_after is not None else total,
                    vram_used_before_bytes=used_before,
                    vram_used_after_bytes=used_after,
                    vram_freed_bytes=freed_bytes(used_before, used_after),
                )
            )
        result = clear_vram_result(unloaded, devices)
        log.info(
            f"Cleared VRAM: {unloaded if unloaded is not None else 'unknown number of'} model(s) unloaded, "
            f"{_gib(result.vram_freed_bytes)} freed"
        )
        return result

    def _measure(self) -> dict[int, tuple[int | None, int | None]]:
        """torch index -> (used, total) bytes; empty when the sample fails (reported as unknown)."""
        try:
            snapshot = self._sampler.sample_once()
        except Exception:
            log.warn_once("vram-measure", "could not measure VRAM around clear-VRAM", exc_info=True)
            return {}
        return {gpu.index: (gpu.vram_used_bytes, gpu.vram_total_bytes) for gpu in snapshot.gpus}


def _gib(value: int | None) -> str:
    return "unknown" if value is None else f"{value / 1024**3:.2f} GiB"
