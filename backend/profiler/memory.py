"""Device and process memory around one node: CUDA peak stats when CUDA is in use, else current use.

Never initialises a device: CUDA is asked only once torch has initialised it (ComfyUI does when it
loads a model), so a CPU-only run costs one RSS read per sample.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .. import log
from .recorder import MemorySample


class MemoryProbe:
    """Takes MemorySamples before and after a node; ``sync_gpu`` waits for queued GPU work at the end."""

    def __init__(self, rss: Callable[[], int | None], *, sync_gpu: bool = False) -> None:
        self._rss = rss
        self.sync_gpu = sync_gpu
        self._failed = False

    def _torch(self) -> Any | None:
        # torch is imported by ComfyUI long before a node runs; never import it ourselves here.
        return None if self._failed else sys.modules.get("torch")

    def _cuda(self, torch: Any) -> Any | None:
        cuda = getattr(torch, "cuda", None)
        if cuda is None or not cuda.is_available() or not cuda.is_initialized():
            return None
        return cuda

    def before(self) -> MemorySample:
        """Reset the device's peak counter and read current use."""
        vram: int | None = None
        torch = self._torch()
        if torch is not None:
            try:
                cuda = self._cuda(torch)
                if cuda is not None:
                    device = cuda.current_device()
                    cuda.reset_peak_memory_stats(device)
                    vram = int(cuda.memory_allocated(device))
                else:
                    vram = _other_device_allocated(torch)
            except Exception:
                self._disable()
        return MemorySample(vram_bytes=vram, vram_peak_bytes=None, rss_bytes=self._rss())

    def after(self) -> MemorySample:
        """Read current use and the peak since ``before()``."""
        vram: int | None = None
        peak: int | None = None
        torch = self._torch()
        if torch is not None:
            try:
                cuda = self._cuda(torch)
                if cuda is not None:
                    device = cuda.current_device()
                    if self.sync_gpu:
                        cuda.synchronize(device)
                    vram = int(cuda.memory_allocated(device))
                    peak = int(cuda.max_memory_allocated(device))
                else:
                    vram = _other_device_allocated(torch)
                    peak = vram
            except Exception:
                self._disable()
        return MemorySample(vram_bytes=vram, vram_peak_bytes=peak, rss_bytes=self._rss())

    def _disable(self) -> None:
        self._failed = True
        log.warn_once("memory-probe", "reading device memory failed; per-node VRAM is off for this session")


def _other_device_allocated(torch: Any) -> int | None:
    mps = getattr(torch, "mps", None)
    backends_mps = getattr(getattr(torch, "backends", None), "mps", None)
    if mps is not None and backends_mps is not None and backends_mps.is_available():
        return int(mps.current_allocated_memory())
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available() and xpu.is_initialized():
        return int(xpu.memory_allocated())
    return None
