"""A 200-node chain on a real ComfyUI, with and without the pack, interleaved (issue 5 budget: <= 1%).

EmptyImage 8x8 -> 200 x ImageInvert -> PreviewImage; each run changes EmptyImage's color so
nothing is served from the cache. A run's time is ComfyUI's own: execution_success minus
execution_start from /history.

Two modes:
- ``servers`` (the budget as stated): ComfyUI servers side by side on 127.0.0.1, one with the pack
  and one without (or, for an A/A run, two without); they take turns, never running at once, in a
  shuffled order each round. ``--blocks`` restarts both servers that many times, so a process's
  luck (heap layout, when its collector happens to run) is averaged out too.
- ``hooks``: one server with the pack whose hooks are detached and re-attached between runs (by
  the bench-only probe node), so the hooks' own cost is compared inside one process.

Every server also loads ``bench/comfyui_probe``, a bench-only node reporting the garbage collector:
in this chain ComfyUI spends about half its time in full collections of a ~770k-object heap, and
whether a run holds one or two of them is most of the noise. The report therefore gives, besides
the budget's median of per-round ratios, the ratio of mean times with a bootstrap interval and the
time outside full collections (the hooks' direct cost), and the full collections' cost, which grows
with the number of objects a process holds.

    COMFYUI_DIR=... COMFYUI_PYTHON=... .venv/bin/python bench/comfyui_chain.py [--mode servers]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.conftest import ComfyServer, start_comfyui, stop_comfyui  # noqa: E402

PROBE = Path(__file__).resolve().parent / "comfyui_probe"

# The pack's entry point cut down to importing its modules: nothing created, started or hooked.
IMPORTS_ONLY_INIT = """
WEB_DIRECTORY = None
NODE_CLASS_MAPPINGS = {}
if __package__:
    from .backend import plugin  # noqa: F401
"""


def imports_only_pack() -> Path:
    """A throwaway pack folder sharing this checkout's backend/ but loading nothing but modules."""
    folder = Path(tempfile.mkdtemp(prefix="swissarmyknife-imports-only-"))
    (folder / "backend").symlink_to(ROOT / "backend", target_is_directory=True)
    (folder / "__init__.py").write_text(IMPORTS_ONLY_INIT)
    return folder


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


@dataclass
class Run:
    wall_ms: float
    cpu_ms: float
    full_gc_ms: float  # full collections inside the run's window
    full_gcs: int
    objects: int
    young_gcs: int = 0  # generation 0 and 1 collections, from queueing the prompt to its end
    young_gc_ms: float = 0.0

    @property
    def outside_gc_ms(self) -> float:
        return self.wall_ms - self.full_gc_ms


@dataclass
class Arm:
    name: str
    runs: list[Run] = field(default_factory=list)


def gc_figures(server: ComfyServer) -> dict[str, object]:
    status, body = server.get("/sak-bench/gc")
    assert status == 200, body
    return dict(body)


def set_hooks(server: ComfyServer, on: bool) -> None:
    status, body = server.post("/sak-bench/hooks", {"on": on})
    assert status == 200 and body["on"] is on, body


def run(server: ComfyServer, color: int, nodes: int, *, settle_gc: bool = False) -> Run:
    if settle_gc:
        status, body = server.post("/sak-bench/collect", {}, timeout_s=30)
        assert status == 200, body
    gc_figures(server)  # reset the probe's counters
    cpu_before = cpu_s(server.process.pid)
    prompt_id = server.queue(chain(nodes, color))
    entry = server.wait_done(prompt_id, timeout_s=120)
    cpu_ms = (cpu_s(server.process.pid) - cpu_before) * 1000
    stamps = {event: data["timestamp"] for event, data in entry["status"]["messages"]}
    start, end = stamps["execution_start"], stamps["execution_success"]
    figures = gc_figures(server)
    inside = [(at, ms) for at, ms in figures["full"] if start <= at <= end]  # type: ignore[attr-defined]
    return Run(
        wall_ms=float(end - start),
        cpu_ms=cpu_ms,
        full_gc_ms=sum(ms for _, ms in inside),
        full_gcs=len(inside),
        objects=int(figures["objects"]),  # type: ignore[call-overload]
        young_gcs=sum(figures["collections"][:2]),  # type: ignore[index]
        young_gc_ms=sum(figures["ms"][:2]),  # type: ignore[index]
    )


