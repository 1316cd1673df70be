"""The 200-node chain's cost counted, not timed: callgrind's instructions and estimated cycles.

``bench/comfyui_chain.py`` times the chain (issue 5's budget: within 1 % of ComfyUI without the
pack), but on a shared VM whose speed moves ±10 % from minute to minute, timing cannot resolve
1 %. Here each server runs under valgrind's callgrind and the bench-only probe counts every prompt
in two windows: from entering ``PromptExecutor.execute`` to ``add_message("execution_success")``
returning (ComfyUI's own run time, plus its set-up before execution_start), and from there to
``execute`` returning (what the worker does after it). The probe opens and dumps the windows
inside the process (``comfyui_probe/callgrind_window.c``), so the driver's own requests are never
in them. Callgrind counts what the CPU is asked to do — instructions, and with its cache
simulation the first- and last-level cache misses — whatever else the machine is doing, so a
pack's cost is a ratio of counts that repeats to about 0.1 %.

Estimated cycles = Ir + 10 x L1 misses + 100 x last-level misses, the weighting callgrind's own
documentation and instruction-count benchmark harnesses use; the full collections of ComfyUI's
~770,000-object heap are mostly misses, which is why the estimate, not the instruction count
alone, is the figure to compare. It is a model of a CPU, not a time: it has no branch
mispredictions, prefetching or out-of-order overlap, and no kernel time (syscalls).

Every thread is counted in the windows (the pack's sampler and history writer included), and the
worker thread's counts are reported alone too. The pack reads RSS at most every 20 ms of wall
time, and a process under callgrind runs ~200x slower: each pack arm first runs natively (its run
time and RSS reads per run), and after a warm-up the probe stretches the pack's wall-clock limits
by the measured slow-down (x 0.8, erring towards more reads), so it reads as often per run as
natively; the report shows both counts.

Each block starts one server per arm with the same ``PYTHONHASHSEED`` (set layouts in ComfyUI's
cache-key hashing depend on it), side by side (valgrind runs a process on one core), and runs
the chain in every server at once, each run with a new color so nothing is cached and with a
full collection first, outside the window. Slow: ~80 s to start a server and ~90 s (0.27) or
~4 min (0.3.64) per run under callgrind on the 2-core VM.

    COMFYUI_DIR=... COMFYUI_PYTHON=... .venv/bin/python bench/comfyui_chain_cycles.py \\
        --blocks 3 --runs 4 [--treatment pack,profiler-off]

Long on purpose: a benchmark script run on its own; the callgrind launcher, calibration and
report stay in one file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Imported by its folder, not as ``bench.``: under pytest that name is tests/bench.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from comfyui_chain import (  # noqa: E402
    CUT_DOWN_INITS,
    PROBE,
    Plan,
    chain,
    cut_down_pack,
    plans,
    snapshot_pack,
    start_plan,
    t_interval,
    treatments,
)

from tests.support.comfyui_server import ComfyServer, stop_comfyui  # noqa: E402

WINDOW_SOURCE = PROBE / "callgrind_window.c"
# Callgrind's event names for misses with --cache-sim=yes.
L1_MISSES = ("I1mr", "D1mr", "D1mw")
LL_MISSES = ("ILmr", "DLmr", "DLmw")
START_TIMEOUT_S = 900.0
RUN_TIMEOUT_S = 1800.0
# The pack's RSS read limits are stretched by this share of the measured slow-down only, so that
# under valgrind it reads at least as often per run as natively (its count errs high, never low).
DILATION_MARGIN = 0.8
CALIBRATION_RUNS = 6


def build_window_library(folder: Path) -> Path:
    """Compile the probe's client-request shim (needs gcc and valgrind's headers)."""
    library = folder / "libsakwindow.so"
    subprocess.run(
        ["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(WINDOW_SOURCE)],
        check=True,
    )
    return library


def estimated_cycles(events: dict[str, int]) -> int:
    """Ir + 10 x L1 misses + 100 x last-level misses; Ir alone without a cache simulation."""
    return (
        events["Ir"]
        + 10 * sum(events.get(name, 0) for name in L1_MISSES)
        + 100 * sum(events.get(name, 0) for name in LL_MISSES)
    )


def read_dump(path: Path) -> tuple[int, dict[str, int]]:
    """A per-thread callgrind dump's thread number and its summary events."""
    thread, names, values = 0, [], []
    with path.open(errors="replace") as dump:
        for line in dump:
            if line.startswith("thread:"):
                thread = int(line.split()[1])
            elif line.startswith("events:"):
                names = line.split()[1:]
            elif line.startswith("summary:"):
                values = [int(v) for v in line.split()[1:]]
                break
    events = dict(zip(names, values, strict=False))
    return thread, {name: events.get(name, 0) for name in names}


