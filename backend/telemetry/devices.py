"""Map a vendor library's devices (NVML, amdsmi) to the torch indices the user knows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_PCI_RE = re.compile(r"^\s*(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})(?:\.([0-7]))?\s*$")
_UUID_PREFIXES = ("gpu-", "mig-")


@dataclass(frozen=True, slots=True)
class VendorGpu:
    """One device as a vendor library enumerates it.

    Attributes:
        ordinal: its position in the library's own order (NVML orders by PCI bus id); for a
            MIG instance, its slot under the parent.
        uuid: e.g. ``GPU-8f3a...`` or ``MIG-1b2c...``; ``None`` if the library would not say.
        pci_bus_id: e.g. ``00000000:01:00.0``; MIG instances share their parent's.
        mig_parent: the parent's ordinal for a MIG instance, ``None`` for a physical GPU.
    """

    ordinal: int
    uuid: str | None
    pci_bus_id: str | None
    mig_parent: int | None = None


@dataclass(frozen=True, slots=True)
class TorchDeviceIdentity:
    """What torch says about ``cuda:<index>`` (CUDA or ROCm), after CUDA_VISIBLE_DEVICES."""

    index: int
    uuid: str | None
    pci_bus_id: str | None


VisibleEntry = int | str


def normalize_pci_bus_id(value: str | None) -> str | None:
    """Canonical ``dddd:bb:dd.f`` (lower-case) for any spelling NVML, amdsmi or torch use.

    Args:
        value: ``00000000:01:00.0`` (NVML), ``0000:01:00.0``, ``01:00.0`` or similar.

    Returns:
        e.g. ``0000:01:00.0``, or ``None`` when ``value`` is not a PCI address.
    """
    if not value:
        return None
    match = _PCI_RE.match(value)
    if match is None:
        return None
    domain, bus, device, function = match.groups()
    return f"{int(domain or '0', 16):04x}:{int(bus, 16):02x}:{int(device, 16):02x}.{int(function or '0')}"


def _pci_device(value: str | None) -> str | None:
    # Function numbers differ between libraries (torch knows none): compare domain:bus:device.
    normalized = normalize_pci_bus_id(value)
    return normalized[:-2] if normalized else None


def normalize_uuid(value: str | None) -> str | None:
    """Lower-case UUID without its ``GPU-``/``MIG-`` prefix (torch prints none), or ``None``."""
    if not value:
        return None
    text = value.strip().lower()
    for prefix in _UUID_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return text or None


def parse_visible_devices(value: str | None) -> list[VisibleEntry] | None:
    """Parse ``CUDA_VISIBLE_DEVICES`` the way the CUDA runtime does.

    Entries are device ordinals or UUIDs (``GPU-...``, ``MIG-...``, unique prefixes allowed);
    the first malformed entry (``-1`` is the common one) ends the list.

    Args:
        value: the variable, or ``None`` when unset.

    Returns:
        ``None`` when unset (every device is visible), else the entries that count: ints for
        ordinals, lower-case strings for UUIDs. An empty list hides every device.
    """
    if value is None:
        return None
    entries: list[VisibleEntry] = []
    for raw in value.split(","):
        item = raw.strip()
        if item.isdigit():
            entries.append(int(item))
        elif item.lower().startswith(_UUID_PREFIXES) and len(item) > 4:
            entries.append(item.lower())
        else:
            break
    return entries


def _resolve_entry(entry: VisibleEntry, gpus: Sequence[VendorGpu]) -> VendorGpu | None:
    if isinstance(entry, int):
        physical = [gpu for gpu in gpus if gpu.mig_parent is None]
        return next((gpu for gpu in physical if gpu.ordinal == entry), None)
    matches = [gpu for gpu in gpus if gpu.uuid and gpu.uuid.lower().startswith(entry)]
    # CUDA accepts a UUID prefix only when it names exactly one device.
    return matches[0] if len(matches) == 1 else None


def _match_identity(identity: TorchDeviceIdentity, gpus: Sequence[VendorGpu]) -> VendorGpu | None:
    uuid = normalize_uuid(identity.uuid)
    if uuid is not None:
        for gpu in gpus:
            if normalize_uuid(gpu.uuid) == uuid:
                return gpu
    pci = _pci_device(identity.pci_bus_id)
    if pci is not None:
        # MIG instances share the parent's bus id, so only a physical GPU can match by bus.
        matches = [gpu for gpu in gpus if gpu.mig_parent is None and _pci_device(gpu.pci_bus_id) == pci]
        if len(matches) == 1:
            return matches[0]
    return None


def map_torch_indices(
    gpus: Sequence[VendorGpu],
    torch_identities: Sequence[TorchDeviceIdentity] | None,
    visible_devices: str | None,
) -> list[tuple[int, VendorGpu]]:
    """Label each device the process can use with its torch index; leave the others out.

    Torch's own view (UUID, then PCI bus id) wins because CUDA orders devices fastest-first
    unless ``CUDA_DEVICE_ORDER=PCI_BUS_ID``, while NVML orders by bus. Without it (torch missing,
    or CUDA not initialised yet) ``CUDA_VISIBLE_DEVICES`` decides, else the vendor's order.

    Args:
        gpus: every device the vendor library sees, MIG instances included.
        torch_identities: ``cuda:N`` devices as torch reports them, or ``None`` when unknown
            (an empty sequence means torch sees no device at all).
        visible_devices: the raw ``CUDA_VISIBLE_DEVICES`` value, ``None`` when unset.

    Returns:
        ``(torch_index, gpu)`` pairs in torch-index order; invisible devices are not listed.
    """
    if torch_identities is not None:
        mapped: list[tuple[int, VendorGpu]] = []
        used: set[int] = set()
        for identity in sorted(torch_identities, key=lambda item: item.index):
            gpu = _match_identity(identity, gpus)
            if gpu is not None and id(gpu) not in used:
                used.add(id(gpu))
                mapped.append((identity.index, gpu))
        return mapped
    entries = parse_visible_devices(visible_devices)
    if entries is None:
        physical = sorted((gpu for gpu in gpus if gpu.mig_parent is None), key=lambda gpu: gpu.ordinal)
        return list(enumerate(physical))
    visible: list[VendorGpu] = []
    for entry in entries:
        gpu = _resolve_entry(entry, gpus)
        # Like CUDA: an entry that names no device, or one already listed, ends the list.
        if gpu is None or any(gpu is seen for seen in visible):
            break
        visible.append(gpu)
    return list(enumerate(visible))