def bootstrap_ratio(
    a: Sequence[float], b: Sequence[float], *, rounds: int = 4000, seed: int = 7
) -> tuple[float, float, float]:
    """mean(a)/mean(b) for paired rounds, with a 95% bootstrap interval over rounds."""
    rng = random.Random(seed)
    n = len(a)
    ratios = []
    for _ in range(rounds):
        picks = [rng.randrange(n) for _ in range(n)]
        ratios.append(sum(a[i] for i in picks) / sum(b[i] for i in picks))
    ratios.sort()
    return sum(a) / sum(b), ratios[int(0.025 * rounds)], ratios[int(0.975 * rounds)]


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(treatment: Arm, baseline: Arm) -> list[str]:
    t, b = treatment.runs, baseline.runs
    per_round = [x.wall_ms / y.wall_ms for x, y in zip(t, b, strict=True)]
    lines = []
    for arm in (treatment, baseline):
        runs = arm.runs
        gcs = sum(r.full_gcs for r in runs)
        lines.append(
            f"  {arm.name:>14}: wall median {statistics.median(r.wall_ms for r in runs):7.1f} ms, "
            f"mean {statistics.fmean(r.wall_ms for r in runs):7.1f} ms; outside full GC mean "
            f"{statistics.fmean(r.outside_gc_ms for r in runs):6.1f} ms; full GCs {gcs / len(runs):.2f}/run, "
            f"{sum(r.full_gc_ms for r in runs) / max(gcs, 1):6.1f} ms each; "
            f"young GCs {statistics.fmean(r.young_gcs for r in runs):.0f}/run, "
            f"{statistics.fmean(r.young_gc_ms for r in runs):.1f} ms; "
            f"heap {statistics.median(r.objects for r in runs):,.0f} objects; "
            f"server CPU median {statistics.median(r.cpu_ms for r in runs):.0f} ms"
        )
    lines.append(
        f"  median of per-round wall ratios {statistics.median(per_round):.4f} "
        f"(p10 {quantile(per_round, 0.1):.4f}, p90 {quantile(per_round, 0.9):.4f}, "
        f"min {min(per_round):.4f}, max {max(per_round):.4f})"
    )
    for label, get in (
        ("wall", lambda r: r.wall_ms),
        ("outside full GC", lambda r: r.outside_gc_ms),
        ("server CPU", lambda r: r.cpu_ms),
    ):
        ratio, low, high = bootstrap_ratio([get(r) for r in t], [get(r) for r in b])
        lines.append(f"  ratio of means, {label:>15}: {ratio:.4f} (95% CI {low:.4f} - {high:.4f})")
    t_gc = sum(r.full_gc_ms for r in t) / max(sum(r.full_gcs for r in t), 1)
    b_gc = sum(r.full_gc_ms for r in b) / max(sum(r.full_gcs for r in b), 1)
    objects = statistics.median(r.objects for r in t) / statistics.median(r.objects for r in b)
    gc_ratio = f"{t_gc / b_gc:.4f}" if b_gc else "n/a (none inside a run)"
    lines.append(f"  one full collection: ratio {gc_ratio}; heap objects ratio {objects:.4f}")
    return lines


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["servers", "hooks"], default="servers")
    parser.add_argument("--rounds", type=int, default=30, help="rounds per block")
    parser.add_argument("--blocks", type=int, default=1, help="fresh servers this many times")
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument(
        "--baseline",
        choices=["no-pack", "profiler-off"],
        default="no-pack",
        help="compare against ComfyUI without the pack, or with the pack and SWISSARMYKNIFE_PROFILER=0",
    )
    parser.add_argument(
        "--treatment",
        choices=["pack", "imports-only", "no-pack"],
        default="pack",
        help="no-pack with --baseline no-pack is an A/A run: the noise floor of this machine; "
        "imports-only loads the pack's modules and nothing else (bisecting the pack's cost)",
    )
    parser.add_argument(
        "--settle-gc",
        action="store_true",
        help="a full collection before every run (outside its window): each run starts from the same "
        "collector state, so whether it holds one or two full collections stops being luck",
    )
    parser.add_argument(
        "--hash-seed",
        type=int,
        default=1,
        help="PYTHONHASHSEED of both servers in block 0, +1 per block (set layouts in ComfyUI's cache-key "
        "hashing depend on it: with random seeds one process runs this chain a few %% faster than its "
        "twin); -1 leaves it random",
    )
    parser.add_argument("--seed", type=int, default=1, help="of the run order")
    parser.add_argument("--raw", type=Path, help="also write every run's figures to this JSON file")
    args = parser.parse_args()
    if args.hash_seed == -1:
        args.hash_seed = None
    return args


