"""The psutil/cpuinfo source: real readings against /proc, and doubles at our loader seam."""

from __future__ import annotations

import math
import os
import time
from collections import namedtuple
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil
import pytest

from backend.telemetry.cpu import CpuSource, cpu_percent_between, pick_cpu_temperature_sensor
from tests.support.hardware import ManualClock, messages

MEMINFO = Path("/proc/meminfo")
HAS_MEMINFO = MEMINFO.is_file()
HAS_SENSORS_TEMPERATURES = hasattr(psutil, "sensors_temperatures")

Times = namedtuple("Times", "user nice system idle iowait irq softirq steal guest guest_nice")
Temp = namedtuple("Temp", "label current high critical")


def times(**values: float) -> Times:
    base = dict.fromkeys(Times._fields, 0.0)
    base.update(values)
    return Times(**base)


def meminfo_kib(key: str) -> int:
    for line in MEMINFO.read_text().splitlines():
        name, _, rest = line.partition(":")
        if name == key:
            return int(rest.split()[0])
    raise KeyError(key)


def no_cpuinfo() -> Any:
    raise ImportError("No module named 'cpuinfo'")


# -- utilisation arithmetic


def test_cpu_percent_half_busy() -> None:
    assert cpu_percent_between(times(user=10, idle=10), times(user=15, idle=15)) == 50.0


def test_cpu_percent_counts_iowait_as_idle_and_guest_once() -> None:
    before = times(user=100, idle=100, iowait=0, guest=0)
    # guest time is already inside user: 8 busy (user) out of 8 + 2 idle + 10 iowait.
    after = times(user=108, idle=102, iowait=10, guest=4)
    assert cpu_percent_between(before, after) == 40.0


def test_cpu_percent_clamps_counters_that_step_back() -> None:
    assert cpu_percent_between(times(user=10, idle=10, system=5), times(user=20, idle=20, system=4)) == 50.0


def test_cpu_percent_is_none_when_no_time_elapsed() -> None:
    assert cpu_percent_between(times(user=1, idle=1), times(user=1, idle=1)) is None


# -- temperature sensor choice


def test_prefers_the_package_sensor_of_coretemp() -> None:
    temperatures = {
        "acpitz": [Temp("", 27.8, None, None)],
        "coretemp": [Temp("Core 0", 50.0, 80, 100), Temp("Package id 0", 55.0, 80, 100)],
    }
    assert pick_cpu_temperature_sensor(temperatures) == ("coretemp", "Package id 0")


def test_prefers_tctl_on_amd() -> None:
    temperatures = {"k10temp": [Temp("Tccd1", 48.0, None, None), Temp("Tctl", 52.0, None, None)]}
    assert pick_cpu_temperature_sensor(temperatures) == ("k10temp", "Tctl")


def test_falls_back_to_the_chip_first_finite_reading() -> None:
    temperatures = {"cpu_thermal": [Temp("", math.nan, None, None), Temp("", 47.2, None, None)]}
    assert pick_cpu_temperature_sensor(temperatures) == ("cpu_thermal", "")


def test_no_cpu_chip_means_no_sensor() -> None:
    assert pick_cpu_temperature_sensor({"acpitz": [Temp("", 27.8, None, None)], "nvme": []}) is None


# -- real psutil, compared with an independent reading


@pytest.mark.skipif(not HAS_MEMINFO, reason="needs /proc/meminfo")
def test_ram_matches_proc_meminfo() -> None:
    source = CpuSource(load_cpuinfo=no_cpuinfo)
    capabilities = source.probe()
    reading = source.sample()
    total_bytes = meminfo_kib("MemTotal") * 1024
    used_bytes = total_bytes - meminfo_kib("MemAvailable") * 1024
    assert capabilities.ram_total_bytes == total_bytes
    assert reading.ram_total_bytes == total_bytes
    assert reading.ram_used_bytes is not None
    # Other processes allocate between the two reads; 3 % of RAM is a generous margin.
    assert abs(reading.ram_used_bytes - used_bytes) < 0.03 * total_bytes


