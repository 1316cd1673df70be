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

# A device's (allocated, free, total) bytes; None where it cannot say.
DeviceReading = tuple[int | None, int | None, int | None]

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
        self._free_readable = True
        # Nodes run one after another on one thread: the previous node's closing RSS reading is
        # this node's opening one when it is this fresh. Inside ComfyUI a read of /proc/self/statm
        # costs ~13 us (many threads, a large address space), most of the profiler's per-node cost.
        self._last_rss: int | None = None
        self._last_rss_at = float("-inf")
        # torch.cuda and the MPS/XPU reader: availability never changes in a process, so they are
        # looked up once, not around every node.
        self._device_modules: tuple[Any, Callable[[], DeviceReading] | None] | None = None
        # The last samples taken: a node that leaves memory as it was gets the same (immutable)
        # sample, so a chain of small CPU nodes allocates nothing here.
        self._last_before = MemorySample()
        self._last_after = MemorySample()

    def _devices(self) -> tuple[Any, Callable[[], DeviceReading] | None] | None:
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
            if self._device_modules == (None, None):
                # Said once, here, not per node: a torch without CUDA, MPS or XPU never gains one.
                log.info("no GPU in use (CPU only): per-node VRAM and the pre-OOM warnings are off")
        return self._device_modules

    def before(self) -> MemorySample:
        """Reset the device's peak counter; read current use and the device's free and total."""
        vram: int | None = None
        free: int | None = None
        total: int | None = None
        index: int | None = None
        devices = self._device_modules if self._device_modules is not None else self._devices()
        if devices is not None and not self._failed:
            cuda, other = devices
            try:
                if cuda is not None and cuda.is_initialized():
                    index = device = cuda.current_device()
                    cuda.reset_peak_memory_stats(device)
                    vram = int(cuda.memory_allocated(device))
                    if self._free_readable:
                        free, total = self._cuda_free(cuda, device)
                elif other is not None:
                    vram, free, total = other()
                    index = 0  # one MPS device; XPU's current one is 0 unless the user moved it
            except Exception:
                self._disable()
        now = self._clock()
        if now - self._last_rss_at <= RSS_REUSE_S:
            rss = self._last_rss
        else:
            rss = self._rss()
            self._last_rss, self._last_rss_at = rss, now
        last = self._last_before
        if (
            last.vram_bytes == vram
            and last.rss_bytes == rss
            and last.vram_free_bytes == free
            and last.vram_device_index == index
        ):
            return last
        self._last_before = sample = MemorySample(vram, None, rss, free, total, index)
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
                    vram = peak = other()[0]
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

    def _cuda_free(self, cuda: Any, device: int) -> tuple[int | None, int | None]:
        """cudaMemGetInfo: the whole device's free and total, every process (the pre-OOM warning's
        figures); a failure costs only these, not the rest of the sample."""
        try:
            free, total = cuda.mem_get_info(device)
            return int(free), int(total)
        except Exception:
            self._free_readable = False
            log.warn_once(
                "memory-probe-free", "reading the device's free memory failed; pre-OOM warnings are off"
            )
            return None, None

    def _disable(self) -> None:
        self._failed = True
        log.warn_once("memory-probe", "reading device memory failed; per-node VRAM is off for this session")


def _cuda_if_built(torch: Any) -> Any | None:
    """torch.cuda, or None on a build without CUDA (CPU-only, macOS): there it never initialises."""
    backends_cuda = getattr(getattr(torch, "backends", None), "cuda", None)
    is_built = getattr(backends_cuda, "is_built", None)
    return torch.cuda if is_built is None or is_built() else None


def _other_device_reader(torch: Any) -> Callable[[], DeviceReading] | None:
    """(allocated, free, total) bytes on Apple MPS or Intel XPU, when this torch has one; else None.

    Free and total are None where this torch cannot say (older MPS and XPU builds)."""
    mps = getattr(torch, "mps", None)
    backends_mps = getattr(getattr(torch, "backends", None), "mps", None)
    if mps is not None and backends_mps is not None and backends_mps.is_available():
        limit = getattr(mps, "recommended_max_memory", None)  # torch 2.5+
        driver = getattr(mps, "driver_allocated_memory", None)

        def read_mps() -> DeviceReading:
            allocated = int(mps.current_allocated_memory())
            if limit is None or driver is None:
                return allocated, None, None
            total = int(limit())
            return allocated, max(0, total - int(driver())), total

        return read_mps
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        mem_get_info = getattr(xpu, "mem_get_info", None)  # torch 2.6+

        def read_xpu() -> DeviceReading:
            if not xpu.is_initialized():
                return None, None, None
            allocated = int(xpu.memory_allocated())
            if mem_get_info is None:
                return allocated, None, None
            free, total = mem_get_info()
            return allocated, int(free), int(total)

        return read_xpu
    return None
