"""What an out-of-memory message says, in numbers: requested, total, free, allocated, reserved.

The allocators word their messages differently by backend and release; each format below was taken
from a real message (tests/profiler/test_oom_message.py holds one of each). A message that matches
none keeps its text and gives no numbers: every field is ``None`` then, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# PyTorch prints sizes in powers of 1024 whether it writes "GiB" (CUDA, HIP, XPU) or "GB" (MPS).
_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = r"(?P<{name}>[0-9]+(?:\.[0-9]+)?)\s*(?P<{name}_unit>[KMGT]i?B|bytes|B)"


def _size(name: str) -> str:
    return _SIZE.format(name=name)


def _bytes(match: re.Match[str], name: str) -> int | None:
    value = match.groupdict().get(name)
    if value is None:
        return None
    unit = (match.group(f"{name}_unit") or "B").lower()
    prefix = "" if unit in ("b", "bytes") else unit[0]
    return round(float(value) * _FACTORS[prefix])


@dataclass(frozen=True)
class OomMessage:
    """The figures an out-of-memory message gives (bytes; None where it does not say).

    Attributes:
        backend: "cuda", "hip", "xpu", "mps", "cpu" or None when unrecognized.
        device_index: The GPU the message names.
        requested_bytes: What the failing allocation asked for.
        total_bytes: The device's capacity.
        free_bytes: What was free on the device.
        process_bytes: What this process held (PyTorch's and other libraries' memory).
        allocated_bytes: What PyTorch's allocator had handed out.
        reserved_unallocated_bytes: Reserved by PyTorch but not handed out (fragmentation).
        other_bytes: Other allocations (MPS) outside PyTorch's.
    """

    backend: str | None = None
    device_index: int | None = None
    requested_bytes: int | None = None
    total_bytes: int | None = None
    free_bytes: int | None = None
    process_bytes: int | None = None
    allocated_bytes: int | None = None
    reserved_unallocated_bytes: int | None = None
    other_bytes: int | None = None


# PyTorch >= 2.1 on CUDA and ROCm (HIP): "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a
# total capacity of 23.65 GiB of which 1.06 GiB is free. Including non-PyTorch memory, this process
# has 22.58 GiB memory in use. Of the allocated memory 21.91 GiB is allocated by PyTorch, and
# 220.45 MiB is reserved by PyTorch but unallocated."
_MODERN = re.compile(
    r"(?P<backend>CUDA|HIP|XPU) out of memory\. Tried to allocate " + _size("requested") + r"\."
    r"(?: GPU (?P<device>[0-9]+) has a total capacity of "
    + _size("total")
    + r" of which "
    + _size("free")
    + r" is free\.)?"
    r"(?:.*?this process has " + _size("process") + r" memory in use\.)?"
    r"(?:.*?Of the allocated memory "
    + _size("allocated")
    + r" is allocated by PyTorch, and "
    + _size("reserved_unallocated")
    + r" is reserved by PyTorch but unallocated)?",
    re.IGNORECASE | re.DOTALL,
)
# PyTorch 1.x and XPU: "CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 7.79 GiB total
# capacity; 6.50 GiB already allocated; 13.56 MiB free; 6.61 GiB reserved in total by PyTorch)".
_LEGACY = re.compile(
    r"(?P<backend>CUDA|HIP|XPU) out of memory\. Tried to allocate "
    + _size("requested")
    + r" \(GPU (?P<device>[0-9]+); "
    + _size("total")
    + r" total capacity; "
    + _size("allocated")
    + r" already allocated; "
    + _size("free")
    + r" free; (?:"
    + _size("reserved")
    + r" reserved in total by PyTorch)?",
    re.IGNORECASE,
)
# Apple: "MPS backend out of memory (MPS allocated: 17.67 GB, other allocations: 1.23 GB, max allowed:
# 18.13 GB). Tried to allocate 256.00 MB on private pool."
_MPS = re.compile(
    r"MPS backend out of memory \(MPS allocated: "
    + _size("allocated")
    + r", other allocations: "
    + _size("other")
    + r", max allowed: "
    + _size("total")
    + r"\)\. Tried to allocate "
    + _size("requested"),
    re.IGNORECASE,
)
# The CPU allocator: "[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough
# memory: you tried to allocate 1073741824 bytes."
_CPU = re.compile(
    r"DefaultCPUAllocator: (?:not enough memory|can't allocate memory): you tried to allocate "
    + _size("requested"),
    re.IGNORECASE,
)


def parse_oom_message(text: str) -> OomMessage:
    """The numbers in an out-of-memory message; an unknown format gives an all-None result."""
    for pattern, backend in ((_MODERN, None), (_LEGACY, None), (_MPS, "mps"), (_CPU, "cpu")):
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groupdict()
        device = groups.get("device")
        reserved_unallocated = _bytes(match, "reserved_unallocated")
        allocated = _bytes(match, "allocated")
        reserved = _bytes(match, "reserved")
        if reserved_unallocated is None and reserved is not None and allocated is not None:
            reserved_unallocated = max(0, reserved - allocated)
        return OomMessage(
            backend=backend or groups["backend"].lower(),
            device_index=int(device) if device is not None else None,
            requested_bytes=_bytes(match, "requested"),
            total_bytes=_bytes(match, "total"),
            free_bytes=_bytes(match, "free"),
            process_bytes=_bytes(match, "process"),
            allocated_bytes=allocated,
            reserved_unallocated_bytes=reserved_unallocated,
            other_bytes=_bytes(match, "other"),
        )
    return OomMessage()
