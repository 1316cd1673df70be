"""A 200-node chain on a real ComfyUI, with and without the pack, interleaved (issue 5 budget: <= 1%).

EmptyImage 8x8 -> 200 x ImageInvert -> PreviewImage; each run changes EmptyImage's color so
nothing is served from the cache. A run's time is ComfyUI's own: execution_success minus
execution_start from /history.

Two modes:
- ``servers`` (the budget as stated): ComfyUI servers side by side on 127.0.0.1, one without the
  pack (the baseline) and one per ``--treatment`` (the pack; its modules imported only; an inert
  heap of the pack's size, ``ballast``; or, for an A/A run, another without); they take turns,
  never running at once, in a shuffled order each round. ``--blocks`` starts fresh servers that
  many times: a process's luck (heap layout, hash seed) moves a run by a few per cent, so the
  block, not the round, is the unit of the spread (a t-interval over blocks is reported).
- ``hooks``: one server with the pack whose hooks are detached and re-attached between runs (by
  the bench-only probe node), so the hooks' own cost is compared inside one process.

Every server also loads ``bench/comfyui_probe``, a bench-only node reporting the garbage collector:
in this chain ComfyUI spends about half its time in full collections of a ~770k-object heap, and
whether a run holds one or two of them is most of the noise. The report therefore gives, besides
the budget's median of per-round ratios, the ratio of mean times with a bootstrap interval and the
time outside full collections (the hooks' direct cost), and the full collections' cost, which grows
with the number of objects a process holds.

    COMFYUI_DIR=... COMFYUI_PYTHON=... .venv/bin/python bench/comfyui_chain.py --settle-gc \
        --blocks 10 --rounds 8 [--treatment pack,ballast] [--mode hooks]

Long on purpose: a benchmark script run on its own; its servers, treatments, blocks and report
stay in one file.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.comfyui_server import ComfyServer, start_comfyui, stop_comfyui  # noqa: E402

PROBE = Path(__file__).resolve().parent / "comfyui_probe"
# Read by the probe at import: how many inert objects to hold (the ballast treatment).
BALLAST_ENV = "SAK_BENCH_BALLAST"

# The pack's entry point cut down to importing its modules: nothing created, started or hooked.
IMPORTS_ONLY_INIT = """
WEB_DIRECTORY = None
NODE_CLASS_MAPPINGS = {}
if __package__:
    from .backend import plugin  # noqa: F401
"""
# ... and that plus the execution hooks installed (passing straight through: no plugin attaches).
HOOKS_ONLY_INIT = (
    IMPORTS_ONLY_INIT
    + """
    from .backend.host import comfyui_hooks
    comfyui_hooks.install()
"""
)


# What ComfyUI loads of the pack: copied once per bench run (see snapshot_pack).
PACK_FILES = ("__init__.py", "prestartup.py", "pyproject.toml", "backend", "dist")


def snapshot_pack() -> Path:
    """A copy of the pack as it is now: a run of many blocks restarts servers for an hour, and
    each start must load the same code even if the checkout is edited meanwhile."""
    folder = Path(tempfile.mkdtemp(prefix="swissarmyknife-bench-pack-"))
    for name in PACK_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, folder / name)
    return folder


def cut_down_pack(pack: Path, init: str) -> Path:
    """A throwaway pack folder sharing ``pack``'s backend/ with ``init`` as its entry point."""
    folder = Path(tempfile.mkdtemp(prefix="swissarmyknife-cut-down-"))
    (folder / "backend").symlink_to(pack / "backend", target_is_directory=True)
    (folder / "__init__.py").write_text(init)
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
    block: int = 0  # which pair of processes ran it

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


def block_ratio(t: Sequence[Run], b: Sequence[Run], block: int) -> tuple[float, float]:
    """One block's ratio of mean wall time and of mean time outside full collections."""
    tb = [r for r in t if r.block == block]
    bb = [r for r in b if r.block == block]
    return (
        sum(r.wall_ms for r in tb) / sum(r.wall_ms for r in bb),
        sum(r.outside_gc_ms for r in tb) / sum(r.outside_gc_ms for r in bb),
    )


# Two-sided 95 % Student t quantiles by degrees of freedom (1..30); 1.96 beyond.
# fmt: off
_T95 = (12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13,
        2.12, 2.11, 2.10, 2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04)
# fmt: on


