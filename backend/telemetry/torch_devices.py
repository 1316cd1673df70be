"""Accelerators as torch sees them: device identities for mapping, and VRAM where no vendor library is."""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .. import log
from ..schemas import GpuDevice, GpuMetricSupport, GpuSample, GpuVendor
from ._numbers import non_negative_int, positive_int
from ._optional import OptionalModule
from .base import GpuDetails, GpuProbe, TorchBackend, details_from_sample, empty_gpu_sample
from .devices import TorchDeviceIdentity, normalize_pci_bus_id

_TORCH_SUPPORTS = GpuMetricSupport(utilization=False, vram=True, temperature=False, power=False)


def _import_torch() -> Any:
    import torch

    return torch


def _guard(what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:
        log.at_most_every(f"telemetry.torch.{what}", 300.0, f"torch {what} failed: {exc!r}")
        return None


class TorchRuntime:
    """Shared, lazy access to torch; it never initialises CUDA or XPU itself.

    Creating a CUDA context costs hundreds of MiB of VRAM per device and is ComfyUI's job: every
    ``torch.cuda`` call here is either context-free or made only once CUDA is initialised.
    """

    def __init__(
        self, load: Callable[[], Any] = _import_torch, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Create the runtime; torch is imported on first use, on the sampler thread.

        Args:
            load: returns the torch module (tests inject a double here).
            clock: monotonic seconds, for import retries.
        """
        self._torch = OptionalModule(
            "torch",
            load,
            consequence="devices are labelled in NVML/amdsmi order and torch-only GPUs are not shown",
            level=logging.INFO,
            clock=clock,
        )

    def module(self) -> Any | None:
        """The torch module, or ``None`` while it cannot be imported."""
        return self._torch.get()

    def backend(self) -> TorchBackend | None:
        """The accelerator torch would use here, ``"cpu"`` for none, ``None`` without torch."""
        torch = self.module()
        if torch is None:
            return None
        cuda = getattr(torch, "cuda", None)
        if cuda is not None and _guard("cuda.is_available", cuda.is_available):
            return "rocm" if getattr(getattr(torch, "version", None), "hip", None) else "cuda"
        xpu = getattr(torch, "xpu", None)
        if xpu is not None and _guard("xpu.is_available", xpu.is_available):
            return "xpu"
        mps = getattr(getattr(torch, "backends", None), "mps", None)
        if mps is not None and _guard("mps.is_available", mps.is_available):
            return "mps"
        return "cpu"

    def cuda_reserved_bytes(self, index: int) -> int | None:
        """What torch's caching allocator holds on ``cuda:index``; None before CUDA is initialised
        (asking would create a context: hundreds of MiB)."""
        torch = self.module()
        cuda = getattr(torch, "cuda", None) if torch is not None else None
        if cuda is None or not _guard("cuda.is_initialized", cuda.is_initialized):
            return None
        return non_negative_int(
            _guard("cuda.memory_reserved", functools.partial(cuda.memory_reserved, index))
        )

    def cuda_identities(self) -> list[TorchDeviceIdentity] | None:
        """UUID and PCI bus id of every ``cuda:N`` device, once CUDA (or ROCm) is initialised.

        Returns:
            One identity per visible device, ``[]`` when torch sees none, or ``None`` when it
            cannot tell without initialising CUDA (or its build predates these properties).
        """
        torch = self.module()
        cuda = getattr(torch, "cuda", None) if torch is not None else None
        if cuda is None or not _guard("cuda.is_available", cuda.is_available):
            return None
        if not _guard("cuda.is_initialized", cuda.is_initialized):
            return None
        count = non_negative_int(_guard("cuda.device_count", cuda.device_count))
        if count is None:
            return None
        identities: list[TorchDeviceIdentity] = []
        for index in range(count):
            props = _guard("cuda.get_device_properties", functools.partial(cuda.get_device_properties, index))
            uuid = getattr(props, "uuid", None)
            identities.append(
                TorchDeviceIdentity(
                    index=index, uuid=str(uuid) if uuid is not None else None, pci_bus_id=_pci(props)
                )
            )
        if identities and not any(item.uuid or item.pci_bus_id for item in identities):
            return None
        return identities


def _pci(props: Any) -> str | None:
    parts = [getattr(props, name, None) for name in ("pci_domain_id", "pci_bus_id", "pci_device_id")]
    if not all(isinstance(part, int) and not isinstance(part, bool) for part in parts):
        return None
    domain, bus, device = parts
    return normalize_pci_bus_id(f"{domain:x}:{bus:x}:{device:x}.0")


@dataclass(frozen=True, slots=True)
class _TorchDevice:
    kind: Literal["cuda", "xpu", "mps"]
    device: GpuDevice


class TorchGpuSource:
    """VRAM through torch where no vendor library answers: ROCm, Intel XPU, Apple MPS, CUDA without NVML."""

    def __init__(self, runtime: TorchRuntime | None = None) -> None:
        """Create the source.

        Args:
            runtime: shared with the vendor sources so torch is imported once.
        """
        self._runtime = runtime if runtime is not None else TorchRuntime()
        self._devices: tuple[_TorchDevice, ...] = ()

    @property
    def name(self) -> str:
        """``"torch"``."""
        return "torch"

    def probe(self, claimed_indices: frozenset[int]) -> GpuProbe:
        """List torch devices that no earlier source reports.

        Args:
            claimed_indices: torch indices NVML or amdsmi already cover with richer metrics.
        """
        torch = self._runtime.module()
        if torch is None:
            self._devices = ()
            return GpuProbe(torch_available=False)
        backend = self._runtime.backend()
        devices: list[_TorchDevice] = []
        if backend in ("cuda", "rocm"):
            devices = self._probe_cuda(torch, backend == "rocm", claimed_indices)
        elif backend == "xpu":
            devices = self._probe_xpu(torch, claimed_indices)
        elif backend == "mps" and 0 not in claimed_indices:
            total = positive_int(_guard("mps.recommended_max_memory", torch.mps.recommended_max_memory))
            devices = [_TorchDevice("mps", self._device(0, "Apple GPU (MPS)", "apple", total))]
        self._devices = tuple(devices)
        return GpuProbe(
            devices=tuple(item.device for item in devices), torch_available=True, torch_backend=backend
        )

    def sample(self) -> list[GpuSample]:
        """Read VRAM for each probed device; utilisation, temperature and power are not known to torch."""
        if not self._devices:
            return []
        torch = self._runtime.module()
        samples: list[GpuSample] = []
        for item in self._devices:
            index = item.device.index
            used_bytes: int | None = None
            total_bytes = item.device.vram_total_bytes
            if torch is not None:
                if item.kind == "cuda":
                    used_bytes, total_bytes = self._cuda_vram(torch.cuda, index, total_bytes)
                elif item.kind == "xpu":
                    used_bytes, total_bytes = self._xpu_vram(torch.xpu, index, total_bytes)
                else:
                    # Unified memory: what the Metal driver holds for this process.
                    used_bytes = non_negative_int(
                        _guard("mps.driver_allocated_memory", torch.mps.driver_allocated_memory)
                    )
            samples.append(
                empty_gpu_sample(index).model_copy(
                    update={"vram_used_bytes": used_bytes, "vram_total_bytes": total_bytes}
                )
            )
        return samples

    def inspect(self, index: int) -> GpuDetails | None:
        """A sample's figures and what torch holds on the device (its reserved memory)."""
        details = details_from_sample(next((s for s in self.sample() if s.index == index), None))
        item = next((d for d in self._devices if d.device.index == index), None)
        if details is None or item is None or item.kind != "cuda":
            return details
        return dataclasses.replace(details, this_process_bytes=self._runtime.cuda_reserved_bytes(index))

    def wants_probe(self) -> bool:
        """Never: torch devices change only with the process, and the periodic probe sees CUDA start."""
        return False

    def close(self) -> None:
        """Nothing to release: torch belongs to ComfyUI."""

    def _probe_cuda(self, torch: Any, rocm: bool, claimed: frozenset[int]) -> list[_TorchDevice]:
        cuda = torch.cuda
        count = non_negative_int(_guard("cuda.device_count", cuda.device_count)) or 0
        initialized = bool(_guard("cuda.is_initialized", cuda.is_initialized))
        identities = {item.index: item for item in self._runtime.cuda_identities() or ()}
        devices: list[_TorchDevice] = []
        for index in range(count):
            if index in claimed:
                continue
            name = f"cuda:{index}"
            total: int | None = None
            if initialized:  # get_device_properties would initialise CUDA otherwise
                props = _guard(
                    "cuda.get_device_properties", functools.partial(cuda.get_device_properties, index)
                )
                name = str(getattr(props, "name", "") or name)
                total = positive_int(getattr(props, "total_memory", None))
            identity = identities.get(index)
            devices.append(
                _TorchDevice(
                    "cuda",
                    self._device(
                        index,
                        name,
                        "amd" if rocm else "nvidia",
                        total,
                        uuid=identity.uuid if identity else None,
                        pci_bus_id=identity.pci_bus_id if identity else None,
                    ),
                )
            )
        return devices

    def _probe_xpu(self, torch: Any, claimed: frozenset[int]) -> list[_TorchDevice]:
        xpu = torch.xpu
        count = non_negative_int(_guard("xpu.device_count", xpu.device_count)) or 0
        initialized = bool(_guard("xpu.is_initialized", xpu.is_initialized))
        devices: list[_TorchDevice] = []
        for index in range(count):
            if index in claimed:
                continue
            name = f"xpu:{index}"
            total: int | None = None
            if initialized:
                props = _guard(
                    "xpu.get_device_properties", functools.partial(xpu.get_device_properties, index)
                )
                name = str(getattr(props, "name", "") or name)
                total = positive_int(getattr(props, "total_memory", None))
            devices.append(_TorchDevice("xpu", self._device(index, name, "intel", total)))
        return devices

    @staticmethod
    def _device(
        index: int,
        name: str,
        vendor: GpuVendor,
        total_bytes: int | None,
        *,
        uuid: str | None = None,
        pci_bus_id: str | None = None,
    ) -> GpuDevice:
        return GpuDevice(
            index=index,
            name=name,
            vendor=vendor,
            source="torch",
            uuid=uuid,
            pci_bus_id=pci_bus_id,
            vram_total_bytes=total_bytes,
            supports=_TORCH_SUPPORTS,
        )

    @staticmethod
    def _cuda_vram(cuda: Any, index: int, total_bytes: int | None) -> tuple[int | None, int | None]:
        if not _guard("cuda.is_initialized", cuda.is_initialized):
            return None, total_bytes
        # mem_get_info needs a context on the device; only ask devices ComfyUI already uses, so
        # watching never costs VRAM on a GPU nobody touched.
        in_use = _guard("cuda.current_device", cuda.current_device) == index or (
            (non_negative_int(_guard("cuda.memory_reserved", lambda: cuda.memory_reserved(index))) or 0) > 0
        )
        if not in_use:
            return None, total_bytes
        info = _guard("cuda.mem_get_info", lambda: cuda.mem_get_info(index))
        return _used_from_free_total(info, total_bytes)

    @staticmethod
    def _xpu_vram(xpu: Any, index: int, total_bytes: int | None) -> tuple[int | None, int | None]:
        if not _guard("xpu.is_initialized", xpu.is_initialized):
            return None, total_bytes
        if hasattr(xpu, "mem_get_info"):
            info = _guard("xpu.mem_get_info", lambda: xpu.mem_get_info(index))
            return _used_from_free_total(info, total_bytes)
        # Older torch: only torch's own reservations are known (an underestimate, never zero-filled).
        return non_negative_int(
            _guard("xpu.memory_reserved", lambda: xpu.memory_reserved(index))
        ), total_bytes


def _used_from_free_total(info: Any, total_bytes: int | None) -> tuple[int | None, int | None]:
    if not isinstance(info, tuple) or len(info) != 2:
        return None, total_bytes
    free_bytes = non_negative_int(info[0])
    reported_total = positive_int(info[1])
    if free_bytes is None or reported_total is None:
        return None, total_bytes
    return max(0, reported_total - free_bytes), reported_total