@dataclass
class Window:
    """One dump: every thread, and the worker (the thread that did the most)."""

    cycles: int
    ir: int
    worker_cycles: int
    worker_ir: int
    threads: dict[int, int]  # thread number -> estimated cycles
    events: dict[str, int]  # every thread, by callgrind event

    def __add__(self, other: Window) -> Window:
        threads = dict(self.threads)
        for thread, value in other.threads.items():
            threads[thread] = threads.get(thread, 0) + value
        events = dict(self.events)
        for name, value in other.events.items():
            events[name] = events.get(name, 0) + value
        return Window(
            self.cycles + other.cycles,
            self.ir + other.ir,
            self.worker_cycles + other.worker_cycles,
            self.worker_ir + other.worker_ir,
            threads,
            events,
        )


def read_window(files: Sequence[Path]) -> Window:
    per_thread = dict(read_dump(path) for path in files)
    cycles = {thread: estimated_cycles(events) for thread, events in per_thread.items()}
    worker = max(cycles, key=lambda thread: cycles[thread])
    total: dict[str, int] = {}
    for events in per_thread.values():
        for name, value in events.items():
            total[name] = total.get(name, 0) + value
    return Window(
        cycles=sum(cycles.values()),
        ir=total.get("Ir", 0),
        worker_cycles=cycles[worker],
        worker_ir=per_thread[worker].get("Ir", 0),
        threads=cycles,
        events=total,
    )


@dataclass
class Count:
    """One prompt: to execution_success (what ComfyUI's execution time covers), and after it."""

    success: Window
    end: Window
    block: int = 0
    rss_reads: int | None = None  # the pack's RSS reads in the run (None: no profiler)

    @property
    def whole(self) -> Window:
        return self.success + self.end


@dataclass
class Server:
    plan: Plan
    server: ComfyServer
    dumps: Path  # this server's callgrind output folder
    seen: int = 0  # dumps already read
    profiler: bool = False  # whether the pack's profiler runs (its RSS reads are counted)

    def dump_files(self, number: int) -> list[Path]:
        # --separate-threads=yes names each thread's part of dump N "<out>.N-TT".
        return sorted(self.dumps.glob(f"cg.out.{self.server.process.pid}.{number}-*"))


@dataclass
class ArmCounts:
    name: str
    counts: list[Count] = field(default_factory=list)
    native_wall_ms: float | None = None
    native_rss_reads: float | None = None


def count_rss(server: ComfyServer, dilation: float) -> bool:
    """Count the pack's RSS reads (limits stretched by ``dilation``); False when it records nothing."""
    status, _ = server.post("/sak-bench/rss", {"dilation": dilation})
    return status == 200


def rss_reads(server: ComfyServer) -> int:
    status, body = server.get("/sak-bench/rss")
    assert status == 200, body
    return int(body["reads"])