def t_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean with a 95 % t-interval: over blocks, the unit that carries the per-process spread
    (bootstrapping rounds would treat one pair of processes' luck as settled)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, mean, mean
    df = len(values) - 1
    half = (_T95[df - 1] if df <= len(_T95) else 1.96) * statistics.stdev(values) / len(values) ** 0.5
    return mean, mean - half, mean + half


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
    getters: tuple[tuple[str, Callable[[Run], float]], ...] = (
        ("wall", lambda r: r.wall_ms),
        ("outside full GC", lambda r: r.outside_gc_ms),
        ("server CPU", lambda r: r.cpu_ms),
    )
    for label, get in getters:
        ratio, low, high = bootstrap_ratio([get(r) for r in t], [get(r) for r in b])
        lines.append(f"  ratio of means, {label:>15}: {ratio:.4f} (95% CI {low:.4f} - {high:.4f})")
    blocks = sorted({r.block for r in t})
    if len(blocks) > 1:
        per_block = [block_ratio(t, b, block) for block in blocks]
        lines.append(
            "  per block (ratio of means, wall / outside full GC): "
            + ", ".join(f"{w:.3f}/{o:.3f}" for w, o in per_block)
        )
        for label, index in (("wall", 0), ("outside full GC", 1)):
            values = [ratios[index] for ratios in per_block]
            mean, low, high = t_interval(values)
            lines.append(
                f"  over {len(blocks)} blocks, {label:>15}: mean of block ratios {mean:.4f} "
                f"(95% t-interval {low:.4f} - {high:.4f}; median {statistics.median(values):.4f})"
            )
    t_gc = sum(r.full_gc_ms for r in t) / max(sum(r.full_gcs for r in t), 1)
    b_gc = sum(r.full_gc_ms for r in b) / max(sum(r.full_gcs for r in b), 1)
    objects = statistics.median(r.objects for r in t) / statistics.median(r.objects for r in b)
    gc_ratio = f"{t_gc / b_gc:.4f}" if b_gc else "n/a (none inside a run)"
    lines.append(f"  one full collection: ratio {gc_ratio}; heap objects ratio {objects:.4f}")
    return lines


TREATMENTS = ("pack", "profiler-off", "hooks-only", "imports-only", "no-pack", "ballast")
# The cut-down entry points, by treatment.
CUT_DOWN_INITS = {"imports-only": IMPORTS_ONLY_INIT, "hooks-only": HOOKS_ONLY_INIT}


def treatments(value: str) -> list[str]:
    """``--treatment pack,ballast``: each must be one of TREATMENTS, none twice."""
    found = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in found if name not in TREATMENTS]
    if not found or unknown or len(set(found)) != len(found):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(TREATMENTS)}")
    return found


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
        type=treatments,
        default=["pack"],
        help="one or more, comma-separated, each with its own server in every block: "
        "no-pack with --baseline no-pack is an A/A run: the noise floor of this machine; "
        "imports-only loads the pack's modules and nothing else, hooks-only also installs the "
        "execution hooks (passing through), profiler-off runs the whole pack "
        "with its hooks passing through (bisecting the pack's cost); "
        "ballast is no pack but the probe holding --ballast inert objects: what a heap the pack's "
        "size costs any plugin",
    )
    parser.add_argument(
        "--ballast",
        type=int,
        default=8500,
        help="objects the ballast treatment holds (the pack adds about 8,500 to ComfyUI's heap)",
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
    parser.add_argument(
        "--comfy-arg",
        action="append",
        default=[],
        help="a command-line argument for every server, repeatable, the same for every arm: e.g. "
        "--comfy-arg=--cache-classic instead of 0.27's default RAM-pressure cache (which reads "
        "/proc/meminfo and may scan the cache after every node)",
    )
    parser.add_argument("--seed", type=int, default=1, help="of the run order")
    parser.add_argument("--raw", type=Path, help="also write every run's figures to this JSON file")
    args = parser.parse_args()
    if args.baseline == "profiler-off" and "profiler-off" in args.treatment:
        parser.error("--treatment profiler-off is already the baseline")
    if args.hash_seed == -1:
        args.hash_seed = None
    return args


def describe(args: argparse.Namespace, comfy_dir: Path, treatments: Sequence[Arm], baseline: Arm) -> str:
    """The report's header: which ComfyUI, machine, date and design."""
    version_file = comfy_dir / "comfyui_version.py"
    version = version_file.read_text().split('"')[1] if version_file.exists() else "?"
    when = time.strftime("%Y-%m-%d %H:%M")
    seeds = (
        f", PYTHONHASHSEED {args.hash_seed}..{args.hash_seed + args.blocks - 1} (per block, every arm)"
        if args.hash_seed is not None
        else ", random PYTHONHASHSEED"
    )
    return (
        f"ComfyUI {version}, {platform.machine()}, {os.cpu_count()} cores, {when}\n"
        f"{args.nodes}-node ImageInvert chain, mode {args.mode}, {args.blocks} block(s) x {args.rounds} "
        f"rounds in shuffled order: {', '.join(arm.name for arm in treatments)} vs {baseline.name}"
        + (", full collection before each run" if args.settle_gc else "")
        + seeds
        + (f", ComfyUI arguments {' '.join(args.comfy_arg)}" if args.comfy_arg else "")
    )


@dataclass
class Plan:
    """How to start one arm's server."""

    arm: Arm
    pack: bool
    env: dict[str, str] | None
    folder: Path


def start_plan(
    plan: Plan,
    seed: int | None,
    comfy_dir: Path,
    python: Path,
    comfy_args: Sequence[str],
    *,
    extra_env: dict[str, str] | None = None,
    **options: Any,
) -> ComfyServer:
    """Start one arm's server (with the probe); ``seed`` is its PYTHONHASHSEED, None for random;
    ``options`` go to ``start_comfyui`` (a launcher, a start timeout)."""
    env = {**(plan.env or os.environ), **(extra_env or {})}
    if seed is not None:
        env["PYTHONHASHSEED"] = str(seed)
    return start_comfyui(
        comfy_dir,
        python,
        with_pack=plan.pack,
        env=env,
        extra_nodes=[PROBE],
        pack_dir=plan.folder,
        extra_args=comfy_args,
        **options,
    )


def plans(args: argparse.Namespace, pack_copy: Path, cut_down: dict[str, Path]) -> list[Plan]:
    """The baseline first, then each treatment, each with its own server per block."""
    names = {
        "pack": "pack",
        "profiler-off": "profiler off",
        "hooks-only": "imports + hooks",
        "imports-only": "imports only",
        "no-pack": "no pack (A)",
        "ballast": f"ballast {args.ballast:,}",
    }
    profiler_off = args.baseline == "profiler-off"
    found = [
        Plan(
            Arm("profiler off" if profiler_off else "no pack"),
            profiler_off,
            {**os.environ, "SWISSARMYKNIFE_PROFILER": "0"} if profiler_off else None,
            pack_copy,
        )
    ]
    envs = {
        "ballast": {**os.environ, BALLAST_ENV: str(args.ballast)},
        "profiler-off": {**os.environ, "SWISSARMYKNIFE_PROFILER": "0"},
    }
    for treatment in args.treatment:
        found.append(
            Plan(
                Arm(names[treatment]),
                treatment in ("pack", "profiler-off", *CUT_DOWN_INITS),
                envs.get(treatment),
                cut_down.get(treatment, pack_copy),
            )
        )
    return found


def main() -> int:
    args = parse_args()
    comfy_dir, python = Path(os.environ["COMFYUI_DIR"]), Path(os.environ["COMFYUI_PYTHON"])
    rng = random.Random(args.seed)
    pack_copy = snapshot_pack()
    wanted = {name: init for name, init in CUT_DOWN_INITS.items() if name in args.treatment}
    cut_down = {name: cut_down_pack(pack_copy, init) for name, init in wanted.items()}

    def start(plan: Plan, seed: int | None) -> ComfyServer:
        return start_plan(plan, seed, comfy_dir, python, args.comfy_arg)

    if args.mode == "hooks":
        arm_plans = [Plan(Arm(name), True, None, pack_copy) for name in ("hooks off", "hooks on")]
    else:
        arm_plans = plans(args, pack_copy, cut_down)
    baseline, treatments = arm_plans[0].arm, [plan.arm for plan in arm_plans[1:]]
    color = 1000
    for block in range(args.blocks):
        seed = None if args.hash_seed is None else args.hash_seed + block
        servers: dict[str, ComfyServer] = {}
        try:
            if args.mode == "hooks":
                server = start(arm_plans[1], seed)
                servers = {plan.arm.name: server for plan in arm_plans}
            else:
                # Which process starts first alternates per block (start order moves heap layouts).
                for plan in arm_plans if block % 2 == 0 else reversed(arm_plans):
                    servers[plan.arm.name] = start(plan, seed)
            arms = [plan.arm for plan in arm_plans]
            for warm_up in range(3):
                for arm in arms:
                    if args.mode == "hooks":
                        set_hooks(servers[arm.name], arm is not baseline)
                    run(servers[arm.name], warm_up, args.nodes, settle_gc=args.settle_gc)
            for _ in range(args.rounds):
                order = arms[:]
                rng.shuffle(order)
                for arm in order:
                    if args.mode == "hooks":
                        set_hooks(servers[arm.name], arm is not baseline)
                    color += 1
                    measured = run(servers[arm.name], color, args.nodes, settle_gc=args.settle_gc)
                    measured.block = block
                    arm.runs.append(measured)
        finally:
            for server in {id(s): s for s in servers.values()}.values():
                stop_comfyui(server)
        ratios = {arm.name: block_ratio(arm.runs, baseline.runs, block) for arm in treatments}
        progress = "; ".join(f"{name}: wall {w:.4f}, outside GC {o:.4f}" for name, (w, o) in ratios.items())
        print(f"block {block + 1}/{args.blocks} done: {progress}", file=sys.stderr, flush=True)
    for folder in (pack_copy, *cut_down.values()):
        shutil.rmtree(folder, ignore_errors=True)
    print(describe(args, comfy_dir, treatments, baseline))
    if args.raw is not None:
        every = [baseline, *treatments]
        args.raw.write_text(json.dumps({arm.name: [vars(r) for r in arm.runs] for arm in every}, indent=1))
    for treatment in treatments:
        print(f"{treatment.name} vs {baseline.name}")
        print("\n".join(report(treatment, baseline)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
