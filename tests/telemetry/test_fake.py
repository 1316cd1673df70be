"""The deterministic fake GPU and CPU sources used by the standalone host and end-to-end tests."""

from __future__ import annotations

import pytest

from backend.telemetry import DEFAULT_FAKE_GPUS, FakeCpuSource, FakeGpuSource, FakeGpuSpec
from tests.support.hardware import ManualClock

GIB = 1024**3


def test_default_is_two_different_gpus() -> None:
    devices = FakeGpuSource().probe(frozenset()).devices
    assert [(d.index, d.name, d.vram_total_bytes) for d in devices] == [
        (0, "NVIDIA GeForce RTX 3090 Ti", 24 * GIB),
        (1, "NVIDIA RTX A6000", 48 * GIB),
    ]
    assert all(d.source == "fake" and d.vendor == "nvidia" for d in devices)
    assert devices[0].uuid != devices[1].uuid


def test_values_are_deterministic_for_the_same_clock(clock: ManualClock) -> None:
    first, second = FakeGpuSource(clock=clock), FakeGpuSource(clock=clock)
    clock.advance(7.3)
    assert first.sample() == second.sample()


def test_values_vary_smoothly_and_stay_in_range(clock: ManualClock) -> None:
    source = FakeGpuSource(clock=clock)
    series: list[list[float]] = [[], []]
    previous = source.sample()
    for _ in range(400):  # 40 s in 100 ms steps: more than one full cycle of each GPU
        clock.advance(0.1)
        samples = source.sample()
        for index, (before, now) in enumerate(zip(previous, samples, strict=True)):
            assert now.utilization_percent is not None and before.utilization_percent is not None
            assert abs(now.utilization_percent - before.utilization_percent) < 2.0  # smooth
            assert now.vram_used_bytes is not None and now.vram_total_bytes is not None
            assert 0 < now.vram_used_bytes < now.vram_total_bytes
            assert now.power_draw_watts is not None and now.power_limit_watts is not None
            assert now.power_draw_watts <= now.power_limit_watts
            series[index].append(now.utilization_percent)
        previous = samples
    for values in series:
        assert min(values) < 10.0 and max(values) > 90.0  # it really moves
    assert series[0] != series[1]  # and the two GPUs do not move in lockstep


def test_a_metric_goes_missing_mid_stream_and_comes_back(clock: ManualClock) -> None:
    source = FakeGpuSource(clock=clock)
    assert source.sample()[1].temperature_c is not None
    source.set_metric_missing(1, "temperature_c")
    clock.advance(1.0)
    samples = source.sample()
    assert samples[1].temperature_c is None
    assert samples[1].utilization_percent is not None and samples[0].temperature_c is not None
    source.set_metric_missing(1, "temperature_c", missing=False)
    assert source.sample()[1].temperature_c is not None


def test_scripted_missing_window(clock: ManualClock) -> None:
    spec = FakeGpuSpec(name="GPU", vram_total_bytes=8 * GIB, missing={"power_draw_watts": (10.0, 20.0)})
    source = FakeGpuSource([spec], clock=clock)
    readings = []
    for _ in range(4):
        readings.append(source.sample()[0].power_draw_watts is None)
        clock.advance(7.0)  # t = 0, 7, 14, 21
    assert readings == [False, False, True, False]


def test_a_gpu_can_disappear_and_the_source_asks_for_a_probe(clock: ManualClock) -> None:
    source = FakeGpuSource(clock=clock)
    source.probe(frozenset())
    assert not source.wants_probe()
    source.set_present(0, False)
    assert source.wants_probe()
    assert [sample.index for sample in source.sample()] == [1]
    assert [device.index for device in source.probe(frozenset()).devices] == [1]  # index 1 keeps its label
    assert not source.wants_probe()


def test_bad_arguments_are_refused() -> None:
    source = FakeGpuSource()
    with pytest.raises(ValueError, match="no fake GPU 2"):
        source.set_metric_missing(2, "temperature_c")
    with pytest.raises(ValueError, match="unknown metric"):
        source.set_metric_missing(0, "fan_speed")  # type: ignore[arg-type]


def test_claimed_indices_are_skipped() -> None:
    assert [d.index for d in FakeGpuSource(DEFAULT_FAKE_GPUS).probe(frozenset({0})).devices] == [1]


def test_fake_cpu_learns_its_model_like_cpuinfo(clock: ManualClock) -> None:
    cpu = FakeCpuSource(clock=clock)
    assert cpu.probe().cpu_model is None
    assert cpu.resolve_slow_facts() is True
    assert cpu.resolve_slow_facts() is False
    assert cpu.probe().cpu_model == "Fake 16-Core Processor"
    first = cpu.sample()
    clock.advance(5.0)
    second = cpu.sample()
    assert first != second
    assert second.cpu_percent is not None and 0.0 <= second.cpu_percent <= 100.0