def run_counted(server: Server, color: int, nodes: int, block: int) -> Count:
    status, body = server.server.post("/sak-bench/collect", {}, timeout_s=600)
    assert status == 200, body
    if server.profiler:
        rss_reads(server.server)  # reset
    success, end = server.seen + 1, server.seen + 2
    prompt_id = server.server.queue(chain(nodes, color))
    # No request to the server while a window is open: wait for the last dump to appear.
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not server.dump_files(end):
        if server.server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"no dump {end} from {server.plan.arm.name}:\n{server.server.log()[-3000:]}")
        time.sleep(1.0)
    time.sleep(1.0)  # every thread's part written
    entry = server.server.wait_done(prompt_id, timeout_s=RUN_TIMEOUT_S)
    assert entry["status"]["status_str"] == "success", entry["status"]
    server.seen = end
    return Count(
        read_window(server.dump_files(success)),
        read_window(server.dump_files(end)),
        block,
        rss_reads(server.server) if server.profiler else None,
    )


def calibrate(
    plan: Plan, seed: int, args: argparse.Namespace, comfy_dir: Path, python: Path
) -> tuple[float, float]:
    """The chain natively in this arm's server: median wall ms (execution_start -> _success) and
    the pack's RSS reads per run."""
    server = start_plan(plan, seed, comfy_dir, python, args.comfy_arg)
    try:
        assert count_rss(server, 1.0), f"{plan.arm.name}: the pack's profiler is not running"
        walls, reads = [], []
        for number in range(2 + CALIBRATION_RUNS):
            status, body = server.post("/sak-bench/collect", {}, timeout_s=60)
            assert status == 200, body
            rss_reads(server)
            entry = server.wait_done(server.queue(chain(args.nodes, 900 + number)), timeout_s=120)
            stamps = {event: data["timestamp"] for event, data in entry["status"]["messages"]}
            if number >= 2:
                walls.append(float(stamps["execution_success"] - stamps["execution_start"]))
                reads.append(rss_reads(server))
        return statistics.median(walls), statistics.median(reads)
    finally:
        stop_comfyui(server)


def valgrind_command(dumps: Path, cache_sim: bool) -> list[str]:
    return [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",  # ~5x faster outside the windows (start-up, between runs)
        f"--cache-sim={'yes' if cache_sim else 'no'}",
        "--separate-threads=yes",
        f"--callgrind-out-file={dumps}/cg.out.%p",
        "--dump-line=no",
        "--dump-instr=no",
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=3, help="fresh servers (hash seeds) this many times")
    parser.add_argument("--runs", type=int, default=4, help="counted runs per server, after one warm-up")
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--treatment", type=treatments, default=["pack"], help="as in comfyui_chain.py")
    parser.add_argument("--baseline", choices=["no-pack", "profiler-off"], default="no-pack")
    parser.add_argument("--ballast", type=int, default=8500)
    parser.add_argument("--hash-seed", type=int, default=1, help="PYTHONHASHSEED of block 0, +1 per block")
    parser.add_argument("--no-cache-sim", action="store_true", help="instructions only (about twice as fast)")
    parser.add_argument("--comfy-arg", action="append", default=[])
    parser.add_argument("--raw", type=Path, help="also write every window's counts to this JSON file")
    return parser.parse_args()


def ratio_line(label: str, values: Sequence[float]) -> str:
    mean, low, high = t_interval(values)
    return (
        f"  {label}: mean {mean:.4f} (95% t-interval {low:.4f} - {high:.4f}; "
        f"median {statistics.median(values):.4f}; min {min(values):.4f}, max {max(values):.4f})"
    )


FIGURES: tuple[tuple[str, Callable[[Count], int]], ...] = (
    ("to execution_success, estimated cycles, all threads", lambda c: c.success.cycles),
    ("to execution_success, estimated cycles, worker", lambda c: c.success.worker_cycles),
    ("to execution_success, instructions, all threads", lambda c: c.success.ir),
    ("whole execute, estimated cycles, all threads", lambda c: c.whole.cycles),
)


