"""Clear VRAM: refused while the queue is busy, one at a time, measured before and after.

The host unloads (inside ComfyUI: ``comfy.model_management``, under the prompt queue's lock); the
plugin measures through its own telemetry (NVML, amdsmi, torch, or the fake GPUs), so the report
matches the VRAM tiles, and the fresh sample taken afterwards is broadcast, so the tiles drop at once.
"""

from __future__ import annotations

import threading
from typing import Protocol

from .. import log
from ..schemas import (
    ClearVramResult,
    GpuCapabilities,
    HardwareCapabilities,
    MonitorSnapshot,
    VramDeviceReport,
)
from .errors import ActionConflictError, refuse_when_busy
from .queue import QueueReader, read_queue_state


class ModelHost(QueueReader, Protocol):
    """The host adapter's part (``backend.host.base.HostAdapter``)."""

    def unload_models(self) -> int | None:
        """Unload every model and free cached memory; return how many were loaded. Blocking.

        Raises:
            backend.actions.HostBusyError: A workflow started meanwhile.
            backend.actions.HostActionError: The host could not do it.
        """
        ...


class VramSampler(Protocol):
    """The sampler's part: a synchronous, published sample and the device names."""

    def sample_once(self) -> MonitorSnapshot: ...

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None: ...


def freed_bytes(before: int | None, after: int | None) -> int | None:
    """``before - after`` floored at 0 (other processes may allocate meanwhile); None when unknown."""
    if before is None or after is None:
        return None
    return max(0, before - after)


def clear_vram_result(models_unloaded: int | None, devices: list[VramDeviceReport]) -> ClearVramResult:
    """Assemble the result, summing what could be measured."""
    known = [d.vram_freed_bytes for d in devices if d.vram_freed_bytes is not None]
    return ClearVramResult(
        models_unloaded=models_unloaded,
        devices=devices,
        vram_freed_bytes=sum(known) if known else None,
    )


class ClearVram:
    """Unload every model and free cached memory, over one host and one sampler."""

    def __init__(self, host: ModelHost, sampler: VramSampler) -> None:
        self._host = host
        self._sampler = sampler
        self._clearing = threading.Lock()

    def clear(self) -> ClearVramResult:
        """Measure, unload, measure; blocking (call it from a worker thread).

        Raises:
            HostBusyError: A workflow runs or waits (before anything is unloaded), or started meanwhile.
            ActionConflictError: Another clear is under way.
            HostActionError: The host could not unload; its message says what to do.
        """
        refuse_when_busy(read_queue_state(self._host), "clear VRAM")
        if not self._clearing.acquire(blocking=False):
            raise ActionConflictError("VRAM is being cleared already")
        try:
            return self._clear()
        finally:
            self._clearing.release()

    def _clear(self) -> ClearVramResult:
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
