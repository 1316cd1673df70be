"""The profiler's cost per node in the miniature of ComfyUI's executor, counted, not timed.

``bench/hook_overhead.py`` times the 200-node chain through ``tests/support/comfy_modules.py``;
on a busy 2-core VM its medians move by more than a refactor's effect. This runs the same chain
under valgrind's callgrind and counts the instructions of each run's ``PromptExecutor.execute``
(a window opened and closed from inside the process through ``comfyui_probe/callgrind_window.c``),
hooked and not, and of building each record as the history writer does. Counts repeat to a few
hundred instructions per node whatever else the machine does.

``--baseline DIR`` counts another checkout's ``backend/`` the same way (e.g. a ``git worktree``
of the commit before a change), so a change to the hot path shows as a difference of counts.

    .venv/bin/python bench/hook_instructions.py [--runs 8] [--baseline /tmp/before]

Needs valgrind and gcc. About 20 s per tree and mode on 2 cores.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WINDOW_SOURCE = ROOT / "bench" / "comfyui_probe" / "callgrind_window.c"
NODES = 200
WARM_UP_RUNS = 3


def chain(nodes: int) -> dict[str, Any]:
    prompt: dict[str, Any] = {"0": {"class_type": "Source", "inputs": {}}}
    for i in range(1, nodes):
        prompt[str(i)] = {"class_type": "Invert", "inputs": {"image": [str(i - 1), 0]}}
    return prompt


def child(tree: Path, hooked: bool, runs: int, library: Path) -> None:
    """Inside valgrind: run the chain, a counted window around each execute (and each build)."""
    sys.path[:0] = [str(tree), str(ROOT)]
    window = ctypes.CDLL(str(library))
    import torch

    from tests.support.comfy_modules import fake_comfyui

    hooks = importlib.import_module("backend.host.comfyui_hooks")
    recorder_class = importlib.import_module("backend.profiler").Recorder
    probe_class = importlib.import_module("backend.profiler.memory").MemoryProbe
    rss_reader = importlib.import_module("backend.telemetry.cpu").rss_reader
    prompt = chain(NODES)
    image = torch.zeros(1, 8, 8, 3)
    behaviours = {"Source": lambda _i: (image,), "Invert": lambda i: (i["image"],)}
    for i in range(WARM_UP_RUNS + runs):
        counted = i >= WARM_UP_RUNS
        with fake_comfyui() as modules:
            modules["execution"].BEHAVIOURS.update(behaviours)
            hooks.STATE.__init__()
            finished: list[Any] = []
            if hooked:
                recorder = recorder_class()
                recorder.add_sink(finished.append)
                hooks.install()
                hooks.attach(recorder, probe_class(rss_reader()))
            executor = modules["execution"].PromptExecutor()
            if counted:
                window.sak_window_open()
            executor.execute(prompt, f"p{i}", {}, [])
            if counted:
                window.sak_window_close(b"execute")
            hooks.STATE.__init__()
            if hooked and counted:
                window.sak_window_open()
                finished[0].build()
                window.sak_window_close(b"build")


def counts(out_dir: Path) -> dict[str, list[int]]:
    """Instructions per dump, grouped by the window's label."""
    found: dict[str, list[int]] = {}
    for dump in sorted(out_dir.glob("callgrind.out.*.*")):
        label, total = None, None
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith("desc: Trigger:"):
                label = line.rsplit(" ", 1)[-1]
            elif line.startswith(("summary:", "totals:")) and total is None:
                total = int(line.split()[1])
        if label is not None and total is not None:
            found.setdefault(label, []).append(total)
    return found


def measure(tree: Path, hooked: bool, runs: int, library: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sak-hook-instructions-") as tmp:
        out_dir = Path(tmp)
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out_dir}/callgrind.out.%p",
                sys.executable,
                __file__,
                "--child",
                json.dumps([str(tree), hooked, runs, str(library)]),
            ],
            check=True,
            capture_output=True,
        )
        return {label: statistics.median(values) for label, values in counts(out_dir).items()}


def report(label: str, tree: Path, runs: int, library: Path) -> dict[str, float]:
    plain = measure(tree, False, runs, library)["execute"]
    hooked = measure(tree, True, runs, library)
    per_node = (hooked["execute"] - plain) / NODES
    print(
        f"{label}: {per_node:,.0f} instructions added per node "
        f"(execute {plain:,.0f} -> {hooked['execute']:,.0f}); record build {hooked['build']:,.0f}"
    )
    return {"per_node": per_node, "build": hooked["build"]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--baseline", type=Path, help="another checkout to count the same way")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tree, hooked, runs, library = json.loads(args.child)
        child(Path(tree), hooked, runs, Path(library))
        return 0
    if shutil.which("valgrind") is None or shutil.which("gcc") is None:
        print("needs valgrind and gcc (Debian: apt-get install valgrind gcc)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="sak-window-") as tmp:
        library = Path(tmp) / "libsakwindow.so"
        compile_window = ["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(WINDOW_SOURCE)]
        subprocess.run(compile_window, check=True)
        print(f"{NODES}-node chain, median of {args.runs} counted runs per tree and mode")
        here = report("this checkout", ROOT, args.runs, library)
        if args.baseline is not None:
            base = report(f"baseline {args.baseline}", args.baseline.resolve(), args.runs, library)
            print(
                f"this - baseline: {here['per_node'] - base['per_node']:+,.0f} per node "
                f"({here['per_node'] / base['per_node'] - 1:+.1%}); record build "
                f"{here['build'] / base['build'] - 1:+.1%}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
