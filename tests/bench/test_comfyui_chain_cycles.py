"""The counted chain benchmark: a misread dump or a wrong weighting would misreport the 1 % budget."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.scripts import load_bench

# The head of a real per-thread dump (callgrind 3.19, --cache-sim=yes --separate-threads=yes).
DUMP = """\
# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 5525
cmd:  /work/hosts/c027/venv/bin/python main.py --cpu
part: 2
thread: {thread}

desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: Timerange: Basic block 20380417 - 651018232
desc: Trigger: Client Request: prompt

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
summary: {ir} 828114251 466066689 {i1} 9401843 2630981 {ill} 298565 592495


totals: {ir} 828114251 466066689 {i1} 9401843 2630981 {ill} 298565 592495
"""


@pytest.fixture(scope="module")
def cycles() -> ModuleType:
    return load_bench("comfyui_chain_cycles")


def write_dump(folder: Path, name: str, thread: int, ir: int, *, i1: int = 23256795, ill: int = 8314) -> Path:
    path = folder / name
    path.write_text(DUMP.format(thread=thread, ir=ir, i1=i1, ill=ill))
    return path


def test_a_dump_is_read_by_its_own_event_names(cycles: ModuleType, tmp_path: Path) -> None:
    thread, events = cycles.read_dump(write_dump(tmp_path, "cg.out.1.2-06", 6, 2733109025))
    assert thread == 6
    assert events["Ir"] == 2733109025 and events["DLmw"] == 592495 and events["I1mr"] == 23256795


def test_estimated_cycles_weigh_misses_by_level(cycles: ModuleType) -> None:
    events = {"Ir": 1000, "I1mr": 1, "D1mr": 2, "D1mw": 3, "ILmr": 4, "DLmr": 5, "DLmw": 6, "Dr": 99}
    assert cycles.estimated_cycles(events) == 1000 + 10 * 6 + 100 * 15
    assert cycles.estimated_cycles({"Ir": 1000}) == 1000  # no cache simulation: instructions


def test_a_window_sums_its_threads_and_names_the_busiest_the_worker(
    cycles: ModuleType, tmp_path: Path
) -> None:
    files = [
        write_dump(tmp_path, "cg.out.1.3-01", 1, 1_000, i1=0, ill=0),
        write_dump(tmp_path, "cg.out.1.3-06", 6, 2_000_000_000),
    ]
    window = cycles.read_window(files)
    _, small = cycles.read_dump(files[0])
    _, big = cycles.read_dump(files[1])
    assert window.worker_cycles == cycles.estimated_cycles(big)
    assert window.cycles == cycles.estimated_cycles(small) + cycles.estimated_cycles(big)
    assert window.ir == 2_000_001_000 and window.worker_ir == 2_000_000_000
    assert set(window.threads) == {1, 6}


def window(cycles: ModuleType, value: int) -> object:
    return cycles.Window(value, value, value, value, {6: value}, {"Ir": value})


def count(cycles: ModuleType, success: int, end: int, block: int) -> object:
    return cycles.Count(window(cycles, success), window(cycles, end), block)


def test_a_prompts_count_adds_its_windows(cycles: ModuleType) -> None:
    whole = cycles.Count(cycles.Window(10, 5, 8, 4, {6: 8, 1: 2}, {"Ir": 5}), window(cycles, 100)).whole
    assert (whole.cycles, whole.ir, whole.worker_cycles, whole.worker_ir) == (110, 105, 108, 104)
    assert whole.threads == {6: 108, 1: 2} and whole.events == {"Ir": 105}


def test_report_compares_block_medians_and_every_run_pairwise(cycles: ModuleType) -> None:
    runs = ((101, 0), (103, 0), (110, 1), (90, 1))
    treated = cycles.ArmCounts("pack", [count(cycles, v, 20, b) for v, b in runs])
    base = cycles.ArmCounts("no pack", [count(cycles, 100, 10, b) for _, b in runs])
    lines = cycles.report(treated, base)
    # To execution_success: block 0, median 102 / 100; block 1, 100 / 100; the mean of the two 1.01.
    success = next(line for line in lines if "to execution_success, estimated cycles, all threads" in line)
    assert "mean 1.0100" in success and "min 1.0000, max 1.0200" in success
    assert "every run's ratio: 1.0100, 1.0300, 1.1000, 0.9000" in lines[lines.index(success) + 1]
    # The whole execute adds what comes after: (102 + 20) / (100 + 10) in block 0.
    whole = next(line for line in lines if "whole execute" in line)
    assert f"max {122 / 110:.4f}" in whole


@pytest.mark.skipif(
    shutil.which("gcc") is None or not Path("/usr/include/valgrind/callgrind.h").exists(),
    reason="needs gcc and valgrind's headers (apt-get install valgrind)",
)
def test_the_window_library_builds_and_does_nothing_outside_valgrind(
    cycles: ModuleType, tmp_path: Path
) -> None:
    library = ctypes.CDLL(str(cycles.build_window_library(tmp_path)))
    assert library.sak_running_on_valgrind() == 0
    library.sak_window_open()
    library.sak_window_close(b"prompt")


@pytest.mark.skipif(
    shutil.which("valgrind") is None or shutil.which("gcc") is None, reason="needs valgrind and gcc"
)
def test_only_the_window_is_counted(cycles: ModuleType, tmp_path: Path) -> None:
    """A process does much outside its window and a little inside: the dump counts the inside."""
    library = cycles.build_window_library(tmp_path)
    script = (
        "import ctypes, sys\n"
        f"lib = ctypes.CDLL({str(library)!r})\n"
        "assert lib.sak_running_on_valgrind() == 1\n"
        "sum(range(3_000_000))\n"
        "lib.sak_window_open()\n"
        "sum(range(int(sys.argv[1])))\n"
        "lib.sak_window_mark(b'success')\n"
        "sum(range(2 * int(sys.argv[1])))\n"
        "lib.sak_window_close(b'end')\n"
        "sum(range(3_000_000))\n"
    )
    counted = {}
    for n in (100_000, 200_000):
        out = tmp_path / str(n)
        out.mkdir()
        subprocess.run(
            [*cycles.valgrind_command(out, False), sys.executable, "-c", script, str(n)],
            check=True,
            capture_output=True,
        )
        dumps = [
            cycles.read_window([p for p in out.iterdir() if f".{k}-" in p.name]).worker_ir for k in (1, 2)
        ]
        counted[n] = dumps
    # Each dump follows its own loop: the mark restarts the count, the second loop is twice the first.
    per_step = (counted[200_000][0] - counted[100_000][0]) / 100_000
    assert per_step > 0
    assert 1.7 < counted[200_000][1] / counted[200_000][0] < 2.3
    # The 3,000,000-step loops outside (15 times the 200,000 steps inside) would multiply the count.
    assert counted[200_000][0] < 1.5 * 200_000 * per_step