def report(treatment: ArmCounts, baseline: ArmCounts) -> list[str]:
    lines = []
    for arm in (treatment, baseline):
        c = arm.counts
        native = (
            f"; natively {arm.native_wall_ms:.0f} ms a run, {arm.native_rss_reads:.0f} RSS reads"
            if arm.native_wall_ms is not None
            else ""
        )
        reads = [x.rss_reads for x in c if x.rss_reads is not None]
        counted = f"; RSS reads per counted run {statistics.median(reads):.0f}" if reads else ""
        success_m = statistics.median(x.success.cycles for x in c) / 1e6
        success_ir_m = statistics.median(x.success.ir for x in c) / 1e6
        lines.append(
            f"  {arm.name:>14}: to execution_success {success_m:,.1f} M estimated cycles "
            f"({success_ir_m:,.1f} M instructions), after it "
            f"{statistics.median(x.end.cycles for x in c) / 1e6:,.1f} M; threads counted "
            f"{max(len(x.whole.threads) for x in c)}; runs {len(c)}{counted}{native}"
        )
    blocks = sorted({x.block for x in treatment.counts})
    for label, get in FIGURES:
        per_block = []
        per_run = []
        for block in blocks:
            t = [get(x) for x in treatment.counts if x.block == block]
            b = [get(x) for x in baseline.counts if x.block == block]
            per_block.append(statistics.median(t) / statistics.median(b))
            per_run += [x / y for x, y in zip(t, b, strict=True)]
        lines.append(ratio_line(f"{label}, block ratios of medians ({len(blocks)})", per_block))
        lines.append(f"    every run's ratio: {', '.join(f'{r:.4f}' for r in per_run)}")
    return lines


