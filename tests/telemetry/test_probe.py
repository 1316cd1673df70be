"""Capability probing: merging sources, re-probing, and a version that moves only on change."""

from __future__ import annotations

from backend.telemetry import FakeGpuSource, Prober, TelemetrySources
from backend.telemetry.nvml import Nvml, NvmlGpuSource
from tests.support.hardware import (
    CountingCpuSource,
    FakeNvmlModule,
    ManualClock,
    ScriptedGpuSource,
    two_nvml_gpus,
)


def test_first_probe_is_version_one_and_repeats_do_not_bump(clock: ManualClock) -> None:
    prober = Prober(TelemetrySources.fake(clock=clock), clock=clock)
    assert prober.current is None and prober.due()
    assert prober.probe() is True
    assert prober.current is not None and prober.current.version == 1
    assert [device.name for device in prober.current.gpu.devices] == [
        "NVIDIA GeForce RTX 3090 Ti",
        "NVIDIA RTX A6000",
    ]
    assert prober.current.gpu.torch_backend == "cuda"
    assert prober.probe() is False
    assert prober.current.version == 1


def test_reprobe_is_due_on_a_timer_and_on_request(clock: ManualClock) -> None:
    prober = Prober(TelemetrySources.fake(clock=clock), reprobe_interval_s=30.0, clock=clock)
    prober.probe()
    assert not prober.due()
    clock.advance(29.9)
    assert not prober.due()
    clock.advance(0.1)
    assert prober.due()
    prober.probe()
    prober.request()
    assert prober.due()


def test_a_gpu_disappearing_bumps_the_version_once(clock: ManualClock) -> None:
    gpus = FakeGpuSource(clock=clock)
    prober = Prober(TelemetrySources(cpu=CountingCpuSource(clock=clock), gpus=(gpus,)), clock=clock)
    prober.probe()
    gpus.set_present(1, False)
    assert prober.due()  # the source asked
    assert prober.probe() is True
    assert prober.current is not None and prober.current.version == 2
    assert [device.index for device in prober.current.gpu.devices] == [0]
    assert prober.probe() is False and prober.current.version == 2
    gpus.set_present(1, True)
    assert prober.probe() is True and prober.current.version == 3


def test_earlier_sources_claim_indices(clock: ManualClock) -> None:
    first = ScriptedGpuSource((0,), name="first")
    second = ScriptedGpuSource((0, 1), name="second")
    prober = Prober(TelemetrySources(cpu=CountingCpuSource(clock=clock), gpus=(first, second)), clock=clock)
    prober.probe()
    assert [(source.name, indices) for source, indices in prober.devices_by_source] == [
        ("first", (0,)),
        ("second", (1,)),
    ]


def test_a_source_whose_probe_raises_contributes_nothing(clock: ManualClock) -> None:
    broken = ScriptedGpuSource((0,), name="broken")
    broken.raise_on_probe = RuntimeError("driver exploded")
    healthy = ScriptedGpuSource((1,), name="healthy")
    prober = Prober(TelemetrySources(cpu=CountingCpuSource(clock=clock), gpus=(broken, healthy)), clock=clock)
    prober.probe()
    assert prober.current is not None
    assert [device.index for device in prober.current.gpu.devices] == [1]


def test_nvml_reinit_with_the_same_devices_keeps_the_version(clock: ManualClock) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    nvml = Nvml(lambda: module, clock=clock)
    prober = Prober(
        TelemetrySources(cpu=CountingCpuSource(clock=clock), gpus=(NvmlGpuSource(nvml, environ={}),)),
        clock=clock,
    )
    prober.probe()
    assert prober.current is not None and prober.current.gpu.nvml_available
    nvml.shutdown()
    nvml.ensure_initialized()
    assert prober.due()
    assert prober.probe() is False
    assert prober.current.version == 1
