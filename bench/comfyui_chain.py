"""A 200-node chain on a real ComfyUI, with and without the pack, interleaved (issue 5 budget: <= 1%).

EmptyImage 8x8 -> 200 x ImageInvert -> PreviewImage. Two ComfyUI servers run side by side on
127.0.0.1 (one with the pack linked into custom_nodes, one without); they take turns, never
running at once. Each run changes EmptyImage's color so nothing is served from the cache. The
duration is ComfyUI's own: execution_success minus execution_start timestamps from /history.

    COMFYUI_DIR=... COMFYUI_PYTHON=... .venv/bin/python bench/comfyui_chain.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.conftest import ComfyServer, start_comfyui, stop_comfyui  # noqa: E402


def chain(nodes: int, color: int) -> dict[str, object]:
    prompt: dict[str, object] = {
        "0": {
            "class_type": "EmptyImage",
            "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": color},
        }
    }
    for i in range(1, nodes + 1):
        prompt[str(i)] = {"class_type": "ImageInvert", "inputs": {"image": [str(i - 1), 0]}}
    prompt["out"] = {"class_type": "PreviewImage", "inputs": {"images": [str(nodes), 0]}}
    return prompt


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, all threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_ms(server: ComfyServer, color: int, nodes: int) -> float:
    return run(server, color, nodes)[0]


def run(server: ComfyServer, color: int, nodes: int) -> tuple[float, float]:
    """(ComfyUI's wall ms from execution_start to execution_success, the server's CPU ms for the run)."""
    cpu_before = cpu_s(server.process.pid)
    prompt_id = server.queue(chain(nodes, color))
    entry = server.wait_done(prompt_id, timeout_s=120)
    cpu_ms = (cpu_s(server.process.pid) - cpu_before) * 1000
    stamps = {event: data["timestamp"] for event, data in entry["status"]["messages"]}
    return float(stamps["execution_success"] - stamps["execution_start"]), cpu_ms


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument(
        "--baseline",
        choices=["no-pack", "profiler-off"],
        default="no-pack",
        help="compare against ComfyUI without the pack, or with the pack and SWISSARMYKNIFE_PROFILER=0",
    )
    parser.add_argument(
        "--treatment",
        choices=["pack", "no-pack"],
        default="pack",
        help="no-pack with --baseline no-pack is an A/A run: the noise floor of this machine",
    )
    parser.add_argument(
        "--baseline-first",
        action="store_true",
        help="start the baseline server first (an A/A run showed the first-started server ~2 %% slower)",
    )
    args = parser.parse_args()
    comfy_dir, python = Path(os.environ["COMFYUI_DIR"]), Path(os.environ["COMFYUI_PYTHON"])

    def start_treatment() -> ComfyServer:
        return start_comfyui(comfy_dir, python, with_pack=args.treatment == "pack")

    def start_baseline() -> ComfyServer:
        if args.baseline == "no-pack":
            return start_comfyui(comfy_dir, python, with_pack=False)
        return start_comfyui(comfy_dir, python, env={**os.environ, "SWISSARMYKNIFE_PROFILER": "0"})

    if args.baseline_first:
        without = start_baseline()
        with_pack = start_treatment()
    else:
        with_pack = start_treatment()
        without = start_baseline()
    try:
        for color in range(3):  # warm-up both
            run_ms(with_pack, color, args.nodes)
            run_ms(without, color, args.nodes)
        on: list[float] = []
        off: list[float] = []
        on_cpu: list[float] = []
        off_cpu: list[float] = []
        for i in range(args.rounds):
            pairs = [(with_pack, on, on_cpu), (without, off, off_cpu)]
            for server, bucket, cpu_bucket in pairs if i % 2 == 0 else reversed(pairs):
                wall_ms, cpu_ms = run(server, 1000 + i, args.nodes)
                bucket.append(wall_ms)
                cpu_bucket.append(cpu_ms)
    finally:
        stop_comfyui(with_pack)
        stop_comfyui(without)
    ratios = [a / b for a, b in zip(on, off, strict=True)]
    version = (
        (comfy_dir / "comfyui_version.py").read_text().split('"')[1]
        if (comfy_dir / "comfyui_version.py").exists()
        else "?"
    )
    print(f"ComfyUI {version}, {platform.machine()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    print(
        f"{args.nodes}-node ImageInvert chain, {args.rounds} interleaved rounds, "
        f"treatment: {args.treatment}, baseline: {args.baseline}, "
        f"started first: {'baseline' if args.baseline_first else 'treatment'}"
    )
    print(f"median with pack {statistics.median(on):.1f} ms, without {statistics.median(off):.1f} ms")
    print(
        f"wall: ratio median {statistics.median(ratios):.4f} (min {min(ratios):.4f}, max {max(ratios):.4f}); "
        f"overhead {100 * (statistics.median(on) / statistics.median(off) - 1):+.2f}%"
    )
    cpu_ratios = [a / b for a, b in zip(on_cpu, off_cpu, strict=True)]
    print(
        f"server CPU per run (all threads): median with {statistics.median(on_cpu):.0f} ms, "
        f"without {statistics.median(off_cpu):.0f} ms; ratio median {statistics.median(cpu_ratios):.4f} "
        f"(min {min(cpu_ratios):.4f}, max {max(cpu_ratios):.4f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
