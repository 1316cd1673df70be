"""The set of sources a sampler reads: the real ones, or deterministic fakes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .. import log
from .amd import AmdSmiGpuSource
from .base import CpuSourceProtocol, GpuSourceProtocol
from .cpu import CpuSource
from .fake import DEFAULT_FAKE_GPUS, FakeCpuSource, FakeGpuSource, FakeGpuSpec
from .nvml import NvmlGpuSource
from .torch_devices import TorchGpuSource, TorchRuntime


@dataclass(frozen=True)
class TelemetrySources:
    """One CPU source and the GPU sources, best first.

    A GPU source reports only the torch indices no earlier source claimed, so NVML (full
    metrics) wins over amdsmi, which wins over torch (VRAM only).
    """

    cpu: CpuSourceProtocol
    gpus: tuple[GpuSourceProtocol, ...]

    @classmethod
    def default(cls, *, environ: Mapping[str, str] | None = None) -> TelemetrySources:
        """The real sources: psutil/cpuinfo, NVML, amdsmi and torch, all imported lazily.

        Args:
            environ: where ``CUDA_VISIBLE_DEVICES`` and friends are read; ``os.environ`` by default.
        """
        torch_runtime = TorchRuntime()
        return cls(
            cpu=CpuSource(),
            gpus=(
                NvmlGpuSource(torch_runtime=torch_runtime, environ=environ),
                AmdSmiGpuSource(torch_runtime=torch_runtime, environ=environ),
                TorchGpuSource(torch_runtime),
            ),
        )

    @classmethod
    def fake(
        cls,
        gpu_specs: Sequence[FakeGpuSpec] | None = None,
        *,
        cpu: CpuSourceProtocol | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> TelemetrySources:
        """Deterministic sources: fake GPUs (two by default) and a fake or given CPU source.

        Args:
            gpu_specs: the fake GPUs; ``DEFAULT_FAKE_GPUS`` (an RTX 3090 Ti and an RTX A6000) if None.
            cpu: a CPU source, e.g. ``CpuSource()`` for the real host; ``FakeCpuSource`` if None.
            clock: monotonic seconds driving the fake curves.
        """
        return cls(
            cpu=cpu if cpu is not None else FakeCpuSource(clock=clock),
            gpus=(FakeGpuSource(gpu_specs if gpu_specs is not None else DEFAULT_FAKE_GPUS, clock=clock),),
        )

    def close(self) -> None:
        """Close every source; one that fails does not stop the others."""
        closers: list[Callable[[], None]] = [self.cpu.close, *(source.close for source in self.gpus)]
        for close in closers:
            try:
                close()
            except Exception as exc:
                log.warning(f"closing a telemetry source failed: {exc!r}")
