"""Device and process memory around one node: CUDA peak stats when CUDA is in use, else current use.

Never initialises a device: CUDA is asked only once torch has initialised it (ComfyUI does when it
loads a model), so a CPU-only run costs one RSS read per sample.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from .. import log
from .events import MemorySample

# How old the last node's closing RSS reading may be to serve as the next node's opening one: ComfyUI
# spends a few milliseconds between nodes, and what it allocates there is then counted to the next.
RSS_REUSE_S = 0.05
# RSS is read at most this often: in a chain of millisecond nodes, most share the last reading.
RSS_MIN_INTERVAL_S = 0.02


class MemoryProbe:
    """Takes MemorySamples before and after a node; ``sync_gpu`` waits for queued GPU work at the end."""

    def __init__(
        self,
        rss: Callable[[], int | None],
        *,
        sync_gpu: bool = False,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._rss = rss
        self._clock = clock
        self.sync_gpu = sync_gpu
        self._failed = False
        # Nodes run one after another on one thread: the previous node's closing RSS reading is
        # this node's opening one when it is this fresh. Inside ComfyUI a read of /proc/self/statm
        # costs ~13 us (many threads, a large address space), most of the profiler's per-node cost.
        self._last_rss: int | None = None
        self._last_rss_at = float("-inf")
        # torch.cuda and the MPS/XPU reader: availability never changes in a process, so they are
        # looked up once, not around every node.
        self._device_modules: tuple[Any, Callable[[], int | None] | None] | None = None
        # The last samples taken: a node that leaves memory as it was gets the same (immutable)
        # sample, so a chain of small CPU nodes allocates nothing here.
        self._last_before = MemorySample()
        self._last_after = MemorySample()

    def _devices(self) -> tuple[Any, Callable[[], int | None] | None] | None:
        """torch.cuda and the MPS/XPU reader, looked up once torch is imported (None before, and once
        a read failed)."""
        if self._failed:
            return None
        if self._device_modules is None:
            torch = sys.modules.get("torch")  # ComfyUI imports it long before a node runs; never us
            if torch is None:
                return None
            try:
                self._device_modules = (_cuda_if_built(torch), _other_device_reader(torch))
            except Exception:
                self._disable()
                return None
        return self._device_modules

    def before(self) -> MemorySample:
        """Reset the device's peak counter and read current use."""
        vram: int | None = None
        devices = self._device_modules if self._device_modules is not None else self._devices()
        if devices is not None and not self._failed:
            cuda, other = devices
            try:
                if cuda is not None and cuda.is_initialized():
                    device = cuda.current_device()
                    cuda.reset_peak_memory_stats(device)
                    vram = int(cuda.memory_allocated(device))
                elif other is not None:
                    vram = other()
            except Exception:
                self._disable()
        now = self._clock()
        if now - self._last_rss_at <= RSS_REUSE_S:
            rss = self._last_rss
        else:
            rss = self._rss()
            self._last_rss, self._last_rss_at = rss, now
        last = self._last_before
        if last.vram_bytes == vram and last.rss_bytes == rss:
            return last
        self._last_before = sample = MemorySample(vram, None, rss)
        return sample

    def after(self) -> MemorySample:
        """Read current use and the peak since ``before()``."""
        vram: int | None = None
        peak: int | None = None
        devices = self._device_modules if self._device_modules is not None else self._devices()
        if devices is not None and not self._failed:
            cuda, other = devices
            try:
                if cuda is not None and cuda.is_initialized():
                    device = cuda.current_device()
                    if self.sync_gpu:
                        cuda.synchronize(device)
                    vram = int(cuda.memory_allocated(device))
                    peak = int(cuda.max_memory_allocated(device))
                elif other is not None:
                    vram = peak = other()
            except Exception:
                self._disable()
        now = self._clock()
        if now - self._last_rss_at < RSS_MIN_INTERVAL_S:
            rss = self._last_rss  # a node this short moves RSS by little; the read costs more than it tells
        else:
            rss = self._rss()
            self._last_rss, self._last_rss_at = rss, now
        last = self._last_after
        if last.vram_bytes == vram and last.vram_peak_bytes == peak and last.rss_bytes == rss:
            return last
        self._last_after = sample = MemorySample(vram, peak, rss)
        return sample

    def _disable(self) -> None:
        self._failed = True
        log.warn_once("memory-probe", "reading device memory failed; per-node VRAM is off for this session")


def _cuda_if_built(torch: Any) -> Any | None:
    """torch.cuda, or None on a build without CUDA (CPU-only, macOS): there it never initialises."""
    backends_cuda = getattr(getattr(torch, "backends", None), "cuda", None)
    is_built = getattr(backends_cuda, "is_built", None)
    return torch.cuda if is_built is None or is_built() else None


def _other_device_reader(torch: Any) -> Callable[[], int | None] | None:
    """Current allocated bytes on Apple MPS or Intel XPU, when this torch has one; else None."""
    mps = getattr(torch, "mps", None)
    backends_mps = getattr(getattr(torch, "backends", None), "mps", None)
    if mps is not None and backends_mps is not None and backends_mps.is_available():
        return lambda: int(mps.current_allocated_memory())
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        return lambda: int(xpu.memory_allocated()) if xpu.is_initialized() else None
    return None