def test_real_probe_reports_this_machine() -> None:
    capabilities = CpuSource(load_cpuinfo=no_cpuinfo).probe()
    assert capabilities.psutil_available is True
    assert capabilities.cpuinfo_available is False
    assert capabilities.cpu_cores_logical == os.cpu_count()
    assert capabilities.cpu_cores_physical is None or 1 <= capabilities.cpu_cores_physical <= (
        os.cpu_count() or 1
    )


def test_real_cpu_percent_tracks_a_busy_interval() -> None:
    source = CpuSource(load_cpuinfo=no_cpuinfo)
    source.probe()
    # Keep one core busy for ~120 ms: at least 1/cpu_count of the machine was busy meanwhile.
    end = time.monotonic() + 0.12
    while time.monotonic() < end:
        pass
    reading = source.sample()
    assert reading.cpu_percent is not None
    assert 100.0 / (os.cpu_count() or 1) * 0.5 <= reading.cpu_percent <= 100.0


@pytest.mark.skipif(not HAS_SENSORS_TEMPERATURES, reason="psutil has no sensors_temperatures here")
def test_real_cpu_temperature_when_a_sensor_exists() -> None:
    source = CpuSource(load_cpuinfo=no_cpuinfo)
    capabilities = source.probe()
    if not capabilities.cpu_temperature_available:
        pytest.skip("no CPU temperature sensor on this machine")
    temperature = source.sample().cpu_temperature_c
    assert temperature is not None and 0.0 < temperature < 125.0


# -- doubles at the loader seam


class PsutilDouble:
    """The members of psutil the source uses; each can be made to fail."""

    def __init__(self) -> None:
        self.fail: set[str] = set()
        self.user = 100.0
        self.idle = 100.0
        self.temperatures: dict[str, list[Temp]] = {"coretemp": [Temp("Package id 0", 61.0, 90, 100)]}
        self.frequency: Any = SimpleNamespace(current=3200.0, min=800.0, max=5000.0)

    def _check(self, name: str) -> None:
        if name in self.fail:
            raise OSError(f"{name} broke")

    def cpu_times(self) -> Times:
        self._check("cpu_times")
        self.user += 3.0
        self.idle += 1.0
        return times(user=self.user, idle=self.idle)

    def cpu_count(self, logical: bool = True) -> int:
        return 16 if logical else 8

    def virtual_memory(self) -> SimpleNamespace:
        self._check("virtual_memory")
        return SimpleNamespace(total=32 * 1024**3, available=20 * 1024**3, used=999)

    def cpu_freq(self) -> Any:
        self._check("cpu_freq")
        return self.frequency

    def sensors_temperatures(self) -> dict[str, list[Temp]]:
        self._check("sensors_temperatures")
        return self.temperatures


class CpuinfoDouble:
    def __init__(self) -> None:
        self.calls = 0

    def get_cpu_info(self) -> dict[str, Any]:
        self.calls += 1
        return {"brand_raw": "  AMD Ryzen 9 7950X 16-Core Processor ", "count": 32}


def test_double_every_metric_and_units(clock: ManualClock) -> None:
    psutil_double = PsutilDouble()
    source = CpuSource(
        load_psutil=lambda: psutil_double, load_cpuinfo=no_cpuinfo, platform="linux", clock=clock
    )
    capabilities = source.probe()
    assert capabilities.cpu_temperature_available
    assert (capabilities.cpu_cores_physical, capabilities.cpu_cores_logical) == (8, 16)
    clock.advance(2.0)
    reading = source.sample()
    assert reading.cpu_percent == 75.0  # +3 user, +1 idle per call
    assert reading.cpu_frequency_mhz == 3200.0
    assert reading.cpu_temperature_c == 61.0
    assert reading.ram_used_bytes == 12 * 1024**3  # total - available, not psutil's `used`
    assert reading.ram_total_bytes == 32 * 1024**3


