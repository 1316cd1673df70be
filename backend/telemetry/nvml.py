"""NVIDIA GPUs through NVML: one guarded wrapper for every call, and the per-device source.

Longer than most modules on purpose: it is the only one that may import pynvml
(tests/telemetry/test_layers.py), so the wrapper (init, backoff, error codes) and the source that
uses it sit together.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import log
from ..schemas import GpuDevice, GpuMetricSupport, GpuSample
from ..schemas.monitor import GpuProcess
from ._numbers import finite_float, non_negative_float, non_negative_int, percent, positive_int
from ._optional import Backoff
from .base import GpuDetails, GpuProbe, empty_gpu_sample
from .cpu import process_name
from .devices import VendorGpu, map_torch_indices, normalize_pci_bus_id
from .torch_devices import TorchRuntime

# NVML return codes (nvml.h; stable ABI). Read by value so a test double needs no class tree.
NVML_ERROR_UNINITIALIZED = 1
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_NOT_FOUND = 6
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_FUNCTION_NOT_FOUND = 13
NVML_ERROR_GPU_IS_LOST = 15
NVML_ERROR_RESET_REQUIRED = 16
NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18
NVML_ERROR_NO_DATA = 21
NVML_ERROR_DEPRECATED = 26
NVML_ERROR_UNKNOWN = 999

# The library as a whole is gone (driver reload, sleep/resume, GPU fell off the bus): shut down
# and initialise again later. nvitop treats the same set as fatal to the current session.
_LOST_CODES = frozenset(
    {
        NVML_ERROR_UNINITIALIZED,
        NVML_ERROR_DRIVER_NOT_LOADED,
        NVML_ERROR_LIBRARY_NOT_FOUND,
        NVML_ERROR_GPU_IS_LOST,
        NVML_ERROR_RESET_REQUIRED,
        NVML_ERROR_LIB_RM_VERSION_MISMATCH,
        NVML_ERROR_UNKNOWN,
    }
)
# This device or driver will never answer this call.
_UNSUPPORTED_CODES = frozenset(
    {NVML_ERROR_NOT_SUPPORTED, NVML_ERROR_FUNCTION_NOT_FOUND, NVML_ERROR_DEPRECATED}
)
# Expected answers while enumerating (empty MIG slots), not worth a warning.
_QUIET_CODES = frozenset({NVML_ERROR_NOT_FOUND, NVML_ERROR_NO_DATA, NVML_ERROR_NO_PERMISSION})
# Init failures that just mean "no NVIDIA driver here" (Macs, AMD boxes): not a warning.
_ABSENT_CODES = frozenset({NVML_ERROR_LIBRARY_NOT_FOUND, NVML_ERROR_DRIVER_NOT_LOADED})

NVML_TEMPERATURE_GPU = 0
NVML_CLOCK_GRAPHICS = 0
NVML_CLOCK_MEM = 2
NVML_DEVICE_MIG_ENABLE = 1


def _import_pynvml() -> Any:
    import pynvml

    return pynvml


@dataclass(frozen=True, slots=True)
class NvmlOutcome:
    """The result of one NVML call.

    Attributes:
        value: what the function returned; ``None`` unless ``ok``.
        ok: the call succeeded.
        unsupported: the device or driver will never answer this call (NotSupported, missing).
    """

    value: Any = None
    ok: bool = False
    unsupported: bool = False


_FAILED = NvmlOutcome()
_UNSUPPORTED = NvmlOutcome(unsupported=True)


class Nvml:
    """The only way this pack talks to NVML (like nvitop's ``nvmlQuery``).

    NVML is initialised lazily under a lock on first use. A call never raises: it yields an
    ``NvmlOutcome``. Functions the driver lacks and NotSupported answers are logged once. Errors
    that mean the library is gone (GPU lost, uninitialised, driver errors after sleep/resume)
    shut NVML down and re-initialise it on a later call, with exponential backoff; each
    successful (re)initialisation bumps ``generation``, which invalidates device handles.
    """

    def __init__(
        self,
        load: Callable[[], Any] = _import_pynvml,
        *,
        clock: Callable[[], float] = time.monotonic,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        """Create the wrapper; nothing is imported or initialised until the first call.

        Args:
            load: returns the ``pynvml`` module, or an object with the same functions (tests).
            clock: monotonic seconds, for the backoff.
            backoff_initial_s: wait after the first failed (re)initialisation.
            backoff_max_s: the longest wait between attempts.
        """
        self._load = load
        self._lock = threading.RLock()
        self._module: Any = None
        self._initialized = False
        self._generation = 0
        self._clock = clock
        self._backoff = Backoff(initial_s=backoff_initial_s, max_s=backoff_max_s, clock=clock)
        # A session that stayed healthy this long before failing starts the backoff over; one
        # that fails right after each re-init keeps doubling it (a GPU that is really gone).
        self._stable_s = backoff_max_s
        self._initialized_at = float("-inf")

    @property
    def initialized(self) -> bool:
        """Whether NVML is initialised right now."""
        return self._initialized

    @property
    def generation(self) -> int:
        """Number of successful initialisations; handles from an older generation are stale."""
        return self._generation

    def retry_due(self) -> bool:
        """Whether NVML, once working, is down and the backoff allows another initialisation."""
        return self._generation > 0 and not self._initialized and self._backoff.due()

    def ensure_initialized(self) -> bool:
        """Initialise NVML if it is not, unless the backoff says to wait.

        Returns:
            Whether NVML is usable now.
        """
        if self._initialized:
            return True
        with self._lock:
            if self._initialized:
                return True
            if not self._backoff.due():
                return False
            if self._module is None:
                try:
                    self._module = self._load()
                except Exception as exc:
                    delay_s = self._backoff.failed()
                    log.warn_once(
                        "telemetry.nvml.import",
                        f"pynvml is not available ({exc!r}): NVIDIA GPU metrics are off "
                        f"(pip install nvidia-ml-py); retrying in {delay_s:.0f} s",
                        level=logging.INFO,
                    )
                    return False
            try:
                self._module.nvmlInit()
            except Exception as exc:
                code = self._code(exc)
                delay_s = self._backoff.failed()
                if code in _ABSENT_CODES:
                    log.warn_once(
                        f"telemetry.nvml.init.{code}",
                        f"NVML is not available ({exc}): no NVIDIA driver, NVIDIA GPU metrics are off",
                        level=logging.INFO,
                    )
                else:
                    log.at_most_every(
                        "telemetry.nvml.init",
                        300.0,
                        f"NVML initialisation failed ({exc!r}); retrying in {delay_s:.0f} s",
                    )
                return False
            self._initialized = True
            self._initialized_at = self._clock()
            self._generation += 1
            if self._generation > 1:
                log.at_most_every("telemetry.nvml.reinit", 300.0, "NVML re-initialised", level=logging.INFO)
            return True

    def call(self, function: str, *args: Any) -> NvmlOutcome:
        """Call ``pynvml.<function>(*args)``, initialising NVML first if needed.

        Args:
            function: the pynvml function name, e.g. ``"nvmlDeviceGetMemoryInfo"``.
            *args: its arguments (device handles from the current ``generation``).

        Returns:
            The outcome; never raises.
        """
        if not self.ensure_initialized():
            return _FAILED
        target = getattr(self._module, function, None)
        if target is None:
            log.warn_once(
                f"telemetry.nvml.missing.{function}",
                f"NVML function {function} is missing (old nvidia-ml-py or driver); that metric is off",
            )
            return _UNSUPPORTED
        try:
            value = target(*args)
        except Exception as exc:
            return self._failure(function, exc)
        return NvmlOutcome(value=value, ok=True)

    def query(self, function: str, *args: Any) -> Any:
        """Like ``call`` but returns just the value, ``None`` on any failure."""
        return self.call(function, *args).value

    def shutdown(self) -> None:
        """Shut NVML down if initialised; a later call initialises it again."""
        with self._lock:
            if self._initialized:
                self._initialized = False
                try:
                    self._module.nvmlShutdown()
                except Exception as exc:
                    log.at_most_every("telemetry.nvml.shutdown", 300.0, f"nvmlShutdown failed: {exc!r}")
            self._backoff.succeeded()

    def _code(self, exc: Exception) -> int | None:
        error_class = getattr(self._module, "NVMLError", None)
        if isinstance(error_class, type) and not isinstance(exc, error_class):
            return None
        code = getattr(exc, "value", None)
        return code if isinstance(code, int) else None

    def _failure(self, function: str, exc: Exception) -> NvmlOutcome:
        code = self._code(exc)
        if code in _UNSUPPORTED_CODES:
            log.warn_once(
                f"telemetry.nvml.unsupported.{function}",
                f"NVML {function}: {exc}; that metric is off for this GPU",
                level=logging.INFO,
            )
            return _UNSUPPORTED
        if code in _LOST_CODES:
            self._mark_lost(function, exc, code)
            return _FAILED
        level = logging.DEBUG if code in _QUIET_CODES else logging.WARNING
        log.at_most_every(
            f"telemetry.nvml.error.{function}", 300.0, f"NVML {function} failed: {exc!r}", level=level
        )
        return _FAILED

    def _mark_lost(self, function: str, exc: Exception, code: int | None) -> None:
        with self._lock:
            if not self._initialized:
                return  # another call already reported it
            self._initialized = False
            # The library is gone; shutting it down is best effort.
            with contextlib.suppress(Exception):
                self._module.nvmlShutdown()
            if self._clock() - self._initialized_at >= self._stable_s:
                self._backoff.succeeded()
            delay_s = self._backoff.failed()
        log.warn_once(
            f"telemetry.nvml.lost.{code}",
            f"NVML {function} reported '{exc}': GPU metrics paused, re-initialising NVML "
            f"(next try in {delay_s:.0f} s, backing off up to a minute)",
        )


@dataclass(frozen=True, slots=True)
class _NvmlDevice:
    device: GpuDevice
    handle: Any
    # Temperature belongs to the physical chip: a MIG instance reads its parent's sensor.
    temperature_handle: Any


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return (value.strip() or None) if isinstance(value, str) else None


class NvmlGpuSource:
    """Utilisation, VRAM, temperature and power of NVIDIA GPUs, labelled with torch indices."""

    def __init__(
        self,
        nvml: Nvml | None = None,
        *,
        torch_runtime: TorchRuntime | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """Create the source.

        Args:
            nvml: the wrapper (tests pass one over a fake module).
            torch_runtime: for mapping devices to torch indices; ``None`` skips torch.
            environ: where ``CUDA_VISIBLE_DEVICES`` is read; ``os.environ`` by default.
        """
        self._nvml = nvml if nvml is not None else Nvml()
        self._torch = torch_runtime
        self._environ = environ if environ is not None else os.environ
        self._devices: tuple[_NvmlDevice, ...] = ()
        self._generation = 0

    @property
    def name(self) -> str:
        """``"nvml"``."""
        return "nvml"

    @property
    def nvml(self) -> Nvml:
        """The wrapper every call goes through."""
        return self._nvml

    def probe(self, claimed_indices: frozenset[int]) -> GpuProbe:
        """Enumerate NVIDIA GPUs (and MIG instances) the process can see.

        Args:
            claimed_indices: torch indices an earlier source already reports.
        """
        if not self._nvml.ensure_initialized():
            self._devices = ()
            self._generation = self._nvml.generation
            return GpuProbe(nvml_available=False)
        generation = self._nvml.generation
        found = self._enumerate()
        identities = self._torch.cuda_identities() if self._torch is not None else None
        pairs = map_torch_indices(
            [gpu for gpu, _, _, _ in found], identities, self._environ.get("CUDA_VISIBLE_DEVICES")
        )
        by_gpu = {id(gpu): (handle, parent, name) for gpu, handle, parent, name in found}
        devices: list[_NvmlDevice] = []
        for index, gpu in pairs:
            if index in claimed_indices:
                continue
            handle, parent, name = by_gpu[id(gpu)]
            devices.append(self._describe(index, gpu, handle, parent, name))
        if not self._nvml.initialized or self._nvml.generation != generation:
            # Lost half-way: the list is partial and its handles stale. wants_probe() retries.
            self._devices = ()
            self._generation = self._nvml.generation
            return GpuProbe(nvml_available=False)
        self._devices = tuple(devices)
        self._generation = generation
        return GpuProbe(devices=tuple(item.device for item in devices), nvml_available=True)

    def sample(self) -> list[GpuSample]:
        """Read every probed device; a metric that fails is ``None`` this tick and retried next."""
        generation = self._generation
        if self._nvml.generation != generation:
            # Handles from before a re-initialisation are stale; the next probe replaces them.
            return [empty_gpu_sample(item.device.index) for item in self._devices]
        samples = [self._read(item) for item in self._devices]
        if self._nvml.generation != generation:
            return [empty_gpu_sample(item.device.index) for item in self._devices]
        return samples

    def inspect(self, index: int) -> GpuDetails | None:
        """Everything NVML says of one device, read now (the inspector; never per tick): a call the
        device or driver does not answer leaves its figure None."""
        item = next((d for d in self._devices if d.device.index == index), None)
        if item is None or self._nvml.generation != self._generation:
            return None
        nvml, handle = self._nvml, item.handle
        memory = nvml.query("nvmlDeviceGetMemoryInfo", handle)
        rates = nvml.query("nvmlDeviceGetUtilizationRates", handle)
        processes = self._processes(handle)
        mine = next((p.used_bytes for p in processes if p.this_process and p.used_bytes is not None), None)
        if mine is None and self._torch is not None:
            # In a container NVML lists the host's process ids, not ours: torch's own figure then.
            mine = self._torch.cuda_reserved_bytes(index)
        return GpuDetails(
            driver_version=_text(nvml.query("nvmlSystemGetDriverVersion")),
            cuda_driver_version=_cuda_version(nvml.query("nvmlSystemGetCudaDriverVersion_v2")),
            vram_total_bytes=positive_int(getattr(memory, "total", None)),
            vram_used_bytes=non_negative_int(getattr(memory, "used", None)),
            vram_free_bytes=non_negative_int(getattr(memory, "free", None)),
            this_process_bytes=mine,
            utilization_percent=percent(getattr(rates, "gpu", None)),
            memory_utilization_percent=percent(getattr(rates, "memory", None)),
            temperature_c=finite_float(
                nvml.query("nvmlDeviceGetTemperature", item.temperature_handle, NVML_TEMPERATURE_GPU)
            ),
            power_draw_watts=_milliwatts_to_watts(nvml.query("nvmlDeviceGetPowerUsage", handle)),
            power_limit_watts=_milliwatts_to_watts(nvml.query("nvmlDeviceGetEnforcedPowerLimit", handle)),
            graphics_clock_mhz=non_negative_float(
                nvml.query("nvmlDeviceGetClockInfo", handle, NVML_CLOCK_GRAPHICS)
            ),
            max_graphics_clock_mhz=non_negative_float(
                nvml.query("nvmlDeviceGetMaxClockInfo", handle, NVML_CLOCK_GRAPHICS)
            ),
            memory_clock_mhz=non_negative_float(nvml.query("nvmlDeviceGetClockInfo", handle, NVML_CLOCK_MEM)),
            fan_percent=percent(nvml.query("nvmlDeviceGetFanSpeed", handle)),
            processes=processes,
        )

    def _processes(self, handle: Any) -> tuple[GpuProcess, ...]:
        own = os.getpid()
        found: dict[tuple[int, str], GpuProcess] = {}
        for function, kind in (
            ("nvmlDeviceGetComputeRunningProcesses", "compute"),
            ("nvmlDeviceGetGraphicsRunningProcesses", "graphics"),
        ):
            listed = self._nvml.query(function, handle)
            for entry in listed if isinstance(listed, (list, tuple)) else ():
                pid = non_negative_int(getattr(entry, "pid", None))
                if pid is None:
                    continue
                used = non_negative_int(getattr(entry, "usedGpuMemory", None))
                # NVML's "not available" is the largest unsigned 64-bit value.
                used = None if used is not None and used >= 2**63 else used
                found[(pid, kind)] = GpuProcess(
                    pid=pid,
                    name=process_name(pid),
                    used_bytes=used,
                    kind=kind,
                    this_process=pid == own,
                )
        return tuple(sorted(found.values(), key=lambda p: -(p.used_bytes or 0)))

    def wants_probe(self) -> bool:
        """Whether the device list is stale: NVML re-initialised, or lost and due for a retry."""
        return self._nvml.generation != self._generation or self._nvml.retry_due()

    def close(self) -> None:
        """Shut NVML down."""
        self._devices = ()
        self._nvml.shutdown()

    def _enumerate(self) -> list[tuple[VendorGpu, Any, Any, str]]:
        nvml = self._nvml
        found: list[tuple[VendorGpu, Any, Any, str]] = []
        count = non_negative_int(nvml.query("nvmlDeviceGetCount")) or 0
        for ordinal in range(count):
            handle = nvml.query("nvmlDeviceGetHandleByIndex", ordinal)
            if handle is None:
                continue
            name = _text(nvml.query("nvmlDeviceGetName", handle)) or f"NVIDIA GPU {ordinal}"
            uuid = _text(nvml.query("nvmlDeviceGetUUID", handle))
            pci = nvml.query("nvmlDeviceGetPciInfo", handle)
            pci_bus_id = normalize_pci_bus_id(_text(getattr(pci, "busId", None)))
            found.append((VendorGpu(ordinal, uuid, pci_bus_id), handle, handle, name))
            found.extend(self._enumerate_mig(ordinal, handle, pci_bus_id))
        return found

    def _enumerate_mig(
        self, ordinal: int, handle: Any, pci_bus_id: str | None
    ) -> list[tuple[VendorGpu, Any, Any, str]]:
        nvml = self._nvml
        mode = nvml.call("nvmlDeviceGetMigMode", handle)
        current = mode.value[0] if mode.ok and isinstance(mode.value, (list, tuple)) and mode.value else None
        if current != NVML_DEVICE_MIG_ENABLE:
            return []
        found: list[tuple[VendorGpu, Any, Any, str]] = []
        for slot in range(non_negative_int(nvml.query("nvmlDeviceGetMaxMigDeviceCount", handle)) or 0):
            mig_handle = nvml.query("nvmlDeviceGetMigDeviceHandleByIndex", handle, slot)
            if mig_handle is None:  # empty slot
                continue
            uuid = _text(nvml.query("nvmlDeviceGetUUID", mig_handle))
            name = _text(nvml.query("nvmlDeviceGetName", mig_handle)) or f"NVIDIA GPU {ordinal} MIG {slot}"
            found.append((VendorGpu(slot, uuid, pci_bus_id, mig_parent=ordinal), mig_handle, handle, name))
        return found

    def _describe(self, index: int, gpu: VendorGpu, handle: Any, parent: Any, name: str) -> _NvmlDevice:
        nvml = self._nvml
        is_mig = gpu.mig_parent is not None
        memory = nvml.call("nvmlDeviceGetMemoryInfo", handle)
        supports = GpuMetricSupport(
            # Support is what the device answers once; a transient failure still counts as
            # supported, so it is retried every tick.
            utilization=not nvml.call("nvmlDeviceGetUtilizationRates", handle).unsupported,
            vram=not memory.unsupported,
            temperature=not nvml.call("nvmlDeviceGetTemperature", parent, NVML_TEMPERATURE_GPU).unsupported,
            # A MIG instance shares the board's power budget with its siblings: no per-instance figure.
            power=not is_mig and not nvml.call("nvmlDeviceGetPowerUsage", handle).unsupported,
        )
        device = GpuDevice(
            index=index,
            name=name,
            vendor="nvidia",
            source="nvml",
            uuid=gpu.uuid,
            pci_bus_id=gpu.pci_bus_id,
            vram_total_bytes=positive_int(getattr(memory.value, "total", None)),
            supports=supports,
        )
        return _NvmlDevice(device=device, handle=handle, temperature_handle=parent)

    def _read(self, item: _NvmlDevice) -> GpuSample:
        nvml = self._nvml
        supports = item.device.supports
        utilization_percent: float | None = None
        vram_used_bytes: int | None = None
        vram_total_bytes: int | None = None
        temperature_c: float | None = None
        power_draw_watts: float | None = None
        power_limit_watts: float | None = None
        if supports.utilization:
            utilization_percent = percent(
                getattr(nvml.query("nvmlDeviceGetUtilizationRates", item.handle), "gpu", None)
            )
        if supports.vram:
            memory = nvml.query("nvmlDeviceGetMemoryInfo", item.handle)
            vram_used_bytes = non_negative_int(getattr(memory, "used", None))
            vram_total_bytes = positive_int(getattr(memory, "total", None))
        if supports.temperature:
            temperature_c = finite_float(
                nvml.query("nvmlDeviceGetTemperature", item.temperature_handle, NVML_TEMPERATURE_GPU)
            )
        if supports.power:
            power_draw_watts = _milliwatts_to_watts(nvml.query("nvmlDeviceGetPowerUsage", item.handle))
            power_limit_watts = _milliwatts_to_watts(
                nvml.query("nvmlDeviceGetEnforcedPowerLimit", item.handle)
            )
        return GpuSample(
            index=item.device.index,
            utilization_percent=utilization_percent,
            vram_used_bytes=vram_used_bytes,
            vram_total_bytes=vram_total_bytes,
            temperature_c=temperature_c,
            power_draw_watts=power_draw_watts,
            power_limit_watts=power_limit_watts,
        )


def _cuda_version(value: Any) -> str | None:
    """NVML's CUDA driver version (12080) as people write it (12.8)."""
    number = non_negative_int(value)
    return f"{number // 1000}.{number % 1000 // 10}" if number else None


def _milliwatts_to_watts(value: Any) -> float | None:
    milliwatts = non_negative_float(value)
    return milliwatts / 1000.0 if milliwatts is not None else None


def nvidia_driver_version(nvml: Nvml | None = None) -> str | None:
    """The NVIDIA driver's version (``"580.95.05"``), None without one. Blocking; its own NVML
    session (NVML counts initialisations, so the sampler's own session is not disturbed)."""
    session = nvml if nvml is not None else Nvml()
    try:
        return _text(session.query("nvmlSystemGetDriverVersion"))
    finally:
        session.shutdown()
