"""Added cost per node of the profiler's hooks + recorder, in-process, on the CPU path.

Runs a 200-node chain through a miniature of ComfyUI's executor (tests/support/comfy_modules.py, the
same control flow the hooks patch) with and without the hooks, interleaved, and reports the
median per-node difference. Budget (issue 5): <= 25 us per node.

The difference is split in two: what the nodes' own time carries (the hooks inside
execution_start -> execution_success, what a workflow's duration shows) and what the prompt
carries once, before its first node and after its last (beginning the record, handing the
finished log over), timed around Recorder.begin_workflow/end_workflow. Replaying the log into a
validated WorkflowRecord happens on the history writer's thread, not in the prompt: it is timed
on its own, after the run, as the writer does it.

    .venv/bin/python bench/hook_overhead.py [--rounds 40] [--nodes 200]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from backend.host import comfyui_hooks  # noqa: E402
from backend.profiler import Recorder  # noqa: E402
from backend.profiler.memory import MemoryProbe  # noqa: E402
from backend.telemetry.cpu import rss_reader  # noqa: E402
from tests.support.comfy_modules import fake_comfyui  # noqa: E402


def chain(nodes: int) -> dict[str, Any]:
    prompt: dict[str, Any] = {"0": {"class_type": "Source", "inputs": {}}}
    for i in range(1, nodes):
        prompt[str(i)] = {"class_type": "Invert", "inputs": {"image": [str(i - 1), 0]}}
    return prompt


class TimedRecorder(Recorder):
    """A Recorder that adds up the time spent beginning and ending its workflows."""

    outside_s = 0.0

    def begin_workflow(self, prompt_id: str, prompt: Any) -> None:
        start = time.perf_counter()
        super().begin_workflow(prompt_id, prompt)
        self.outside_s += time.perf_counter() - start

    def end_workflow(self, prompt_id: str) -> Any:
        start = time.perf_counter()
        record = super().end_workflow(prompt_id)
        self.outside_s += time.perf_counter() - start
        return record


def run_once(hooked: bool, prompt: dict[str, Any], serial: int) -> tuple[float, float, float]:
    """The run's whole time, of it the time spent beginning and ending the record, and the time the
    history writer then spends building the record (0 unhooked)."""
    with fake_comfyui() as modules:
        image = torch.zeros(1, 8, 8, 3)
        modules["execution"].BEHAVIOURS.update(
            {"Source": lambda _i: (image,), "Invert": lambda i: (i["image"],)}
        )
        comfyui_hooks.STATE.__init__()  # type: ignore[misc]
        recorder = TimedRecorder()
        finished: list[Any] = []
        if hooked:
            comfyui_hooks.install()
            recorder.add_sink(finished.append)
            comfyui_hooks.attach(recorder, MemoryProbe(rss_reader()))
        executor = modules["execution"].PromptExecutor()
        start = time.perf_counter()
        executor.execute(prompt, f"p{serial}", {}, [])
        elapsed = time.perf_counter() - start
        comfyui_hooks.STATE.__init__()  # type: ignore[misc]
        start = time.perf_counter()
        for workflow in finished:
            workflow.build()
        return elapsed, recorder.outside_s, time.perf_counter() - start if finished else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--nodes", type=int, default=200)
    args = parser.parse_args()
    prompt = chain(args.nodes)
    for i in range(5):  # warm-up: imports, allocator, asyncio
        run_once(True, prompt, i)
        run_once(False, prompt, i)
    with_hooks: list[tuple[float, float, float]] = []
    without: list[tuple[float, float, float]] = []
    for i in range(args.rounds):
        # Interleaved, alternating which goes first, so drift hits both alike.
        pair = [(True, with_hooks), (False, without)]
        for hooked, bucket in pair if i % 2 == 0 else reversed(pair):
            bucket.append(run_once(hooked, prompt, i))
    total_us = [(w[0] - wo[0]) / args.nodes * 1e6 for w, wo in zip(with_hooks, without, strict=True)]
    # The nodes' window: the run less the record's begin and end (the unhooked run has neither).
    window_us = [(w[0] - w[1] - wo[0]) / args.nodes * 1e6 for w, wo in zip(with_hooks, without, strict=True)]
    outside_ms = [w[1] * 1e3 for w in with_hooks]
    med_with = statistics.median(w[0] for w in with_hooks) * 1e3
    med_without = statistics.median(wo[0] for wo in without) * 1e3
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"{args.nodes}-node chain, {args.rounds} interleaved rounds")
    print(f"median run without hooks: {med_without:.2f} ms, with hooks: {med_with:.2f} ms")
    for label, values in (("added per node", total_us), ("  of it in the nodes' window", window_us)):
        deciles = statistics.quantiles(values, n=10)
        print(
            f"{label}: median {statistics.median(values):.1f} us "
            f"(p10 {deciles[0]:.1f}, p90 {deciles[-1]:.1f})"
        )
    outside = statistics.median(outside_ms)
    print(f"  per prompt, before its first node and after its last: median {outside:.2f} ms")
    built = statistics.median(w[2] * 1e3 for w in with_hooks)
    print(f"record built on the history writer's thread, per prompt: median {built:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
