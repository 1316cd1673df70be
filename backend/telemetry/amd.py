"""AMD GPUs through amdsmi (ROCm): utilisation, VRAM, temperature and power, labelled with torch indices."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import log
from ..schemas import GpuDevice, GpuMetricSupport, GpuSample
from ._numbers import finite_float, non_negative_float, non_negative_int, percent, positive_int
from ._optional import Backoff, OptionalModule
from .base import GpuDetails, GpuProbe, details_from_sample
from .devices import VendorGpu, map_torch_indices, normalize_pci_bus_id
from .torch_devices import TorchRuntime

_MIB = 1024 * 1024
# Edge is the classic board sensor; MI-series parts only have hotspot/junction.
_TEMPERATURE_SENSORS = ("EDGE", "HOTSPOT", "JUNCTION")


def _import_amdsmi() -> Any:
    import amdsmi

    return amdsmi


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return (value.strip() or None) if isinstance(value, str) and value.strip() != "N/A" else None


def _field(mapping: Any, *keys: str) -> Any:
    # amdsmi answers dicts whose keys moved between ROCm releases, and "N/A" for unknown values.
    if not isinstance(mapping, Mapping):
        return None
    for key in keys:
        value = mapping.get(key)
        if finite_float(value) is not None:
            return value
    return None


@dataclass(frozen=True, slots=True)
class _AmdDevice:
    device: GpuDevice
    handle: Any
    temperature_args: tuple[Any, ...] | None


class AmdSmiGpuSource:
    """AMD GPUs through the ``amdsmi`` Python package shipped with ROCm (when importable)."""

    def __init__(
        self,
        load: Callable[[], Any] = _import_amdsmi,
        *,
        torch_runtime: TorchRuntime | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create the source; amdsmi is imported and initialised on the first probe.

        Args:
            load: returns the amdsmi module (tests inject a double here).
            torch_runtime: for mapping devices to torch indices under ROCm.
            environ: where ``HIP_VISIBLE_DEVICES``/``CUDA_VISIBLE_DEVICES`` are read.
            clock: monotonic seconds, for retries.
        """
        self._amdsmi = OptionalModule(
            "amdsmi",
            load,
            consequence="AMD GPUs show VRAM through torch only (amdsmi comes with ROCm)",
            # Most machines have no AMD GPU: not worth more than a debug line.
            level=logging.DEBUG,
            clock=clock,
        )
        self._torch = torch_runtime
        self._environ = environ if environ is not None else os.environ
        self._module: Any = None
        self._initialized = False
        self._init_backoff = Backoff(initial_s=30.0, max_s=300.0, clock=clock)
        self._devices: tuple[_AmdDevice, ...] = ()

    @property
    def name(self) -> str:
        """``"amdsmi"``."""
        return "amdsmi"

    def probe(self, claimed_indices: frozenset[int]) -> GpuProbe:
        """Enumerate AMD GPUs the process can see.

        Args:
            claimed_indices: torch indices an earlier source already reports.
        """
        self._devices = ()
        if not self._ensure_initialized():
            return GpuProbe()
        handles = self._query("amdsmi_get_processor_handles")
        found: list[tuple[VendorGpu, Any, str]] = []
        for ordinal, handle in enumerate(handles if isinstance(handles, (list, tuple)) else ()):
            bdf = normalize_pci_bus_id(_text(self._query("amdsmi_get_gpu_device_bdf", handle)))
            uuid = _text(self._query("amdsmi_get_gpu_device_uuid", handle))
            asic = self._query("amdsmi_get_gpu_asic_info", handle)
            name = _text(asic.get("market_name")) if isinstance(asic, Mapping) else None
            found.append((VendorGpu(ordinal, uuid, bdf), handle, name or f"AMD GPU {ordinal}"))
        identities = None
        if self._torch is not None and self._torch.backend() == "rocm":
            identities = self._torch.cuda_identities()
        # HIP honours HIP_VISIBLE_DEVICES first and CUDA_VISIBLE_DEVICES as an alias.
        visible = self._environ.get("HIP_VISIBLE_DEVICES", self._environ.get("CUDA_VISIBLE_DEVICES"))
        pairs = map_torch_indices([gpu for gpu, _, _ in found], identities, visible)
        by_gpu = {id(gpu): (handle, name) for gpu, handle, name in found}
        devices = []
        for index, gpu in pairs:
            if index in claimed_indices:
                continue
            handle, name = by_gpu[id(gpu)]
            devices.append(self._describe(index, gpu, handle, name))
        self._devices = tuple(devices)
        return GpuProbe(devices=tuple(item.device for item in devices))

    def sample(self) -> list[GpuSample]:
        """Read every probed device; a metric that fails is ``None`` this tick."""
        samples: list[GpuSample] = []
        for item in self._devices:
            supports = item.device.supports
            used_bytes, total_bytes = self._vram(item.handle) if supports.vram else (None, None)
            samples.append(
                GpuSample(
                    index=item.device.index,
                    utilization_percent=self._utilization(item.handle) if supports.utilization else None,
                    vram_used_bytes=used_bytes,
                    vram_total_bytes=total_bytes,
                    temperature_c=self._temperature(item),
                    power_draw_watts=self._power_draw(item.handle) if supports.power else None,
                    power_limit_watts=self._power_limit(item.handle) if supports.power else None,
                )
            )
        return samples

    def inspect(self, index: int) -> GpuDetails | None:
        """What a sample of the device says (amdsmi's process and clock calls are not read yet)."""
        return details_from_sample(next((s for s in self.sample() if s.index == index), None))

    def wants_probe(self) -> bool:
        """Never: the periodic probe picks up changes."""
        return False

    def close(self) -> None:
        """Shut amdsmi down if this source initialised it."""
        self._devices = ()
        if self._initialized:
            self._initialized = False
            try:
                self._module.amdsmi_shut_down()
            except Exception as exc:
                log.at_most_every("telemetry.amdsmi.shutdown", 300.0, f"amdsmi_shut_down failed: {exc!r}")

    def _ensure_initialized(self) -> bool:
        if self._initialized:
            return True
        module = self._amdsmi.get()
        if module is None or not self._init_backoff.due():
            return False
        flags = getattr(getattr(module, "AmdSmiInitFlags", None), "INIT_AMD_GPUS", None)
        try:
            if flags is None:
                module.amdsmi_init()
            else:
                module.amdsmi_init(flags)
        except Exception as exc:
            self._init_backoff.failed()
            log.warn_once(
                "telemetry.amdsmi.init",
                f"amdsmi could not initialise ({exc!r}): AMD GPU metrics come from torch only",
                level=logging.INFO,
            )
            return False
        self._module = module
        self._initialized = True
        self._init_backoff.succeeded()
        return True

    def _query(self, function: str, *args: Any) -> Any:
        target = getattr(self._module, function, None)
        if target is None:
            log.warn_once(
                f"telemetry.amdsmi.missing.{function}", f"amdsmi has no {function}; that metric is off"
            )
            return None
        try:
            return target(*args)
        except Exception as exc:
            log.at_most_every(
                f"telemetry.amdsmi.error.{function}",
                300.0,
                f"amdsmi {function} failed: {exc!r}",
                level=logging.INFO,
            )
            return None

    def _describe(self, index: int, gpu: VendorGpu, handle: Any, name: str) -> _AmdDevice:
        temperature_args = self._find_temperature_sensor(handle)
        _, total_bytes = self._vram(handle)
        supports = GpuMetricSupport(
            utilization=self._utilization(handle) is not None,
            vram=total_bytes is not None,
            temperature=temperature_args is not None,
            power=self._power_draw(handle) is not None,
        )
        device = GpuDevice(
            index=index,
            name=name,
            vendor="amd",
            source="amdsmi",
            uuid=gpu.uuid,
            pci_bus_id=gpu.pci_bus_id,
            vram_total_bytes=total_bytes,
            supports=supports,
        )
        return _AmdDevice(device=device, handle=handle, temperature_args=temperature_args)

    def _find_temperature_sensor(self, handle: Any) -> tuple[Any, ...] | None:
        sensor_types = getattr(self._module, "AmdSmiTemperatureType", None)
        metric = getattr(getattr(self._module, "AmdSmiTemperatureMetric", None), "CURRENT", None)
        if sensor_types is None or metric is None:
            return None
        for sensor_name in _TEMPERATURE_SENSORS:
            sensor = getattr(sensor_types, sensor_name, None)
            if (
                sensor is not None
                and _celsius(self._query("amdsmi_get_temp_metric", handle, sensor, metric)) is not None
            ):
                return (sensor, metric)
        return None

    def _utilization(self, handle: Any) -> float | None:
        return percent(_field(self._query("amdsmi_get_gpu_activity", handle), "gfx_activity"))

    def _vram(self, handle: Any) -> tuple[int | None, int | None]:
        usage = self._query("amdsmi_get_gpu_vram_usage", handle)
        used_mib = non_negative_float(_field(usage, "vram_used"))
        total_mib = non_negative_float(_field(usage, "vram_total"))
        used_bytes = non_negative_int(used_mib * _MIB) if used_mib is not None else None
        total_bytes = positive_int(total_mib * _MIB) if total_mib is not None else None
        return used_bytes, total_bytes

    def _temperature(self, item: _AmdDevice) -> float | None:
        if item.temperature_args is None:
            return None
        return _celsius(self._query("amdsmi_get_temp_metric", item.handle, *item.temperature_args))

    def _power_draw(self, handle: Any) -> float | None:
        info = self._query("amdsmi_get_power_info", handle)
        return non_negative_float(
            _field(info, "current_socket_power", "average_socket_power", "socket_power")
        )

    def _power_limit(self, handle: Any) -> float | None:
        cap = non_negative_float(_field(self._query("amdsmi_get_power_cap_info", handle), "power_cap"))
        if cap is None:
            return None
        # amdsmi documents power_cap in microwatts; a few releases answered watts.
        return cap / 1_000_000.0 if cap >= 10_000.0 else cap


def _celsius(value: Any) -> float | None:
    temperature = finite_float(value)
    if temperature is None:
        return None
    # rocm-smi era bindings answered millidegrees; no GPU runs at 200 °C.
    return temperature / 1000.0 if temperature > 200.0 else temperature
