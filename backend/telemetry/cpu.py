"""Host CPU and RAM telemetry through psutil, and the CPU brand through py-cpuinfo."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import log
from ..schemas import HardwareCapabilities
from ._numbers import finite_float, non_negative_float, non_negative_int, percent, positive_int
from ._optional import OptionalModule
from .base import CpuReading

# Chips whose sensor is the CPU package, best first: Intel, AMD (in-tree and out-of-tree
# drivers), Raspberry Pi and other ARM boards.
_CPU_CHIPS = ("coretemp", "k10temp", "zenpower", "cpu_thermal", "cpu-thermal")
# Labels that mean "the whole package" rather than one core, best first (case-insensitive prefix).
_PACKAGE_LABELS = ("package id", "tctl", "tdie", "package", "physical id")
# Kernel CPU counters tick at 100 Hz: a shorter window gives 0 % or 100 %, not a measurement.
_MIN_CPU_WINDOW_S = 0.1


def _import_psutil() -> Any:
    import psutil

    return psutil


def _import_cpuinfo() -> Any:
    import cpuinfo

    return cpuinfo


def cpu_percent_between(before: Any, after: Any) -> float | None:
    """System-wide CPU utilisation between two ``psutil.cpu_times()`` readings.

    psutil's own ``cpu_percent(interval=None)`` keeps its baseline per calling thread and shares
    it with every other pack in the process; keeping our own baseline makes the figure cover
    exactly our sampling interval.

    Args:
        before: the earlier ``scputimes`` reading.
        after: the later one.

    Returns:
        Busy time over total time in percent (0..100), or ``None`` when no time elapsed.
    """
    fields: Sequence[str] = getattr(after, "_fields", ())
    deltas = {name: max(0.0, float(getattr(after, name)) - float(getattr(before, name))) for name in fields}
    # Counters can step backwards (psutil issues 392, 645): clamp each field like top does.
    total = sum(deltas.values()) - deltas.get("guest", 0.0) - deltas.get("guest_nice", 0.0)
    if total <= 0.0:
        return None
    busy = total - deltas.get("idle", 0.0) - deltas.get("iowait", 0.0)
    # Kernel counters tick at 100 Hz: more than one decimal would be noise on the wire.
    return percent(round(busy / total * 100.0, 1))


def pick_cpu_temperature_sensor(temperatures: Mapping[str, Sequence[Any]]) -> tuple[str, str] | None:
    """Choose the sensor that best stands for "CPU temperature" among ``sensors_temperatures()``.

    Args:
        temperatures: psutil's mapping of chip name to ``shwtemp(label, current, high, critical)``.

    Returns:
        ``(chip, label)`` of the package sensor (``coretemp`` "Package id 0", ``k10temp`` "Tctl",
        ...), the chip's first reading when no label says "package", or ``None``.
    """
    for chip in _CPU_CHIPS:
        entries = [entry for entry in temperatures.get(chip, ()) if finite_float(entry.current) is not None]
        if not entries:
            continue
        for wanted in _PACKAGE_LABELS:
            for entry in entries:
                if str(entry.label).lower().startswith(wanted):
                    return chip, str(entry.label)
        return chip, str(entries[0].label)
    return None


class CpuSource:
    """psutil for load, frequency, temperature and RAM; py-cpuinfo for the CPU brand."""

    def __init__(
        self,
        *,
        load_psutil: Callable[[], Any] = _import_psutil,
        load_cpuinfo: Callable[[], Any] = _import_cpuinfo,
        clock: Callable[[], float] = time.monotonic,
        platform: str = sys.platform,
    ) -> None:
        """Create the source; imports nothing until the first probe.

        Args:
            load_psutil: returns the psutil module (tests inject a double here).
            load_cpuinfo: returns the cpuinfo module (tests inject a double here).
            clock: monotonic seconds, for import retries and the utilisation window.
            platform: reported as ``HardwareCapabilities.platform``.
        """
        self._psutil = OptionalModule(
            "psutil", load_psutil, consequence="CPU and RAM metrics are off (pip install psutil)", clock=clock
        )
        self._cpuinfo = OptionalModule(
            "cpuinfo",
            load_cpuinfo,
            consequence="the CPU model name is not shown (pip install py-cpuinfo)",
            level=logging.INFO,
            clock=clock,
        )
        self._clock = clock
        self._platform = platform
        self._cpu_model: str | None = None
        self._cpu_model_resolved = False
        self._temperature_sensor: tuple[str, str] | None = None
        self._last_cpu_times: Any = None
        self._last_cpu_times_at = float("-inf")

    def probe(self) -> HardwareCapabilities:
        """Return the host's capabilities; cheap (the slow brand lookup is ``resolve_slow_facts``)."""
        psutil = self._psutil.get()
        cores_physical: int | None = None
        cores_logical: int | None = None
        ram_total_bytes: int | None = None
        if psutil is not None:
            cores_physical = positive_int(self._guard("cpu_count", lambda: psutil.cpu_count(logical=False)))
            cores_logical = positive_int(self._guard("cpu_count", lambda: psutil.cpu_count(logical=True)))
            ram_total_bytes = positive_int(
                self._guard("virtual_memory", lambda: psutil.virtual_memory().total)
            )
            self._temperature_sensor = self._find_temperature_sensor(psutil)
            if self._last_cpu_times is None:
                # Baseline for the first utilisation figure.
                self._last_cpu_times = self._guard("cpu_times", psutil.cpu_times)
                self._last_cpu_times_at = self._clock()
        else:
            self._temperature_sensor = None
        return HardwareCapabilities(
            psutil_available=psutil is not None,
            cpuinfo_available=self._cpuinfo.get() is not None,
            cpu_temperature_available=self._temperature_sensor is not None,
            cpu_model=self._cpu_model,
            cpu_cores_physical=cores_physical,
            cpu_cores_logical=cores_logical,
            ram_total_bytes=ram_total_bytes,
            platform=self._platform,
        )

    def resolve_slow_facts(self) -> bool:
        """Read the CPU brand through ``cpuinfo.get_cpu_info()`` once (it spawns a process, ~1 s).

        Returns:
            True when a brand was learned on this call, so capabilities should be re-probed.
        """
        if self._cpu_model_resolved:
            return False
        cpuinfo = self._cpuinfo.get()
        if cpuinfo is None:
            return False
        self._cpu_model_resolved = True
        info = self._guard("get_cpu_info", cpuinfo.get_cpu_info)
        brand = (info.get("brand_raw") or info.get("brand")) if isinstance(info, Mapping) else None
        self._cpu_model = (brand.strip() or None) if isinstance(brand, str) else None
        return self._cpu_model is not None

    def prime(self) -> float:
        """Read the CPU counters once, so the first sample's utilisation is a real figure (not the
        ``--`` of a single reading); the sampler waits the returned minimum window first."""
        psutil = self._psutil.get()
        if psutil is None or self._last_cpu_times is not None:
            return 0.0
        cpu_times = self._guard("cpu_times", psutil.cpu_times)
        if cpu_times is None:
            return 0.0
        self._last_cpu_times = cpu_times
        self._last_cpu_times_at = self._clock()
        return _MIN_CPU_WINDOW_S

    def sample(self) -> CpuReading:
        """Read load, frequency, temperature and RAM; each is ``None`` on its own when it fails."""
        psutil = self._psutil.get()
        if psutil is None:
            return CpuReading()
        cpu_percent: float | None = None
        now = self._clock()
        if self._last_cpu_times is None or now - self._last_cpu_times_at >= _MIN_CPU_WINDOW_S:
            # Within the minimum window the old baseline stays, so the next figure covers both.
            cpu_times = self._guard("cpu_times", psutil.cpu_times)
            if cpu_times is not None:
                if self._last_cpu_times is not None:
                    cpu_percent = cpu_percent_between(self._last_cpu_times, cpu_times)
                self._last_cpu_times = cpu_times
                self._last_cpu_times_at = now
        frequency = self._guard("cpu_freq", psutil.cpu_freq)
        memory = self._guard("virtual_memory", psutil.virtual_memory)
        ram_total_bytes = positive_int(getattr(memory, "total", None))
        ram_available_bytes = non_negative_int(getattr(memory, "available", None))
        ram_used_bytes: int | None = None
        if ram_total_bytes is not None and ram_available_bytes is not None:
            # total - available is what the OS could not hand to a new allocation, and matches
            # psutil's `percent`; psutil's `used` also subtracts caches the kernel cannot drop
            # (tmpfs, shared memory) and is defined differently on each OS.
            ram_used_bytes = max(0, ram_total_bytes - ram_available_bytes)
        return CpuReading(
            cpu_percent=cpu_percent,
            # 0 MHz is what some VMs and ARM boards report for "unknown".
            cpu_frequency_mhz=non_negative_float(getattr(frequency, "current", None)) or None,
            cpu_temperature_c=self._read_temperature_c(psutil),
            ram_used_bytes=ram_used_bytes,
            ram_total_bytes=ram_total_bytes,
        )

    def close(self) -> None:
        """Nothing to release: psutil holds no handles between calls."""

    def _find_temperature_sensor(self, psutil: Any) -> tuple[str, str] | None:
        read = getattr(psutil, "sensors_temperatures", None)
        if read is None:  # macOS and Windows builds of psutil have no sensors
            return None
        temperatures = self._guard("sensors_temperatures", read)
        if not isinstance(temperatures, Mapping):
            return None
        return pick_cpu_temperature_sensor(temperatures)

    def _read_temperature_c(self, psutil: Any) -> float | None:
        sensor = self._temperature_sensor
        if sensor is None:
            # Found none at probe: don't pay for a scan of every hwmon file each tick.
            return None
        chip, label = sensor
        temperatures = self._guard("sensors_temperatures", psutil.sensors_temperatures)
        if not isinstance(temperatures, Mapping):
            return None
        for entry in temperatures.get(chip, ()):
            if str(entry.label) == label:
                return finite_float(entry.current)
        return None

    @staticmethod
    def _guard(what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:
            # A sensor that fails now may work next tick (hot-plugged hwmon, transient EIO).
            log.at_most_every(f"telemetry.cpu.{what}", 300.0, f"psutil {what}() failed: {exc!r}")
            return None


def rss_reader() -> Callable[[], int | None]:
    """Return a function reading this process's RSS in bytes (None forever when psutil is missing).

    Used around every profiled node, so the psutil.Process object is created once: building it per
    call costs more than the read itself.
    """
    statm = _statm_reader()
    if statm is not None:
        return statm
    try:
        psutil = _import_psutil()
    except ImportError:
        return lambda: None  # the CPU source already said, once, that psutil is missing
    process: Any = psutil.Process()

    def read() -> int | None:
        try:
            return int(process.memory_info().rss)
        except Exception:
            log.at_most_every("process-rss", 300.0, "reading this process's memory failed")
            return None

    return read


def _statm_reader() -> Callable[[], int | None] | None:
    """On Linux, RSS from /proc/self/statm through one kept-open descriptor: ~1 us instead of ~10 us.

    psutil reads the same file but opens it on every call; around every node that is most of the
    profiler's cost.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
        page_bytes = os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None

    def read() -> int | None:
        try:
            return int(os.pread(fd, 128, 0).split()[1]) * page_bytes
        except (OSError, ValueError, IndexError):
            return None

    return read


def process_name(pid: int) -> str | None:
    """A process's executable name through psutil; None when it is gone, foreign or unreadable."""
    try:
        return str(_import_psutil().Process(pid).name()) or None
    except Exception:  # no psutil, no such process, no permission (another user's, a container's)
        return None
