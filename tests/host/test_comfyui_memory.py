"""torch's figures at an OOM: allocated, reserved, the summary and the allocator's counters, read only
where CUDA is in use, and a failing device read costs only those figures."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from backend.host.comfyui_hooks.memory import ALLOCATOR_STATS, allocator_stats, device_memory


class Cuda:
    def __init__(self, initialized: bool = True) -> None:
        self.initialized = initialized
        self.stats: dict[str, Any] = {key: i for i, key in enumerate(ALLOCATOR_STATS)}
        self.stats["requested_bytes.all.freed"] = 99  # not kept

    def is_available(self) -> bool:
        return True

    def is_initialized(self) -> bool:
        return self.initialized

    def memory_allocated(self) -> int:
        return 20

    def memory_reserved(self) -> int:
        return 24

    def memory_summary(self) -> str:
        return "|  PyTorch CUDA memory summary  |"

    def memory_stats(self) -> dict[str, Any]:
        return self.stats


@pytest.fixture
def cuda(monkeypatch: pytest.MonkeyPatch) -> Cuda:
    fake = Cuda()
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=fake))
    return fake


def test_the_figures_and_the_allocators_counters_are_read_where_cuda_is_in_use(cuda: Cuda) -> None:
    assert device_memory() == (20, 24, "|  PyTorch CUDA memory summary  |")
    stats = allocator_stats()
    assert stats is not None and set(stats) == set(ALLOCATOR_STATS)
    assert stats["num_alloc_retries"] == 0 and "requested_bytes.all.freed" not in stats


def test_nothing_is_read_from_a_cuda_never_initialised_and_a_broken_one_costs_only_these(cuda: Cuda) -> None:
    cuda.initialized = False
    assert device_memory() == (None, None, None) and allocator_stats() is None
    cuda.initialized = True

    def broken() -> dict[str, Any]:
        raise RuntimeError("CUDA error: device lost")

    cuda.memory_stats = broken  # type: ignore[method-assign]
    assert allocator_stats() is None
    assert device_memory()[0] == 20
