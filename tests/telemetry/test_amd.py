"""The amdsmi source over an amdsmi double: units, "N/A" answers, visibility and failures."""

from __future__ import annotations

from typing import Any

import pytest

from backend.telemetry.amd import AmdSmiGpuSource
from tests.support.hardware import AmdSmiException, FakeAmdSmi, ManualClock, messages

GIB = 1024**3


def make(
    module: FakeAmdSmi, environ: dict[str, str] | None = None, clock: ManualClock | None = None
) -> AmdSmiGpuSource:
    return AmdSmiGpuSource(lambda: module, environ=environ or {}, clock=clock or ManualClock())


def test_probe_and_sample_in_base_units() -> None:
    module = FakeAmdSmi()
    source = make(module)
    devices = source.probe(frozenset()).devices
    assert [(d.index, d.name, d.vendor, d.source) for d in devices] == [
        (0, "AMD Radeon RX 7900 XTX", "amd", "amdsmi"),
        (1, "AMD Instinct MI300X", "amd", "amdsmi"),
    ]
    assert devices[0].vram_total_bytes == 24560 * 1024**2
    assert devices[0].pci_bus_id == "0000:03:00.0"
    first, second = source.sample()
    assert first.utilization_percent == 73.0
    assert first.vram_used_bytes == 6 * GIB
    assert first.temperature_c == 58.0  # edge sensor
    assert first.power_draw_watts == 288.0  # "N/A" current power -> the average
    assert first.power_limit_watts == pytest.approx(327.0)  # microwatts -> watts
    assert second.temperature_c == 45.0  # hotspot when there is no edge sensor
    assert second.power_draw_watts == 550.0


def test_na_metrics_are_unsupported_not_zero() -> None:
    source = make(FakeAmdSmi())
    devices = source.probe(frozenset()).devices
    assert devices[1].supports.utilization is False
    assert devices[0].supports.utilization is True
    assert source.sample()[1].utilization_percent is None


def test_a_failing_call_blanks_that_metric_for_the_tick(caplog: pytest.LogCaptureFixture) -> None:
    module = FakeAmdSmi()
    source = make(module)
    source.probe(frozenset())
    module.broken = {"amdsmi_get_temp_metric"}
    samples = source.sample()
    assert [sample.temperature_c for sample in samples] == [None, None]
    assert samples[0].vram_used_bytes == 6 * GIB
    module.broken = set()
    assert source.sample()[0].temperature_c == 58.0
    assert len(messages(caplog, "amdsmi_get_temp_metric failed")) == 1


def test_hip_visible_devices_hides_and_relabels() -> None:
    source = make(FakeAmdSmi(), environ={"HIP_VISIBLE_DEVICES": "1", "CUDA_VISIBLE_DEVICES": "0,1"})
    devices = source.probe(frozenset()).devices
    assert [(d.index, d.name) for d in devices] == [(0, "AMD Instinct MI300X")]


def test_init_failure_reports_nothing_and_retries_later(caplog: pytest.LogCaptureFixture) -> None:
    module = FakeAmdSmi()
    module.init_error = AmdSmiException("AMDSMI_STATUS_DRIVER_NOT_LOADED")
    clock = ManualClock()
    source = make(module, clock=clock)
    assert source.probe(frozenset()).devices == ()
    assert source.probe(frozenset()).devices == ()
    assert module.calls["amdsmi_init"] == 1
    module.init_error = None
    clock.advance(30.0)
    assert len(source.probe(frozenset()).devices) == 2
    assert len(messages(caplog, "amdsmi could not initialise")) == 1


def test_missing_amdsmi_is_only_a_debug_line(caplog: pytest.LogCaptureFixture) -> None:
    def load() -> Any:
        raise ImportError("No module named 'amdsmi'")

    source = AmdSmiGpuSource(load, environ={})
    assert source.probe(frozenset()).devices == ()
    (line,) = [record for record in caplog.records if "amdsmi is not available" in record.getMessage()]
    assert line.levelname == "DEBUG"


def test_close_shuts_amdsmi_down_once() -> None:
    module = FakeAmdSmi()
    source = make(module)
    source.probe(frozenset())
    source.close()
    source.close()
    assert module.calls["amdsmi_shut_down"] == 1
    assert source.sample() == []
