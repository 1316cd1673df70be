"""The NVML wrapper and source, over a fake pynvml module injected at our loader seam."""

from __future__ import annotations

import itertools
import logging

import pytest

from backend.schemas import GpuSample
from backend.telemetry.devices import TorchDeviceIdentity
from backend.telemetry.nvml import Nvml, NvmlGpuSource
from backend.telemetry.torch_devices import TorchRuntime
from tests.support.hardware import (
    GPU_IS_LOST,
    LIBRARY_NOT_FOUND,
    TIMEOUT,
    FakeNvmlGpu,
    FakeNvmlModule,
    ManualClock,
    messages,
    two_nvml_gpus,
)


def make_source(
    module: FakeNvmlModule, clock: ManualClock, *, environ: dict[str, str] | None = None
) -> tuple[NvmlGpuSource, Nvml, list[int]]:
    loads: list[int] = []

    def load() -> FakeNvmlModule:
        loads.append(1)
        return module

    nvml = Nvml(load, clock=clock, backoff_initial_s=1.0, backoff_max_s=8.0)
    return NvmlGpuSource(nvml, environ=environ if environ is not None else {}), nvml, loads


def test_nothing_is_loaded_or_initialised_until_first_use(clock: ManualClock) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, nvml, loads = make_source(module, clock)
    assert loads == [] and module.calls["nvmlInit"] == 0
    source.probe(frozenset())
    source.sample()
    source.sample()
    assert loads == [1]
    assert module.calls["nvmlInit"] == 1
    assert nvml.generation == 1


def test_probe_and_sample_report_every_metric_in_base_units(clock: ManualClock) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, _, _ = make_source(module, clock)
    probe = source.probe(frozenset())
    assert probe.nvml_available
    assert [device.name for device in probe.devices] == ["NVIDIA GeForce RTX 3090 Ti", "NVIDIA RTX A6000"]
    first, second = probe.devices
    assert first.pci_bus_id == "0000:01:00.0"  # NVML's bytes busId, decoded and normalised
    assert first.uuid == "GPU-aaaaaaaa-1111-2222-3333-444444444444"
    assert second.vram_total_bytes == 48 * 1024**3
    assert first.supports.utilization and first.supports.power
    samples = source.sample()
    assert samples[1].utilization_percent == 88.0
    assert samples[1].vram_used_bytes == 30 * 1024**3
    assert samples[1].temperature_c == 74.0
    assert samples[1].power_draw_watts == pytest.approx(280.5)
    assert samples[1].power_limit_watts == pytest.approx(300.0)