def main() -> int:
    args = parse_args()
    comfy_dir, python = Path(os.environ["COMFYUI_DIR"]), Path(os.environ["COMFYUI_PYTHON"])
    rng = random.Random(args.seed)

    treatment_pack = imports_only_pack() if args.treatment == "imports-only" else ROOT

    def start(
        pack: bool, seed: int | None, env: dict[str, str] | None = None, pack_dir: Path = ROOT
    ) -> ComfyServer:
        env = {**(env or os.environ)}
        if seed is not None:
            env["PYTHONHASHSEED"] = str(seed)
        return start_comfyui(
            comfy_dir, python, with_pack=pack, env=env, extra_nodes=[PROBE], pack_dir=pack_dir
        )

    names = {"pack": "pack", "imports-only": "imports only", "no-pack": "no pack (A)"}
    treatment = Arm(names[args.treatment])
    baseline = Arm("no pack" if args.baseline == "no-pack" else "profiler off")
    if args.mode == "hooks":
        treatment, baseline = Arm("hooks on"), Arm("hooks off")
    color = 1000
    for block in range(args.blocks):
        seed = None if args.hash_seed is None else args.hash_seed + block
        servers: dict[str, ComfyServer] = {}
        try:
            if args.mode == "hooks":
                server = start(True, seed)
                servers = {"hooks on": server, "hooks off": server}
            else:
                profiler_off = {**os.environ, "SWISSARMYKNIFE_PROFILER": "0"}
                # (arm, with the pack, environment, pack folder)
                plans = [
                    (treatment.name, args.treatment != "no-pack", None, treatment_pack),
                    (baseline.name, args.baseline != "no-pack", profiler_off, ROOT),
                ]
                for name, pack, env, folder in plans if block % 2 == 0 else reversed(plans):
                    servers[name] = start(pack, seed, env if pack else None, folder)
            arms = [treatment, baseline]
            for warm_up in range(3):
                for arm in arms:
                    if args.mode == "hooks":
                        set_hooks(servers[arm.name], arm is treatment)
                    run(servers[arm.name], warm_up, args.nodes, settle_gc=args.settle_gc)
            for _ in range(args.rounds):
                order = arms[:]
                rng.shuffle(order)
                for arm in order:
                    if args.mode == "hooks":
                        set_hooks(servers[arm.name], arm is treatment)
                    color += 1
                    arm.runs.append(run(servers[arm.name], color, args.nodes, settle_gc=args.settle_gc))
        finally:
            for server in {id(s): s for s in servers.values()}.values():
                stop_comfyui(server)
        print(f"block {block + 1}/{args.blocks} done", file=sys.stderr, flush=True)
    if treatment_pack is not ROOT:
        shutil.rmtree(treatment_pack, ignore_errors=True)
    version = (
        (comfy_dir / "comfyui_version.py").read_text().split('"')[1]
        if (comfy_dir / "comfyui_version.py").exists()
        else "?"
    )
    when = time.strftime("%Y-%m-%d %H:%M")
    print(f"ComfyUI {version}, {platform.machine()}, {os.cpu_count()} cores, {when}")
    print(
        f"{args.nodes}-node ImageInvert chain, mode {args.mode}, {args.blocks} block(s) x {args.rounds} "
        f"rounds in shuffled order: {treatment.name} vs {baseline.name}"
        + (", full collection before each run" if args.settle_gc else "")
        + (
            f", PYTHONHASHSEED {args.hash_seed}..{args.hash_seed + args.blocks - 1} (per block, both arms)"
            if args.hash_seed is not None
            else ", random PYTHONHASHSEED"
        )
    )
    if args.raw is not None:
        args.raw.write_text(
            json.dumps({arm.name: [vars(r) for r in arm.runs] for arm in (treatment, baseline)}, indent=1)
        )
    print("\n".join(report(treatment, baseline)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