def test_a_failing_sensor_is_none_for_one_tick_and_retried(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    psutil_double = PsutilDouble()
    source = CpuSource(load_psutil=lambda: psutil_double, load_cpuinfo=no_cpuinfo, clock=clock)
    source.probe()
    psutil_double.fail = {"sensors_temperatures", "cpu_freq"}
    clock.advance(2.0)
    reading = source.sample()
    assert reading.cpu_temperature_c is None and reading.cpu_frequency_mhz is None
    assert reading.ram_total_bytes == 32 * 1024**3 and reading.cpu_percent == 75.0
    psutil_double.fail = set()
    reading = source.sample()
    assert reading.cpu_temperature_c == 61.0 and reading.cpu_frequency_mhz == 3200.0
    assert len(messages(caplog, "sensors_temperatures() failed")) == 1


def test_cpu_percent_needs_a_window_of_a_tenth_of_a_second(clock: ManualClock) -> None:
    psutil_double = PsutilDouble()
    source = CpuSource(load_psutil=lambda: psutil_double, load_cpuinfo=no_cpuinfo, clock=clock)
    source.probe()  # baseline: user 103, idle 101
    clock.advance(0.05)
    assert source.sample().cpu_percent is None  # too short: 0 % or 100 %, not a measurement
    psutil_double.user += 5.0  # busy while we were not looking
    clock.advance(0.06)
    # The baseline was kept, so this figure covers the whole 0.11 s: 8 busy of 9.
    assert source.sample().cpu_percent == pytest.approx(88.9)


def test_zero_or_missing_frequency_is_none() -> None:
    psutil_double = PsutilDouble()
    source = CpuSource(load_psutil=lambda: psutil_double, load_cpuinfo=no_cpuinfo)
    source.probe()
    psutil_double.frequency = SimpleNamespace(current=0.0)
    assert source.sample().cpu_frequency_mhz is None
    psutil_double.frequency = None
    assert source.sample().cpu_frequency_mhz is None


def test_no_temperature_scan_per_tick_when_probe_found_no_sensor() -> None:
    psutil_double = PsutilDouble()
    psutil_double.temperatures = {}
    source = CpuSource(load_psutil=lambda: psutil_double, load_cpuinfo=no_cpuinfo)
    assert source.probe().cpu_temperature_available is False
    psutil_double.fail = {"sensors_temperatures"}  # would be logged if it were called
    assert source.sample().cpu_temperature_c is None


def test_missing_psutil_reports_unavailable_and_logs_once(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    def load() -> Any:
        raise ImportError("No module named 'psutil'")

    source = CpuSource(load_psutil=load, load_cpuinfo=no_cpuinfo, clock=clock)
    capabilities = source.probe()
    assert capabilities.psutil_available is False and capabilities.ram_total_bytes is None
    for _ in range(3):
        reading = source.sample()
        assert reading.cpu_percent is None and reading.ram_used_bytes is None
        clock.advance(60.0)  # the import is retried, but the warning is not repeated
    assert len(messages(caplog, "psutil is not available")) == 1


def test_psutil_installed_later_is_picked_up(clock: ManualClock) -> None:
    psutil_double = PsutilDouble()
    installed = False

    def load() -> Any:
        if not installed:
            raise ImportError("No module named 'psutil'")
        return psutil_double

    source = CpuSource(load_psutil=load, load_cpuinfo=no_cpuinfo, clock=clock)
    assert source.probe().psutil_available is False
    installed = True
    assert source.probe().psutil_available is False  # not retried before 30 s
    clock.advance(30.0)
    assert source.probe().psutil_available is True


def test_cpu_model_is_resolved_lazily_and_once() -> None:
    cpuinfo_double = CpuinfoDouble()
    source = CpuSource(load_psutil=PsutilDouble, load_cpuinfo=lambda: cpuinfo_double)
    capabilities = source.probe()
    assert capabilities.cpuinfo_available is True
    assert capabilities.cpu_model is None and cpuinfo_double.calls == 0  # probe stays cheap
    assert source.resolve_slow_facts() is True
    assert source.resolve_slow_facts() is False
    assert cpuinfo_double.calls == 1
    assert source.probe().cpu_model == "AMD Ryzen 9 7950X 16-Core Processor"


def test_cpu_model_lookup_failure_is_not_retried_every_tick(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def broken_info() -> dict[str, Any]:
        calls.append(1)
        raise RuntimeError("cpuid unavailable")

    source = CpuSource(
        load_psutil=PsutilDouble, load_cpuinfo=lambda: SimpleNamespace(get_cpu_info=broken_info)
    )
    assert source.resolve_slow_facts() is False
    assert source.resolve_slow_facts() is False
    assert calls == [1]
    assert source.probe().cpu_model is None
