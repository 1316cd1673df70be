"""Hardware telemetry: per-source readers, a capability probe and the one sampler thread.

Only the source modules (``cpu``, ``nvml``, ``amd``, ``torch_devices``) touch psutil, cpuinfo,
pynvml, amdsmi and torch, and only lazily: importing this package imports none of them.
"""

from .base import CpuReading, CpuSourceProtocol, GpuProbe, GpuSourceProtocol, TorchBackend
from .fake import (
    DEFAULT_FAKE_GPUS,
    MAX_FAKE_GPUS,
    FakeCpuSource,
    FakeGpuMetric,
    FakeGpuSource,
    FakeGpuSpec,
    fake_gpu_specs,
)
from .probe import Capabilities, Prober
from .sampler import MAX_INTERVAL_S, MIN_INTERVAL_S, THREAD_NAME, MonitorSubscriber, Sampler, Schedule
from .sources import TelemetrySources

__all__ = [
    "DEFAULT_FAKE_GPUS",
    "MAX_FAKE_GPUS",
    "MAX_INTERVAL_S",
    "MIN_INTERVAL_S",
    "THREAD_NAME",
    "Capabilities",
    "CpuReading",
    "CpuSourceProtocol",
    "FakeCpuSource",
    "FakeGpuMetric",
    "FakeGpuSource",
    "FakeGpuSpec",
    "GpuProbe",
    "GpuSourceProtocol",
    "MonitorSubscriber",
    "Prober",
    "Sampler",
    "Schedule",
    "TelemetrySources",
    "TorchBackend",
    "fake_gpu_specs",
]
