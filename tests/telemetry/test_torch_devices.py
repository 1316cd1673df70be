"""torch-based VRAM (ROCm, XPU, MPS, CUDA without NVML) over a torch double; it must never initialise CUDA."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from backend.telemetry.devices import TorchDeviceIdentity
from backend.telemetry.torch_devices import TorchGpuSource, TorchRuntime
from tests.support.hardware import FakeCuda, cuda_props, fake_torch, messages

GIB = 1024**3


def two_cuda_devices() -> list[SimpleNamespace]:
    return [
        cuda_props("NVIDIA GeForce RTX 4090", 24 * GIB, uuid="aaaa-1", bus=0x01),
        cuda_props("NVIDIA GeForce RTX 3060", 12 * GIB, uuid="bbbb-2", bus=0x21),
    ]


def source_for(torch: Any) -> TorchGpuSource:
    return TorchGpuSource(TorchRuntime(lambda: torch))


def test_missing_torch_means_no_devices_and_torch_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    def load() -> Any:
        raise ImportError("No module named 'torch'")

    source = TorchGpuSource(TorchRuntime(load))
    probe = source.probe(frozenset())
    assert (probe.torch_available, probe.torch_backend, probe.devices) == (False, None, ())
    assert source.sample() == []
    assert len(messages(caplog, "torch is not available")) == 1


def test_cuda_not_initialised_is_listed_without_initialising_it() -> None:
    cuda = FakeCuda(two_cuda_devices(), initialized=False)
    source = source_for(fake_torch(cuda=cuda))
    probe = source.probe(frozenset())
    assert probe.torch_backend == "cuda"
    assert [(device.index, device.name, device.vram_total_bytes) for device in probe.devices] == [
        (0, "cuda:0", None),
        (1, "cuda:1", None),
    ]
    samples = source.sample()
    assert [sample.vram_used_bytes for sample in samples] == [None, None]
    assert not cuda.initialised_by_caller
    assert TorchRuntime(lambda: fake_torch(cuda=cuda)).cuda_identities() is None


def test_cuda_vram_only_for_devices_already_in_use() -> None:
    cuda = FakeCuda(two_cuda_devices(), initialized=True, current=0)
    cuda.free = {0: 20 * GIB}
    source = source_for(fake_torch(cuda=cuda))
    devices = source.probe(frozenset()).devices
    assert [device.name for device in devices] == ["NVIDIA GeForce RTX 4090", "NVIDIA GeForce RTX 3060"]
    assert all(device.source == "torch" and device.vendor == "nvidia" for device in devices)
    assert devices[0].uuid == "aaaa-1" and devices[1].pci_bus_id == "0000:21:00.0"
    samples = source.sample()
    assert samples[0].vram_used_bytes == 4 * GIB and samples[0].vram_total_bytes == 24 * GIB
    # cuda:1 has no context yet: asking would create one and cost it VRAM.
    assert samples[1].vram_used_bytes is None and samples[1].vram_total_bytes == 12 * GIB
    assert cuda.calls["mem_get_info:1"] == 0
    cuda.reserved = {1: 512 * 1024**2}  # ComfyUI started using it
    cuda.free[1] = 10 * GIB
    assert source.sample()[1].vram_used_bytes == 2 * GIB
    assert samples[0].utilization_percent is None and samples[0].temperature_c is None


def test_rocm_reports_amd_and_skips_claimed_indices() -> None:
    cuda = FakeCuda(
        [cuda_props("AMD Radeon RX 7900 XTX", 24 * GIB, uuid=None, bus=0x03)],
        initialized=True,
    )
    source = source_for(fake_torch(cuda=cuda, hip="6.2.41133"))
    probe = source.probe(frozenset())
    assert probe.torch_backend == "rocm"
    assert [(device.vendor, device.name) for device in probe.devices] == [("amd", "AMD Radeon RX 7900 XTX")]
    assert source.probe(frozenset({0})).devices == ()  # amdsmi already reports cuda:0


def test_cuda_identities_carry_uuid_and_pci() -> None:
    cuda = FakeCuda(two_cuda_devices(), initialized=True)
    identities = TorchRuntime(lambda: fake_torch(cuda=cuda)).cuda_identities()
    assert identities == [
        TorchDeviceIdentity(0, "aaaa-1", "0000:01:00.0"),
        TorchDeviceIdentity(1, "bbbb-2", "0000:21:00.0"),
    ]


def test_cuda_identities_unknown_when_torch_predates_the_properties() -> None:
    cuda = FakeCuda([cuda_props("old", GIB, uuid=None, bus=None)], initialized=True)
    assert TorchRuntime(lambda: fake_torch(cuda=cuda)).cuda_identities() is None


class FakeMps:
    def __init__(self) -> None:
        self.driver_bytes = 3 * GIB

    def recommended_max_memory(self) -> int:
        return 21 * GIB

    def driver_allocated_memory(self) -> int:
        return self.driver_bytes

    def current_allocated_memory(self) -> int:
        return GIB


def test_mps_unified_memory() -> None:
    mps = FakeMps()
    source = source_for(fake_torch(mps=mps))
    probe = source.probe(frozenset())
    assert probe.torch_backend == "mps"
    (device,) = probe.devices
    assert (device.index, device.vendor, device.vram_total_bytes) == (0, "apple", 21 * GIB)
    assert device.supports.vram and not device.supports.utilization
    mps.driver_bytes = 5 * GIB
    (sample,) = source.sample()
    assert sample.vram_used_bytes == 5 * GIB and sample.vram_total_bytes == 21 * GIB


def test_xpu_uses_mem_get_info_once_initialised() -> None:
    state = {"initialized": False}
    xpu = SimpleNamespace(
        is_available=lambda: True,
        is_initialized=lambda: state["initialized"],
        device_count=lambda: 1,
        get_device_properties=lambda index: SimpleNamespace(
            name="Intel(R) Arc(TM) A770 Graphics", total_memory=16 * GIB
        ),
        mem_get_info=lambda index: (10 * GIB, 16 * GIB),
    )
    source = source_for(fake_torch(xpu=xpu))
    (device,) = source.probe(frozenset()).devices
    assert (device.name, device.vendor, device.vram_total_bytes) == ("xpu:0", "intel", None)
    assert source.sample()[0].vram_used_bytes is None
    state["initialized"] = True
    (device,) = source.probe(frozenset()).devices
    assert device.name == "Intel(R) Arc(TM) A770 Graphics"
    assert source.sample()[0].vram_used_bytes == 6 * GIB


def test_cpu_only_torch_has_no_devices() -> None:
    probe = source_for(fake_torch()).probe(frozenset())
    assert (probe.torch_available, probe.torch_backend, probe.devices) == (True, "cpu", ())


def test_a_torch_call_that_raises_degrades_to_none() -> None:
    cuda = FakeCuda(two_cuda_devices(), initialized=True)

    def broken(index: int) -> tuple[int, int]:
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    cuda.mem_get_info = broken  # type: ignore[method-assign]
    source = source_for(fake_torch(cuda=cuda))
    source.probe(frozenset())
    samples = source.sample()
    assert samples[0].vram_used_bytes is None and samples[0].vram_total_bytes == 24 * GIB
