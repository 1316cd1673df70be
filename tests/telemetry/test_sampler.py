"""The sampler thread: lifecycle, scheduling against real time, subscribers, sanitising."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from backend.schemas import MonitorEvent
from backend.telemetry import THREAD_NAME, FakeGpuSource, Sampler, TelemetrySources
from tests.support.hardware import CountingCpuSource, ScriptedGpuSource, messages, wait_until


def sampler_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == THREAD_NAME]


@pytest.fixture
def cpu() -> CountingCpuSource:
    return CountingCpuSource()


@pytest.fixture
def gpus() -> FakeGpuSource:
    return FakeGpuSource()


@pytest.fixture
def sampler(cpu: CountingCpuSource, gpus: FakeGpuSource) -> Iterator[Sampler]:
    instance = Sampler(TelemetrySources(cpu=cpu, gpus=(gpus,)), interval_s=0.5, idle_interval_s=30.0)
    yield instance
    instance.stop(timeout_s=2.0)
    assert not sampler_threads()


# -- lifecycle


def test_start_is_idempotent_and_names_one_daemon_thread(sampler: Sampler) -> None:
    sampler.start()
    sampler.start()
    (thread,) = sampler_threads()
    assert thread.daemon
    assert sampler.running


def test_stop_is_idempotent_joins_and_closes_sources(sampler: Sampler, cpu: CountingCpuSource) -> None:
    sampler.start()
    assert sampler.wait_for_first(2.0)
    sampler.stop()
    assert not sampler_threads() and not sampler.running
    assert cpu.closed == 1
    sampler.stop()  # again: harmless
    assert not sampler_threads()


def test_restart_after_stop(sampler: Sampler, cpu: CountingCpuSource) -> None:
    sampler.start()
    assert sampler.wait_for_first(2.0)
    sampler.stop()
    before = cpu.samples
    sampler.start()
    assert len(sampler_threads()) == 1
    sampler.request_sample()
    assert wait_until(lambda: cpu.samples > before)


def test_first_snapshot_via_wait_for_first(sampler: Sampler) -> None:
    assert sampler.latest() is None and sampler.capabilities() is None
    assert sampler.wait_for_first(0.01) is False
    sampler.start()
    assert sampler.wait_for_first(2.0) is True
    snapshot = sampler.latest()
    assert snapshot is not None
    assert [gpu.index for gpu in snapshot.gpus] == [0, 1]
    capabilities = sampler.capabilities()
    assert capabilities is not None
    hardware, gpu, version = capabilities
    assert version >= 1 and hardware.cpu_cores_logical == 32 and len(gpu.devices) == 2
    with pytest.raises(ValidationError):
        snapshot.cpu_percent = 1.0  # type: ignore[misc]  # immutable: readers share it across threads


def test_cpu_model_arrives_after_the_first_snapshot_with_a_version_bump(sampler: Sampler) -> None:
    sampler.start()
    assert sampler.wait_for_first(2.0)
    assert wait_until(lambda: (sampler.capabilities() or (None, None, 0))[0].cpu_model is not None)  # type: ignore[union-attr]
    capabilities = sampler.capabilities()
    assert capabilities is not None
    assert capabilities[0].cpu_model == "Fake 16-Core Processor"
    assert capabilities[2] == 2


# -- scheduling against real time


def test_idle_backs_off_and_a_client_gets_samples_at_the_interval(
    sampler: Sampler, cpu: CountingCpuSource
) -> None:
    events: list[MonitorEvent] = []
    sampler.subscribe(events.append)
    sampler.start()
    assert sampler.wait_for_first(2.0)
    idle_pause = threading.Event()
    idle_pause.wait(0.7)  # longer than interval_s: an active sampler would have ticked
    assert cpu.samples == 1
    assert events == []  # nobody connected: nothing is broadcast
    started = time.monotonic()
    sampler.set_active_clients(1)
    assert wait_until(lambda: len(events) >= 3, timeout_s=3.0)
    elapsed_s = time.monotonic() - started
    # An immediate sample, then one every 0.5 s: the third lands at ~1.0 s.
    assert 0.8 <= elapsed_s < 2.5
    stamps = [event.snapshot.sampled_at for event in events[:3]]
    assert stamps == sorted(stamps)


def test_demand_wakes_an_idle_sampler(sampler: Sampler, cpu: CountingCpuSource) -> None:
    sampler.start()
    assert sampler.wait_for_first(2.0)
    sampler.note_demand()
    assert wait_until(lambda: cpu.samples >= 2, timeout_s=1.0)


def test_request_sample_wakes_the_thread(sampler: Sampler, cpu: CountingCpuSource) -> None:
    sampler.start()
    assert sampler.wait_for_first(2.0)
    sampler.request_sample()
    assert wait_until(lambda: cpu.samples >= 2, timeout_s=1.0)
    sampler.request_sample()
    assert wait_until(lambda: cpu.samples >= 3, timeout_s=1.0)


def test_set_interval_validates(sampler: Sampler) -> None:
    sampler.set_interval(10)
    assert sampler.interval_s == 10.0
    for bad in (0.4, 10.5, math.nan):
        with pytest.raises(ValueError):
            sampler.set_interval(bad)
    assert sampler.interval_s == 10.0
    with pytest.raises(ValueError):
        Sampler(TelemetrySources.fake(), interval_s=0.1)
    with pytest.raises(ValueError):
        sampler.set_active_clients(-1)


# -- subscribers


def test_one_sample_per_tick_whatever_the_number_of_subscribers(
    sampler: Sampler, cpu: CountingCpuSource
) -> None:
    received: list[list[MonitorEvent]] = [[], [], []]
    for bucket in received:
        sampler.subscribe(bucket.append)
    sampler.set_active_clients(3)
    for _ in range(4):
        sampler.sample_once()
    assert cpu.samples == 4
    assert [len(bucket) for bucket in received] == [4, 4, 4]
    assert received[0][2] is received[1][2]  # one event object shared, not rebuilt per client
    assert received[0][0].type == "monitor" and received[0][0].capabilities_version == 1


def test_unsubscribe_and_no_events_without_clients(sampler: Sampler) -> None:
    events: list[MonitorEvent] = []
    unsubscribe = sampler.subscribe(events.append)
    sampler.sample_once()
    assert events == []  # no client connected
    sampler.set_active_clients(1)
    sampler.sample_once()
    unsubscribe()
    unsubscribe()
    sampler.sample_once()
    assert len(events) == 1


def test_a_raising_subscriber_never_kills_the_thread(
    sampler: Sampler, cpu: CountingCpuSource, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(event: MonitorEvent) -> None:
        raise RuntimeError("socket closed")

    events: list[MonitorEvent] = []
    sampler.subscribe(explode)
    sampler.subscribe(events.append)
    sampler.set_active_clients(1)
    sampler.start()
    assert wait_until(lambda: len(events) >= 1)
    before = len(events)
    sampler.request_sample()
    assert wait_until(lambda: len(events) > before)
    assert len(sampler_threads()) == 1
    assert (
        len(messages(caplog, "monitor subscriber raised RuntimeError('socket closed')")) == 1
    )  # rate-limited


# -- failures and sanitising


def test_a_failing_source_blanks_its_own_devices_for_one_tick(cpu: CountingCpuSource) -> None:
    broken = ScriptedGpuSource((0,), name="broken")
    healthy = ScriptedGpuSource((1,), name="healthy")
    sampler = Sampler(TelemetrySources(cpu=cpu, gpus=(broken, healthy)))
    sampler.sample_once()
    broken.raise_on_sample = RuntimeError("NVML hiccup")
    cpu.raise_next = True
    snapshot = sampler.sample_once()
    assert snapshot.cpu_percent is None and snapshot.ram_total_bytes is None
    assert snapshot.gpus[0].index == 0 and snapshot.gpus[0].utilization_percent is None
    assert snapshot.gpus[1].utilization_percent == 50.0
    broken.raise_on_sample = None
    snapshot = sampler.sample_once()
    assert snapshot.gpus[0].utilization_percent == 50.0 and snapshot.cpu_percent is not None


def test_nan_inf_and_negative_values_never_reach_a_snapshot(cpu: CountingCpuSource) -> None:
    gpu = ScriptedGpuSource((0, 1))
    gpu.next_values = {
        0: {
            "utilization_percent": math.nan,
            "vram_used_bytes": -1,
            "vram_total_bytes": 0,
            "temperature_c": math.inf,
            "power_draw_watts": -math.inf,
            "power_limit_watts": "N/A",
        },
        1: {"utilization_percent": 100.7, "temperature_c": -12.5},
    }
    cpu.poison = True
    snapshot = Sampler(TelemetrySources(cpu=cpu, gpus=(gpu,))).sample_once()
    assert snapshot.cpu_percent is None and snapshot.cpu_frequency_mhz is None
    assert (
        snapshot.cpu_temperature_c is None
        and snapshot.ram_used_bytes is None
        and snapshot.ram_total_bytes is None
    )
    first, second = snapshot.gpus
    assert first.model_dump(exclude={"index"}) == dict.fromkeys(
        (
            "utilization_percent",
            "vram_used_bytes",
            "vram_total_bytes",
            "temperature_c",
            "power_draw_watts",
            "power_limit_watts",
        )
    )
    assert second.utilization_percent == 100.0  # clamped
    assert second.temperature_c == -12.5  # below zero is a real temperature
    text = snapshot.model_dump_json()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


def test_a_gpu_disappearing_updates_capabilities_and_snapshot(sampler: Sampler, gpus: FakeGpuSource) -> None:
    sampler.sample_once()
    capabilities = sampler.capabilities()
    assert capabilities is not None and capabilities[2] == 1
    gpus.set_present(0, False)
    snapshot = sampler.sample_once()
    assert [gpu.index for gpu in snapshot.gpus] == [1]
    capabilities = sampler.capabilities()
    assert capabilities is not None and capabilities[2] == 2
    assert [device.index for device in capabilities[1].devices] == [1]


def test_a_metric_missing_mid_stream_is_null_in_the_event(sampler: Sampler, gpus: FakeGpuSource) -> None:
    events: list[MonitorEvent] = []
    sampler.subscribe(events.append)
    sampler.set_active_clients(1)
    sampler.sample_once()
    gpus.set_metric_missing(0, "vram_used_bytes")
    sampler.sample_once()
    assert events[0].snapshot.gpus[0].vram_used_bytes is not None
    assert events[1].snapshot.gpus[0].vram_used_bytes is None
    assert json.loads(events[1].model_dump_json())["snapshot"]["gpus"][0]["vram_used_bytes"] is None


def test_sampled_at_uses_the_wall_clock(cpu: CountingCpuSource) -> None:
    sampler = Sampler(TelemetrySources(cpu=cpu, gpus=()), wall_clock=lambda: 1_700_000_000.5)
    assert sampler.sample_once().sampled_at == 1_700_000_000.5


def test_a_polled_client_count_switches_between_idle_and_active(
    cpu: CountingCpuSource, gpus: FakeGpuSource
) -> None:
    clients = [0]
    events: list[MonitorEvent] = []
    sampler = Sampler(
        TelemetrySources(cpu=cpu, gpus=(gpus,)),
        interval_s=0.5,
        idle_interval_s=30.0,
        client_count=lambda: clients[0],
    )
    sampler.subscribe(events.append)
    try:
        sampler.start()
        assert sampler.wait_for_first(2.0)
        pause = threading.Event()
        pause.wait(0.6)
        assert cpu.samples == 1 and events == []  # polled 0 clients: idle
        clients[0] = 2  # a page connected; no hook told the sampler
        assert wait_until(lambda: len(events) >= 1, timeout_s=2.0)  # the next poll samples at once
        clients[0] = 0
        pause.wait(0.8)  # the poll runs every interval_s (0.5 s); leave room on a busy machine
        settled = len(events)
        pause.wait(0.6)
        assert len(events) == settled  # idle again: nothing broadcast
    finally:
        sampler.stop()


def test_the_sampler_counts_its_own_samples_and_their_cpu_time() -> None:
    sampler = Sampler(TelemetrySources.fake())
    assert sampler.sample_cost() == (0, 0.0)
    for _ in range(3):
        sampler.sample_once()
    samples, cpu_s = sampler.sample_cost()
    assert samples == 3 and 0 < cpu_s < 1


def test_the_first_sample_after_start_has_a_real_cpu_figure() -> None:
    from backend.telemetry.cpu import CpuSource

    sampler = Sampler(TelemetrySources(cpu=CpuSource(load_cpuinfo=lambda: None), gpus=()))
    sampler.start()
    try:
        assert sampler.wait_for_first(5.0)
        first = sampler.latest()
        assert first is not None and first.cpu_percent is not None, "not -- for the first interval"
    finally:
        sampler.stop()


def test_the_ring_keeps_what_was_sampled_bounded_and_filtered_by_age() -> None:
    now = [1000.0]
    sampler = Sampler(TelemetrySources.fake(), wall_clock=lambda: now[0])
    for _ in range(5):
        sampler.sample_once()
        now[0] += 1.0
    assert [s.sampled_at for s in sampler.history(600)] == [1000.0, 1001.0, 1002.0, 1003.0, 1004.0]
    assert [s.sampled_at for s in sampler.history(2.5)] == [1003.0, 1004.0], "the last 2.5 s (now 1005)"
    assert sampler.history(600)[-1] == sampler.latest(), "the samples taken: no extra sampling"
    cost = sampler.sample_cpu_ms()
    assert cost is not None and cost >= 0


def test_the_ring_is_bounded_to_ten_minutes_at_the_shortest_interval() -> None:
    from backend.telemetry.sampler import RING_SAMPLES

    now = [0.0]
    sampler = Sampler(TelemetrySources.fake(), wall_clock=lambda: now[0])
    for _ in range(RING_SAMPLES + 50):
        sampler.sample_once()
        now[0] += 0.5
    kept = sampler.history(10**9)
    assert len(kept) == RING_SAMPLES == 1200
    assert kept[0].sampled_at == 50 * 0.5, "the oldest went first"
