"""Out-of-memory messages of several backends and releases, as they were printed, read into numbers."""

from __future__ import annotations

import pytest

from backend.profiler.oom_message import OomMessage, parse_oom_message

GIB, MIB = 1024**3, 1024**2

# PyTorch 2.x, CUDA (ComfyUI on an RTX 3090 running SDXL at 2048x2048).
CUDA_2X = (
    "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which "
    "1.06 GiB is free. Including non-PyTorch memory, this process has 22.58 GiB memory in use. Of the "
    "allocated memory 21.91 GiB is allocated by PyTorch, and 220.45 MiB is reserved by PyTorch but "
    "unallocated. If reserved but unallocated memory is large try setting "
    "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for "
    "Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)"
)
# PyTorch 2.x with another process on the GPU (its memory is not this process's).
CUDA_2X_OTHER = (
    "CUDA out of memory. Tried to allocate 512.00 MiB. GPU 1 has a total capacity of 11.72 GiB of which "
    "18.50 MiB is free. Process 4242 has 3.10 GiB memory in use. Including non-PyTorch memory, this "
    "process has 8.59 GiB memory in use. Of the allocated memory 7.98 GiB is allocated by PyTorch, and "
    "401.12 MiB is reserved by PyTorch but unallocated."
)
# PyTorch 1.13 (older ComfyUI installs).
CUDA_1X = (
    "CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 7.79 GiB total capacity; 6.50 GiB already "
    "allocated; 13.56 MiB free; 6.61 GiB reserved in total by PyTorch) If reserved memory is >> allocated "
    "memory try setting max_split_size_mb to avoid fragmentation."
)
# ROCm builds say HIP.
HIP = (
    "HIP out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of 23.98 GiB of which "
    "1.25 GiB is free. Of the allocated memory 20.90 GiB is allocated by PyTorch, and 1.55 GiB is "
    "reserved by PyTorch but unallocated."
)
# Intel GPUs (torch.xpu), the older wording.
XPU = (
    "XPU out of memory. Tried to allocate 1.00 GiB (GPU 0; 15.11 GiB total capacity; 13.02 GiB already "
    "allocated; 512.00 MiB free; 14.00 GiB reserved in total by PyTorch)"
)
MPS = (
    "MPS backend out of memory (MPS allocated: 17.67 GB, other allocations: 1.23 GB, max allowed: "
    "18.13 GB). Tried to allocate 256.00 MB on private pool. Use PYTORCH_MPS_HIGH_WATERMARK_RATIO=0.0 "
    "to disable upper limit for memory allocations (may cause system failure)."
)
CPU = (
    "[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough memory: you tried to "
    "allocate 1073741824 bytes."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            CUDA_2X,
            OomMessage(
                backend="cuda",
                device_index=0,
                requested_bytes=2 * GIB,
                total_bytes=round(23.65 * GIB),
                free_bytes=round(1.06 * GIB),
                process_bytes=round(22.58 * GIB),
                allocated_bytes=round(21.91 * GIB),
                reserved_unallocated_bytes=round(220.45 * MIB),
            ),
        ),
        (
            CUDA_2X_OTHER,
            OomMessage(
                backend="cuda",
                device_index=1,
                requested_bytes=512 * MIB,
                total_bytes=round(11.72 * GIB),
                free_bytes=round(18.5 * MIB),
                process_bytes=round(8.59 * GIB),
                allocated_bytes=round(7.98 * GIB),
                reserved_unallocated_bytes=round(401.12 * MIB),
            ),
        ),
        (
            CUDA_1X,
            OomMessage(
                backend="cuda",
                device_index=0,
                requested_bytes=20 * MIB,
                total_bytes=round(7.79 * GIB),
                free_bytes=round(13.56 * MIB),
                allocated_bytes=round(6.5 * GIB),
                reserved_unallocated_bytes=round(6.61 * GIB) - round(6.5 * GIB),
            ),
        ),
        (
            HIP,
            OomMessage(
                backend="hip",
                device_index=0,
                requested_bytes=round(1.5 * GIB),
                total_bytes=round(23.98 * GIB),
                free_bytes=round(1.25 * GIB),
                allocated_bytes=round(20.9 * GIB),
                reserved_unallocated_bytes=round(1.55 * GIB),
            ),
        ),
        (
            XPU,
            OomMessage(
                backend="xpu",
                device_index=0,
                requested_bytes=GIB,
                total_bytes=round(15.11 * GIB),
                free_bytes=512 * MIB,
                allocated_bytes=round(13.02 * GIB),
                reserved_unallocated_bytes=14 * GIB - round(13.02 * GIB),
            ),
        ),
        (
            MPS,
            OomMessage(
                backend="mps",
                requested_bytes=256 * MIB,
                total_bytes=round(18.13 * GIB),
                allocated_bytes=round(17.67 * GIB),
                other_bytes=round(1.23 * GIB),
            ),
        ),
        (CPU, OomMessage(backend="cpu", requested_bytes=GIB)),
    ],
    ids=["cuda-2x", "cuda-2x-other-process", "cuda-1x", "hip", "xpu", "mps", "cpu"],
)
def test_each_format_reads_into_its_numbers(text: str, expected: OomMessage) -> None:
    assert parse_oom_message(text) == expected


def test_comfyui_prefixes_and_newlines_do_not_matter() -> None:
    wrapped = f"torch.OutOfMemoryError: Allocation on device \n{CUDA_2X}\n"
    assert parse_oom_message(wrapped).requested_bytes == 2 * GIB


@pytest.mark.parametrize(
    "text", ["", "out of memory", "CUDA error: an illegal memory access was encountered"]
)
def test_an_unknown_message_gives_no_numbers(text: str) -> None:
    assert parse_oom_message(text) == OomMessage()