def test_unsupported_metric_degrades_alone_and_is_logged_once(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    gpus = two_nvml_gpus()
    gpus[0].unsupported = {"nvmlDeviceGetPowerUsage"}
    module = FakeNvmlModule(gpus)
    source, _, _ = make_source(module, clock)
    probe = source.probe(frozenset())
    assert probe.devices[0].supports.power is False
    assert probe.devices[1].supports.power is True
    for _ in range(3):
        samples = source.sample()
        assert samples[0].power_draw_watts is None and samples[0].power_limit_watts is None
        assert samples[0].utilization_percent == 37.0 and samples[0].temperature_c == 61.0
        assert samples[1].power_draw_watts is not None
    # Probed once, then never asked again: no NotSupported error per tick.
    assert module.calls["nvmlDeviceGetPowerUsage"] == 2 + 3
    assert len(messages(caplog, "nvmlDeviceGetPowerUsage")) == 1


def test_transient_error_blanks_one_metric_for_one_tick(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, nvml, _ = make_source(module, clock)
    source.probe(frozenset())
    module.fail_next["nvmlDeviceGetTemperature"] = TIMEOUT
    samples = source.sample()
    assert samples[0].temperature_c is None
    assert samples[0].vram_used_bytes == 4 * 1024**3
    assert samples[1].temperature_c == 74.0
    assert nvml.initialized  # a timeout is not a lost library
    assert source.sample()[0].temperature_c == 61.0
    assert any(record.levelno == logging.WARNING for record in caplog.records)


def test_missing_function_is_logged_once_and_that_metric_is_none(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    module.missing = {"nvmlDeviceGetEnforcedPowerLimit"}
    source, _, _ = make_source(module, clock)
    source.probe(frozenset())
    for _ in range(3):
        samples = source.sample()
        assert samples[0].power_limit_watts is None
        assert samples[0].power_draw_watts == pytest.approx(215.0)
    assert len(messages(caplog, "nvmlDeviceGetEnforcedPowerLimit is missing")) == 1


def test_library_not_found_means_unavailable_logged_once_and_retried_with_backoff(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    module = FakeNvmlModule(two_nvml_gpus(), init_error=LIBRARY_NOT_FOUND)
    source, _, _ = make_source(module, clock)
    probe = source.probe(frozenset())
    assert probe.nvml_available is False and probe.devices == ()
    assert source.probe(frozenset()).devices == ()
    assert module.calls["nvmlInit"] == 1  # backoff: no second attempt at the same instant
    clock.advance(1.0)
    source.probe(frozenset())
    assert module.calls["nvmlInit"] == 2
    clock.advance(1.0)  # second delay is 2 s
    source.probe(frozenset())
    assert module.calls["nvmlInit"] == 2
    clock.advance(1.0)
    module.init_error = None  # driver installed / loaded meanwhile
    probe = source.probe(frozenset())
    assert probe.nvml_available and len(probe.devices) == 2
    assert len(messages(caplog, "NVML is not available")) == 1


def test_missing_pynvml_reports_unavailable(clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    def load() -> FakeNvmlModule:
        raise ImportError("No module named 'pynvml'")

    source = NvmlGpuSource(Nvml(load, clock=clock), environ={})
    assert source.probe(frozenset()).nvml_available is False
    assert source.sample() == []
    assert len(messages(caplog, "pynvml is not available")) == 1


def test_gpu_lost_reinitialises_with_exponential_backoff_and_logs_once(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, nvml, _ = make_source(module, clock)

    def tick() -> list[GpuSample]:
        # What the sampler does each tick.
        if source.wants_probe():
            source.probe(frozenset())
        return source.sample()

    source.probe(frozenset())  # the sampler's first probe
    module.lost = True  # e.g. the machine went to sleep
    samples = tick()
    assert all(sample.utilization_percent is None for sample in samples)
    assert not nvml.initialized
    assert module.calls["nvmlShutdown"] == 1
    assert module.calls["nvmlInit"] == 1
    tick()
    assert module.calls["nvmlInit"] == 1  # waiting out the first 1 s backoff
    clock.advance(1.0)
    assert tick() == []  # retried, still lost: no devices this tick, next try in 2 s
    assert module.calls["nvmlInit"] == 2
    clock.advance(1.5)
    tick()
    assert module.calls["nvmlInit"] == 2
    clock.advance(0.5)
    module.lost = False  # resumed
    samples = tick()
    assert module.calls["nvmlInit"] == 3
    assert [sample.vram_used_bytes for sample in samples] == [4 * 1024**3, 30 * 1024**3]
    assert not source.wants_probe()
    assert len(messages(caplog, "GPU is lost")) == 1


def test_reinit_between_probe_and_sample_blanks_stale_handles(clock: ManualClock) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, nvml, _ = make_source(module, clock)
    source.probe(frozenset())
    nvml.shutdown()
    nvml.ensure_initialized()  # generation 2: the probed handles belong to generation 1
    samples = source.sample()
    assert [sample.vram_used_bytes for sample in samples] == [None, None]
    assert source.wants_probe()
    source.probe(frozenset())
    assert [sample.vram_used_bytes for sample in source.sample()] == [4 * 1024**3, 30 * 1024**3]


def test_backoff_is_capped(clock: ManualClock) -> None:
    module = FakeNvmlModule([], init_error=GPU_IS_LOST)
    nvml = Nvml(lambda: module, clock=clock, backoff_initial_s=1.0, backoff_max_s=8.0)
    attempts_at: list[float] = []
    for _ in range(400):
        before = module.calls["nvmlInit"]
        nvml.ensure_initialized()
        if module.calls["nvmlInit"] > before:
            attempts_at.append(clock.now)
        clock.advance(0.25)
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(attempts_at)]
    assert gaps[:4] == [1.0, 2.0, 4.0, 8.0]
    assert set(gaps[4:]) == {8.0}


def test_shutdown_is_idempotent_and_a_later_call_reinitialises(clock: ManualClock) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, nvml, _ = make_source(module, clock)
    source.probe(frozenset())
    source.close()
    source.close()
    assert module.calls["nvmlShutdown"] == 1
    assert not module.initialized
    assert nvml.query("nvmlDeviceGetCount") == 2
    assert nvml.generation == 2


def test_cuda_visible_devices_hides_and_relabels_devices(clock: ManualClock) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, _, _ = make_source(module, clock, environ={"CUDA_VISIBLE_DEVICES": "1"})
    devices = source.probe(frozenset()).devices
    assert [(device.index, device.name) for device in devices] == [(0, "NVIDIA RTX A6000")]
    samples = source.sample()
    assert [(sample.index, sample.utilization_percent) for sample in samples] == [(0, 88.0)]


def test_claimed_indices_are_left_to_the_earlier_source(clock: ManualClock) -> None:
    source, _, _ = make_source(FakeNvmlModule(two_nvml_gpus()), clock)
    assert [device.index for device in source.probe(frozenset({0})).devices] == [1]


def test_torch_identities_decide_the_index(clock: ManualClock) -> None:
    class Runtime(TorchRuntime):
        def cuda_identities(self) -> list[TorchDeviceIdentity] | None:
            # torch enumerates fastest-first: the A6000 (bus 0x41) is cuda:0.
            return [
                TorchDeviceIdentity(0, None, "0000:41:00.0"),
                TorchDeviceIdentity(1, None, "0000:01:00.0"),
            ]

    nvml = Nvml(lambda: FakeNvmlModule(two_nvml_gpus()), clock=clock)
    source = NvmlGpuSource(nvml, torch_runtime=Runtime(lambda: None), environ={"CUDA_VISIBLE_DEVICES": "0"})
    devices = source.probe(frozenset()).devices
    assert [(device.index, device.name) for device in devices] == [
        (0, "NVIDIA RTX A6000"),
        (1, "NVIDIA GeForce RTX 3090 Ti"),
    ]


def test_mig_instance_reads_its_memory_and_the_parent_temperature(clock: ManualClock) -> None:
    mig = FakeNvmlGpu(
        name="NVIDIA A100-SXM4-40GB MIG 1g.5gb",
        uuid="MIG-eeeeeeee-0000-0000-0000-000000000000",
        bus_id=b"",
        total_bytes=5 * 1024**3,
        used_bytes=1024**3,
        unsupported={"nvmlDeviceGetUtilizationRates", "nvmlDeviceGetTemperature", "nvmlDeviceGetPowerUsage"},
    )
    parent = FakeNvmlGpu(
        name="NVIDIA A100-SXM4-40GB",
        uuid="GPU-ffffffff-0000-0000-0000-000000000000",
        bus_id=b"00000000:07:00.0",
        temperature_c=55,
        mig_children=[mig],
    )
    module = FakeNvmlModule([parent])
    source, _, _ = make_source(
        module, clock, environ={"CUDA_VISIBLE_DEVICES": "MIG-eeeeeeee-0000-0000-0000-000000000000"}
    )
    (device,) = source.probe(frozenset()).devices
    assert device.name.endswith("MIG 1g.5gb")
    assert device.supports.utilization is False and device.supports.power is False
    assert device.supports.temperature is True
    assert device.vram_total_bytes == 5 * 1024**3
    (sample,) = source.sample()
    assert sample.vram_used_bytes == 1024**3
    assert sample.temperature_c == 55.0
    assert sample.utilization_percent is None and sample.power_draw_watts is None


def test_backoff_starts_over_after_a_long_healthy_session(clock: ManualClock) -> None:
    module = FakeNvmlModule(two_nvml_gpus())
    source, _, _ = make_source(module, clock)
    source.probe(frozenset())
    for _ in range(3):  # three quick losses: delays 1, 2, 4 s
        module.lost = True
        source.sample()
        clock.advance(10.0)
        module.lost = False
        source.probe(frozenset())
    clock.advance(60.0)  # healthy for a minute
    module.lost = True
    source.sample()
    clock.advance(1.0)
    module.lost = False
    assert source.wants_probe()  # due again after the initial 1 s, not after 8 s


@pytest.mark.gpu
def test_real_nvml_when_present() -> None:
    nvml = Nvml()
    if not nvml.ensure_initialized():
        pytest.skip("no NVIDIA driver / NVML on this machine")
    try:
        source = NvmlGpuSource(nvml, environ={})
        devices = source.probe(frozenset()).devices
        count = nvml.query("nvmlDeviceGetCount")
        assert isinstance(count, int) and count >= 1
        assert 1 <= len(devices) <= count + 64  # physical GPUs, plus MIG instances when enabled
        for device in devices:
            assert device.name and device.uuid and device.uuid.startswith(("GPU-", "MIG-"))
            assert device.vram_total_bytes is not None and device.vram_total_bytes > 2**30
        for sample in source.sample():
            assert sample.vram_used_bytes is not None and sample.vram_total_bytes is not None
            assert 0 <= sample.vram_used_bytes <= sample.vram_total_bytes
            assert sample.temperature_c is None or 0.0 < sample.temperature_c < 120.0
    finally:
        nvml.shutdown()
