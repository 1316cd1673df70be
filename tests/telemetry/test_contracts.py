"""Every source returns its declared types; a registry test fails when a source is not covered."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
import time
import types
import typing
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

import backend.telemetry
from backend.schemas import GpuDevice, GpuSample, HardwareCapabilities, MonitorSnapshot
from backend.telemetry import FakeCpuSource, FakeGpuSource, Sampler, TelemetrySources
from backend.telemetry.amd import AmdSmiGpuSource
from backend.telemetry.base import CpuReading, GpuProbe
from backend.telemetry.cpu import CpuSource
from backend.telemetry.nvml import Nvml, NvmlGpuSource
from backend.telemetry.torch_devices import TorchGpuSource, TorchRuntime
from tests.support.hardware import FakeAmdSmi, FakeCuda, FakeNvmlModule, cuda_props, fake_torch, two_nvml_gpus

GIB = 1024**3

CPU_SOURCES: dict[type, Callable[[], Any]] = {
    # The real psutil on this machine; a cpuinfo double spares the suite a 1 s subprocess.
    CpuSource: lambda: CpuSource(
        load_cpuinfo=lambda: SimpleNamespace(get_cpu_info=lambda: {"brand_raw": "CPU"})
    ),
    FakeCpuSource: FakeCpuSource,
}
GPU_SOURCES: dict[type, Callable[[], Any]] = {
    NvmlGpuSource: lambda: NvmlGpuSource(Nvml(lambda: FakeNvmlModule(two_nvml_gpus())), environ={}),
    AmdSmiGpuSource: lambda: AmdSmiGpuSource(FakeAmdSmi, environ={}),
    TorchGpuSource: lambda: TorchGpuSource(
        TorchRuntime(
            lambda: fake_torch(cuda=FakeCuda([cuda_props("GPU", 8 * GIB, uuid="u", bus=1)], initialized=True))
        )
    ),
    FakeGpuSource: FakeGpuSource,
}


def source_classes() -> set[type]:
    """Every class in backend.telemetry shaped like a source (probe + sample + close)."""
    found: set[type] = set()
    for info in pkgutil.iter_modules(backend.telemetry.__path__):
        module = importlib.import_module(f"backend.telemetry.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            own = cls.__module__ == module.__name__ and not getattr(cls, "_is_protocol", False)
            if own and all(callable(getattr(cls, name, None)) for name in ("probe", "sample", "close")):
                found.add(cls)
    return found


def test_every_source_class_has_a_contract_case() -> None:
    assert source_classes() == set(CPU_SOURCES) | set(GPU_SOURCES)


def assert_field_types(instance: Any, hints: dict[str, Any]) -> None:
    for name, hint in hints.items():
        value = getattr(instance, name)
        allowed = tuple(arg for arg in typing.get_args(hint) if arg is not type(None)) or (hint,)
        if value is None:
            assert type(None) in typing.get_args(hint), f"{name} is None but declared {hint}"
            continue
        # Exact types: an int where a float is declared would serialise as 37, not 37.0.
        assert type(value) in allowed, f"{name}={value!r} is {type(value).__name__}, declared {hint}"


def field_hints(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    if dataclasses.is_dataclass(cls):
        return {field.name: hints[field.name] for field in dataclasses.fields(cls)}
    return {name: hints[name] for name in cls.model_fields}  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", list(CPU_SOURCES), ids=lambda cls: cls.__name__)
def test_cpu_source_contract(cls: type) -> None:
    source = CPU_SOURCES[cls]()
    capabilities = source.probe()
    assert type(capabilities) is HardwareCapabilities
    assert source.resolve_slow_facts() is True
    assert source.probe().cpu_model is not None
    for _ in range(2):
        reading = source.sample()
        assert type(reading) is CpuReading
        assert_field_types(reading, field_hints(CpuReading))
    assert source.close() is None


@pytest.mark.parametrize("cls", list(GPU_SOURCES), ids=lambda cls: cls.__name__)
def test_gpu_source_contract(cls: type) -> None:
    source = GPU_SOURCES[cls]()
    assert isinstance(source.name, str) and source.name
    probe = source.probe(frozenset())
    assert type(probe) is GpuProbe
    assert probe.devices, "each contract case must have at least one device"
    assert all(type(device) is GpuDevice for device in probe.devices)
    samples = source.sample()
    assert sorted(sample.index for sample in samples) == sorted(device.index for device in probe.devices)
    for sample in samples:
        assert type(sample) is GpuSample
        assert_field_types(sample, field_hints(GpuSample))
    assert isinstance(source.wants_probe(), bool)
    assert source.close() is None


NUMPY_WARNING = "ignore:Failed to initialize NumPy"  # torch's CPU wheel without numpy installed


@pytest.fixture(scope="module")
def default_sampler() -> typing.Iterator[Sampler]:
    sampler = Sampler(TelemetrySources.default())
    yield sampler
    sampler.stop()


@pytest.mark.filterwarnings(NUMPY_WARNING)
def test_default_sources_on_this_machine(default_sampler: Sampler) -> None:
    snapshot = default_sampler.sample_once()
    assert type(snapshot) is MonitorSnapshot
    assert_field_types(snapshot, {k: v for k, v in field_hints(MonitorSnapshot).items() if k != "gpus"})
    assert snapshot.ram_total_bytes is not None and snapshot.ram_used_bytes is not None
    assert 0 < snapshot.ram_used_bytes < snapshot.ram_total_bytes
    capabilities = default_sampler.capabilities()
    assert capabilities is not None
    hardware, gpu, version = capabilities
    assert hardware.psutil_available and version == 1
    assert gpu.torch_available  # torch is installed in the dev environment
    json.loads(snapshot.model_dump_json())


@pytest.mark.filterwarnings(NUMPY_WARNING)
def test_default_sources_report_cpu_percent_from_the_second_sample(default_sampler: Sampler) -> None:
    default_sampler.sample_once()
    end = time.monotonic() + 0.12  # past the source's 0.1 s minimum window, with this core busy
    while time.monotonic() < end:
        pass
    snapshot = default_sampler.sample_once()
    assert snapshot.cpu_percent is not None and 0.0 < snapshot.cpu_percent <= 100.0


def test_protocols_are_satisfied_structurally() -> None:
    # A typo in a method name would make a source silently fail the Protocol at type-check time only.
    for cls in GPU_SOURCES:
        for name in ("probe", "sample", "wants_probe", "close"):
            assert isinstance(getattr(cls, name, None), types.FunctionType), f"{cls.__name__}.{name}"
        assert isinstance(inspect.getattr_static(cls, "name"), property), cls.__name__
