"""MemoryProbe: CUDA peak stats around a node, synchronize only when asked, never touching an idle CUDA."""

from __future__ import annotations

import logging
import sys
import types
from typing import Any

import pytest

from backend import log
from backend.profiler.memory import MemoryProbe


class FakeCuda:
    """torch.cuda as the probe uses it: records calls, serves scripted memory figures."""

    def __init__(self, initialized: bool = True) -> None:
        self.initialized = initialized
        self.calls: list[str] = []
        self.allocated = 1_000
        self.peak = 1_000
        self.free, self.total = 4_000, 24_000

    def is_initialized(self) -> bool:
        return self.initialized

    def current_device(self) -> int:
        return 0

    def reset_peak_memory_stats(self, device: int) -> None:
        self.calls.append("reset")
        self.peak = self.allocated

    def memory_allocated(self, device: int) -> int:
        return self.allocated

    def max_memory_allocated(self, device: int) -> int:
        return self.peak

    def synchronize(self, device: int) -> None:
        self.calls.append("synchronize")

    def mem_get_info(self, device: int) -> tuple[int, int]:
        return self.free, self.total


@pytest.fixture
def fake_torch(monkeypatch: pytest.MonkeyPatch) -> Any:
    torch = types.SimpleNamespace(cuda=FakeCuda(), backends=types.SimpleNamespace(mps=None))
    monkeypatch.setitem(sys.modules, "torch", torch)
    return torch


def test_cuda_peak_around_a_node(fake_torch: Any) -> None:
    probe = MemoryProbe(lambda: 42)
    before = probe.before()
    fake_torch.cuda.peak = 9_000  # the node allocated a transient 8 kB
    fake_torch.cuda.allocated = 2_000
    after = probe.after()
    assert before.vram_bytes == 1_000 and before.rss_bytes == 42
    assert (before.vram_free_bytes, before.vram_total_bytes) == (4_000, 24_000), "the device, before"
    assert before.vram_device_index == 0
    assert after.vram_bytes == 2_000 and after.vram_peak_bytes == 9_000
    assert fake_torch.cuda.calls == ["reset"], "no synchronize unless accurate timing is on"


def test_accurate_timing_synchronizes_before_reading(fake_torch: Any) -> None:
    probe = MemoryProbe(lambda: None, sync_gpu=True)
    probe.before()
    probe.after()
    assert fake_torch.cuda.calls == ["reset", "synchronize"]


def test_cuda_not_initialized_is_left_alone(fake_torch: Any) -> None:
    fake_torch.cuda.initialized = False
    probe = MemoryProbe(lambda: 7)
    sample = probe.after()
    assert sample.vram_bytes is None and sample.rss_bytes == 7
    assert fake_torch.cuda.calls == []


def test_a_failing_device_read_disables_vram_but_keeps_rss(fake_torch: Any) -> None:
    def broken(device: int) -> int:
        raise RuntimeError("CUDA error: device lost")

    fake_torch.cuda.memory_allocated = broken
    probe = MemoryProbe(lambda: 5)
    assert probe.before().rss_bytes == 5
    fake_torch.cuda.memory_allocated = lambda device: 1
    assert probe.before().vram_bytes is None, "stays off for the session after a failure"


def test_without_torch_only_rss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    sample = MemoryProbe(lambda: 3).before()
    assert sample.vram_bytes is None and sample.rss_bytes == 3


def test_back_to_back_nodes_share_one_rss_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    reads: list[int] = []
    now = [100.0]

    def rss() -> int:
        reads.append(1)
        return 1000 + len(reads)

    probe = MemoryProbe(rss, clock=lambda: now[0])
    probe.before()
    now[0] += 0.030  # a 30 ms node: its end is read afresh
    end_of_first = probe.after()
    now[0] += 0.005  # the next node starts a few milliseconds later
    assert probe.before().rss_bytes == end_of_first.rss_bytes
    assert len(reads) == 2
    now[0] += 1.0  # after a pause the reading is taken afresh
    probe.after()
    now[0] += 1.0
    probe.before()
    assert len(reads) == 4


def test_rss_is_read_at_most_every_20_ms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    reads: list[int] = []
    now = [0.0]
    probe = MemoryProbe(lambda: reads.append(1) or len(reads), clock=lambda: now[0])
    for _ in range(8):  # eight 2-ms nodes back to back
        probe.before()
        now[0] += 0.002
        probe.after()
    assert len(reads) == 1, "one reading serves a burst of short nodes"
    now[0] += 0.05  # a long node ends: read afresh
    assert probe.after().rss_bytes == 2


def test_a_torch_built_without_cuda_is_never_asked_about_cuda(fake_torch: Any) -> None:
    fake_torch.backends.cuda = types.SimpleNamespace(is_built=lambda: False)

    def asked() -> bool:
        raise AssertionError("a CPU-only build's CUDA was asked whether it is initialised")

    fake_torch.cuda.is_initialized = asked
    probe = MemoryProbe(lambda: 9)
    assert probe.before()[:3] == (None, None, 9) and probe.after()[:3] == (None, None, 9)


def test_unchanged_memory_reuses_the_last_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    rss, now = [100], [0.0]
    probe = MemoryProbe(lambda: rss[0], clock=lambda: now[0])
    first = probe.before()
    assert probe.before() is first, "nothing moved: no new object around the next node"
    assert probe.after() is probe.after()
    rss[0], now[0] = 200, 10.0  # later, with more memory in use: read afresh, a new sample
    moved = probe.before()
    assert moved is not first and moved.rss_bytes == 200 and first.rss_bytes == 100


def test_an_unreadable_free_figure_costs_only_itself(fake_torch: Any) -> None:
    def broken(device: int) -> tuple[int, int]:
        raise RuntimeError("not supported")

    fake_torch.cuda.mem_get_info = broken
    probe = MemoryProbe(lambda: 1)
    first = probe.before()
    assert first.vram_bytes == 1_000 and first.vram_free_bytes is None and first.vram_total_bytes is None
    fake_torch.cuda.allocated = 3_000
    assert probe.before().vram_bytes == 3_000, "VRAM is still read"


def test_a_cpu_only_run_says_once_that_there_is_no_device(
    fake_torch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    log.reset_for_tests()
    caplog.set_level(logging.INFO, logger="swissarmyknife")
    fake_torch.backends.cuda = types.SimpleNamespace(is_built=lambda: False)  # a CPU-only build
    probe = MemoryProbe(lambda: 1)
    for _ in range(3):
        assert probe.before().vram_total_bytes is None
    lines = [r.getMessage() for r in caplog.records if "pre-OOM" in r.getMessage()]
    assert lines == [
        "[SwissArmyKnife] no GPU in use (CPU only): per-node VRAM and the pre-OOM warnings are off"
    ]