def profiler_runs(plan: Plan, pack_copy: Path) -> bool:
    """Whether this arm's server records workflows (the whole pack, its profiler on)."""
    return plan.pack and plan.folder == pack_copy and (plan.env or {}).get("SWISSARMYKNIFE_PROFILER") != "0"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.comfy_dir = Path(os.environ["COMFYUI_DIR"])
        self.python = Path(os.environ["COMFYUI_PYTHON"])
        self.work = Path(tempfile.mkdtemp(prefix="swissarmyknife-cycles-"))
        self.library = build_window_library(self.work)
        self.pack_copy = snapshot_pack()
        wanted = {name: init for name, init in CUT_DOWN_INITS.items() if name in args.treatment}
        self.cut_down = {name: cut_down_pack(self.pack_copy, init) for name, init in wanted.items()}
        self.plans = plans(args, self.pack_copy, self.cut_down)
        self.arms = {plan.arm.name: ArmCounts(plan.arm.name) for plan in self.plans}
        self.started_at = time.strftime("%Y-%m-%d %H:%M")
        self.color = 5000

    def close(self) -> None:
        for folder in (self.work, self.pack_copy, *self.cut_down.values()):
            shutil.rmtree(folder, ignore_errors=True)

    def calibrate(self) -> None:
        """Natively, one server at a time: how long the chain runs and how often the pack reads RSS
        in it, for the arms whose profiler runs."""
        for plan in self.plans:
            if not profiler_runs(plan, self.pack_copy):
                continue
            arm = self.arms[plan.arm.name]
            arm.native_wall_ms, arm.native_rss_reads = calibrate(
                plan, self.args.hash_seed, self.args, self.comfy_dir, self.python
            )
            figures = f"{arm.native_wall_ms:.0f} ms a run, {arm.native_rss_reads:.0f} RSS reads"
            print(f"natively, {arm.name}: {figures}", file=sys.stderr, flush=True)

    def start(self, plan: Plan, seed: int, block: int) -> Server:
        dumps = self.work / f"block{block}-{plan.arm.name.replace(' ', '-')}"
        dumps.mkdir()
        server = start_plan(
            plan,
            seed,
            self.comfy_dir,
            self.python,
            self.args.comfy_arg,
            extra_env={"SAK_BENCH_CALLGRIND_LIB": str(self.library)},
            launcher=valgrind_command(dumps, not self.args.no_cache_sim),
            start_timeout_s=START_TIMEOUT_S,
        )
        status, body = server.post("/sak-bench/callgrind-window", {})
        if status != 200:
            stop_comfyui(server)
            raise RuntimeError(f"the probe's window is not installed: {status} {body}")
        started = Server(plan, server, dumps, profiler=self.arms[plan.arm.name].native_wall_ms is not None)
        if started.profiler:
            assert count_rss(server, 1.0)
        return started

    def warm_up(self, server: Server, color: int, block: int) -> Count:
        """A first run, not kept; it tells how much slower the process runs than natively, which
        stretches the pack's wall-clock RSS limits for the counted runs."""
        count = run_counted(server, color, self.args.nodes, block)
        native_ms = self.arms[server.plan.arm.name].native_wall_ms
        if native_ms is not None:
            status, body = server.server.get("/sak-bench/window")
            assert status == 200, body
            assert count_rss(server.server, float(body["success_s"]) * 1000 / native_ms * DILATION_MARGIN)
        return count

    def block(self, pool: ThreadPoolExecutor, block: int) -> None:
        seed = self.args.hash_seed + block
        servers: list[Server] = []
        try:
            futures = [pool.submit(self.start, plan, seed, block) for plan in self.plans]
            errors = []
            for future in futures:
                try:
                    servers.append(future.result())
                except Exception as error:  # stop the ones that did start, then report
                    errors.append(error)
            if errors:
                raise errors[0]
            for number in range(1 + self.args.runs):
                self.color += 1
                step = self.warm_up if number == 0 else self.counted
                results = list(pool.map(lambda s, c=self.color, f=step: f(s, c, block), servers))
                if number > 0:
                    for server, count in zip(servers, results, strict=True):
                        self.arms[server.plan.arm.name].counts.append(count)
                progress = ", ".join(
                    f"{s.plan.arm.name} {c.success.cycles / 1e6:,.1f} + {c.end.cycles / 1e6:,.1f} M"
                    + (f" ({c.rss_reads} RSS reads)" if c.rss_reads is not None else "")
                    for s, c in zip(servers, results, strict=True)
                )
                label = " (warm-up)" if number == 0 else ""
                print(
                    f"block {block + 1}/{self.args.blocks} run {number}{label}: {progress}",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            for server in servers:
                stop_comfyui(server.server)

    def counted(self, server: Server, color: int, block: int) -> Count:
        return run_counted(server, color, self.args.nodes, block)

    def print_report(self) -> None:
        args = self.args
        version_file = self.comfy_dir / "comfyui_version.py"
        version = version_file.read_text().split('"')[1] if version_file.exists() else "?"
        print(
            f"ComfyUI {version}, {platform.machine()}, {os.cpu_count()} cores, {self.started_at}; callgrind "
            f"({'instructions only' if args.no_cache_sim else 'cache simulation'}), {args.nodes}-node chain, "
            f"{args.blocks} block(s) x {args.runs} runs (+1 warm-up), PYTHONHASHSEED "
            f"{args.hash_seed}..{args.hash_seed + args.blocks - 1}"
            + (f", ComfyUI arguments {' '.join(args.comfy_arg)}" if args.comfy_arg else "")
        )
        if args.raw is not None:
            counts = {name: [asdict(c) for c in arm.counts] for name, arm in self.arms.items()}
            args.raw.write_text(json.dumps(counts, indent=1))
        baseline, *others = (self.arms[plan.arm.name] for plan in self.plans)
        for arm in others:
            print(f"{arm.name} vs {baseline.name}")
            print("\n".join(report(arm, baseline)))


def main() -> int:
    bench = Bench(parse_args())
    try:
        bench.calibrate()
        with ThreadPoolExecutor(max_workers=len(bench.plans)) as pool:
            for block in range(bench.args.blocks):
                bench.block(pool, block)
    finally:
        bench.close()
    bench.print_report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
