"""Measure the history store: write cost, stats latency at full history, and memory that stays bounded.

Run from the checkout's root::

    .venv/bin/python bench/history_store.py                 # writes bench/results/history_store.md
    .venv/bin/python bench/history_store.py --workflows 2000 --output -   # quicker, print only

1. Write: one 20-node workflow per transaction on the writer thread (``submit`` + ``flush``, the
   writer's own timing of the transaction), into a database already holding most of its history,
   plus the caller's cost of ``submit()`` (what ComfyUI's execution thread pays). Budget: median
   <= 2 ms per workflow. The retention step (archive 1,000 oldest + delete) is timed on its own.
2. Stats: ``GET /swissarmyknife/profiler/stats`` through aiohttp's test client with N workflows x 20
   nodes stored. Budget: p95 <= 50 ms. Also what the profiler's Previous and Analytics tabs read:
   a filtered history page, series bucketed in SQL, per node class stats with p95, per workflow.
3. Memory: resident set size of a fresh process that opens the store and serves stats, with 1k
   vs N workflows stored: it must not grow with history.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.storage import HistoryStore  # noqa: E402
from tests.support.records import Built, make_record  # noqa: E402

WRITE_BUDGET_MEDIAN_MS = 2.0
STATS_BUDGET_P95_MS = 50.0
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "history_store.md"
STATUSES = ("success",) * 8 + ("error", "oom")

# A fresh interpreter that opens a store, serves stats, and reports its RSS (bytes) as JSON.
RSS_PROBE = """
import gc, json, sys, asyncio
sys.path.insert(0, ROOT)
import psutil
from pathlib import Path
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from backend.api import ApiServices, ProfilerServices, build_endpoints, route_specs
from backend.storage import HistoryStore
from tests.support.telemetry import FakeSampler

proc = psutil.Process()
gc.collect()
before = proc.memory_info().rss
store = HistoryStore(Path(DATA), max_workflows=MAX)
store.start()
assert store.wait_until_open(60)
opened = proc.memory_info().rss

async def main():
    app = web.Application()
    services = ApiServices(version="bench", sampler=FakeSampler(), profiler=ProfilerServices(history=store))
    for spec in route_specs(build_endpoints(services)):
        app.router.add_route("*", spec.path, spec.handler)
    # A plain session: aiohttp's TestClient keeps every response until it closes.
    async with TestServer(app) as server, ClientSession(str(server.make_url(""))) as client:
        before_page = None
        for i in range(200):
            params = {"limit": 500} if before_page is None else {"limit": 500, "before": repr(before_page)}
            async with client.get("/swissarmyknife/profiler/stats", params=params) as resp:
                body = await resp.json()
            before_page = body["history"]["next_before"]
            async with client.get("/swissarmyknife/profiler/archives") as resp:
                await resp.read()
            for item in body["history"]["items"][:5]:
                async with client.get("/swissarmyknife/profiler/workflows/" + item["prompt_id"]) as resp:
                    await resp.read()

asyncio.run(main())
gc.collect()
served = proc.memory_info().rss
count = store.count()
store.close()
print(json.dumps({"before": before, "opened": opened, "served": served, "count": count}))
"""


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _row(name: str, values: list[float], unit: str = "ms") -> str:
    return (
        f"| {name} | {statistics.median(values):.3f} {unit} | {_pct(values, 95):.3f} {unit} | "
        f"{_pct(values, 99):.3f} {unit} | {statistics.fmean(values):.3f} {unit} | {max(values):.3f} {unit} |"
    )


def _hash(n: int) -> str:
    return f"{n:016x}"


# The last 3 runs of each of the 7 workflows.
SLOWED_TAIL = 3 * 7


def _fill(directory: Path, count: int, max_workflows: int, *, slowed_tail: int = 0) -> None:
    """Store ``count`` workflows as the recorder would, one transaction each (retention off); the
    last ``slowed_tail`` twice as slow in every node, so the latest run's workflow is flagged as a
    regression (the stats' costliest case: its moved nodes are read from the records)."""
    with HistoryStore(directory, max_workflows=max_workflows) as store:
        for i in range(count):
            # Seven workflows, their hashes as the recorder makes them (16 hex digits).
            slowed = i >= count - slowed_tail
            status = "success" if slowed else STATUSES[i % len(STATUSES)]
            record = make_record(i, status=status, workflow_hash=_hash(i % 7))
            if slowed:
                nodes = [n.model_copy(update={"duration_ms": (n.duration_ms or 0) * 2}) for n in record.nodes]
                record = record.model_copy(
                    update={"nodes": nodes, "duration_ms": (record.duration_ms or 0) * 2}
                )
            store.submit(Built(record))
            if i % 500 == 499:
                assert store.flush(120)
        assert store.flush(120)
        assert store.count() == count


def bench_writes(directory: Path, prefill: int, writes: int) -> dict[str, Any]:
    _fill(directory, prefill, max_workflows=prefill + writes)
    records = [make_record(prefill + i, status=STATUSES[i % len(STATUSES)]) for i in range(writes)]
    tx_ms: list[float] = []
    submit_us: list[float] = []
    roundtrip_ms: list[float] = []
    with HistoryStore(directory, max_workflows=prefill + writes) as store:
        for record in records:
            t0 = time.perf_counter()
            store.submit(Built(record))
            t1 = time.perf_counter()
            assert store.flush(30)
            t2 = time.perf_counter()
            submit_us.append((t1 - t0) * 1e6)
            roundtrip_ms.append((t2 - t0) * 1000)
            last = store.counters().last_write_ms
            assert last is not None
            tx_ms.append(last)
    # Retention: one more workflow over a limit of prefill + writes archives the oldest 1,000.
    retention_ms: list[float] = []
    limit = prefill + writes
    for n in range(3):
        if limit <= 2 * 1000:
            break
        with HistoryStore(directory, max_workflows=limit) as store:
            extra = make_record(10_000_000 + n)
            t0 = time.perf_counter()
            store.submit(Built(extra))
            assert store.flush(120)
            retention_ms.append((time.perf_counter() - t0) * 1000)
            limit = store.count()
    return {
        "tx_ms": tx_ms,
        "submit_us": submit_us,
        "roundtrip_ms": roundtrip_ms,
        "retention_ms": retention_ms,
    }


async def _stats_requests(store: HistoryStore, requests: int, workflows: int) -> dict[str, list[float]]:
    from aiohttp import ClientSession, web
    from aiohttp.test_utils import TestServer

    from backend.api import ApiServices, ProfilerServices, build_endpoints, route_specs
    from tests.support.telemetry import FakeSampler

    app = web.Application()
    services = ApiServices(version="bench", sampler=FakeSampler(), profiler=ProfilerServices(history=store))
    for spec in route_specs(build_endpoints(services)):
        app.router.add_route("*", spec.path, spec.handler)
    out: dict[str, list[float]] = {
        "stats": [],
        "stats_page": [],
        "workflow": [],
        "bytes": [],
        "history_filtered": [],
        "series": [],
        "series_one": [],
        "nodes": [],
        "nodes_one": [],
        "workflows": [],
        "regressions": [],
        "regressions_one": [],
    }
    # What the profiler's Previous and Analytics tabs read (issue 13), by the series they fill.
    aggregates = {
        "history_filtered": (
            "/swissarmyknife/profiler/history",
            {"workflow_hash": _hash(3), "status": "success"},
        ),
        "series": ("/swissarmyknife/profiler/series", {"points": "120"}),
        "series_one": ("/swissarmyknife/profiler/series", {"points": "120", "workflow_hash": _hash(3)}),
        "nodes": ("/swissarmyknife/profiler/analytics/nodes", {}),
        "nodes_one": ("/swissarmyknife/profiler/analytics/nodes", {"workflow_hash": _hash(3)}),
        "workflows": ("/swissarmyknife/profiler/analytics/workflows", {"limit": "500"}),
        # Issue 15: Analytics' regressions (every workflow and node class) and one workflow's.
        "regressions": ("/swissarmyknife/profiler/regressions", {}),
        "regressions_one": ("/swissarmyknife/profiler/regressions", {"workflow_hash": _hash(3)}),
    }
    # A plain session: aiohttp's TestClient keeps every response until it closes.
    async with TestServer(app) as server, ClientSession(str(server.make_url(""))) as client:

        async def get(path: str, **params: str) -> bytes:
            async with client.get(path, params=params) as resp:
                assert resp.status == 200, resp.status
                return await resp.read()

        for _ in range(20):  # warm up connections, caches and pydantic
            await get("/swissarmyknife/profiler/stats")
        latest = json.loads(await get("/swissarmyknife/profiler/stats"))
        assert latest["latest_regression"] is not None, "the slowed tail makes the latest run's flag"
        middle = None
        for i in range(requests):
            t0 = time.perf_counter()
            body = await get("/swissarmyknife/profiler/stats")
            out["stats"].append((time.perf_counter() - t0) * 1000)
            out["bytes"].append(float(len(body)))
            if middle is None:
                middle = json.loads(body)["history"]["items"][-1]["started_at"] - 3600 * 24 * 3
            t0 = time.perf_counter()
            await get("/swissarmyknife/profiler/stats", before=repr(middle))
            out["stats_page"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            await get(f"/swissarmyknife/profiler/workflows/prompt-{(i * 37) % workflows:06d}")
            out["workflow"].append((time.perf_counter() - t0) * 1000)
            for name, (path, params) in aggregates.items():
                t0 = time.perf_counter()
                await get(path, **params)
                out[name].append((time.perf_counter() - t0) * 1000)
    return out


def bench_stats(directory: Path, workflows: int, requests: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    _fill(directory, workflows, max_workflows=workflows, slowed_tail=SLOWED_TAIL)
    fill_s = time.perf_counter() - t0
    with HistoryStore(directory, max_workflows=workflows) as store:
        timings = asyncio.run(_stats_requests(store, requests, workflows))
    db = directory / "history.sqlite"
    size = db.stat().st_size + sum(
        p.stat().st_size for p in directory.glob("history.sqlite-*") if p.is_file()
    )
    return {**timings, "fill_s": fill_s, "db_bytes": size}


def bench_rss(small_dir: Path, large_dir: Path, small: int, large: int) -> dict[str, dict[str, int]]:
    _fill(small_dir, small, max_workflows=large)
    out = {}
    for label, directory in (("small", small_dir), ("large", large_dir)):
        code = f"ROOT = {str(ROOT)!r}\nDATA = {str(directory)!r}\nMAX = {large}\n" + RSS_PROBE
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
        )
        out[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _mib(n: float) -> str:
    return f"{n / 1024**2:.1f} MiB"


def report(
    args: argparse.Namespace, writes: dict[str, Any], stats: dict[str, Any], rss: dict[str, Any]
) -> str:
    tx_median = statistics.median(writes["tx_ms"])
    p95 = _pct(stats["stats"], 95)
    small, large = rss["small"], rss["large"]
    growth = (large["served"] - large["before"]) - (small["served"] - small["before"])
    lines = [
        "# History store",
        "",
        f"Recorded {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} by "
        f"`bench/history_store.py` (`--workflows {args.workflows} --writes {args.writes} "
        f"--requests {args.requests}`).",
        "",
        "Each workflow has 20 nodes (2 cached), tensor shapes on every executed node, 10% errors/OOMs;",
        "one stored record is ~10 KB of JSON, ~1.4 KB compressed. SQLite in WAL mode,",
        "`synchronous=NORMAL`, on the machine's temp directory.",
        "",
        "## Writing one workflow (writer thread)",
        "",
        f"Into a database already holding {args.prefill:,} workflows; {args.writes:,} workflows, one",
        "transaction each (workflows row + 20 node rows + rollup upserts).",
        "",
        "| measurement | median | p95 | p99 | mean | max |",
        "|---|---:|---:|---:|---:|---:|",
        _row("transaction on the writer thread", writes["tx_ms"]),
        _row("submit() on the caller's thread", writes["submit_us"], "µs"),
        _row("submit() until committed (flush)", writes["roundtrip_ms"]),
        "",
        f"- Budget: median <= {WRITE_BUDGET_MEDIAN_MS} ms per workflow: "
        f"**{'within budget' if tx_median <= WRITE_BUDGET_MEDIAN_MS else 'OVER BUDGET'}** "
        f"({tx_median / WRITE_BUDGET_MEDIAN_MS:.0%} of it).",
        f"- Retention step (archive the oldest 1,000 to JSON with fsync, then delete them and update the "
        f"rollups, one transaction): {', '.join(f'{v:.0f} ms' for v in writes['retention_ms'])} — once per "
        "1,000 workflows, on the writer thread, never on ComfyUI's.",
        "",
        f"## `GET /swissarmyknife/profiler/stats` with {args.workflows:,} workflows x 20 nodes",
        "",
        "Through aiohttp's test server and a client session (HTTP on loopback, JSON included),",
        f"{args.requests} requests after 20 warm-up ones. Default page: 50 summaries, the latest record",
        "with its 20 nodes, node and workflow averages from the rollup tables.",
        "",
        "| request | median | p95 | p99 | mean | max |",
        "|---|---:|---:|---:|---:|---:|",
        _row("stats (first page)", stats["stats"]),
        _row("stats (a page deep in history, `before=`)", stats["stats_page"]),
        _row("workflows/{prompt_id} (20 nodes)", stats["workflow"]),
        _row("history, one workflow's successes (Previous)", stats["history_filtered"]),
        _row("series, 120 buckets (Analytics' charts)", stats["series"]),
        _row("series, 120 buckets, one workflow", stats["series_one"]),
        _row("analytics/nodes, with p95 (Analytics' table)", stats["nodes"]),
        _row("analytics/nodes, one workflow (aggregated from node runs)", stats["nodes_one"]),
        _row("analytics/workflows, 500", stats["workflows"]),
        _row("regressions (every workflow and node class)", stats["regressions"]),
        _row("regressions, one workflow", stats["regressions_one"]),
        "",
        "- The last 3 runs of each workflow are twice as slow: every workflow is flagged, and the stats "
        "carry the latest run's flag with its moved nodes (read from 23 records), the costliest stats reply.",
        f"- Budget: p95 <= {STATS_BUDGET_P95_MS} ms: "
        f"**{'within budget' if p95 <= STATS_BUDGET_P95_MS else 'OVER BUDGET'}** "
        f"({p95 / STATS_BUDGET_P95_MS:.0%} of it).",
        f"- Reply size: {statistics.median(stats['bytes']) / 1024:.1f} KiB.",
        f"- Database on disk: {_mib(stats['db_bytes'])} for {args.workflows:,} workflows "
        f"(filled in {stats['fill_s']:.1f} s, one transaction per workflow).",
        "",
        "## Resident memory",
        "",
        "A fresh process opens the store and serves 200 x (stats with `limit=500` paging back through",
        "history + archive list + 5 workflows); RSS from psutil before opening, after opening, after",
        "serving.",
        "",
        "| stored workflows | before open | after open | after serving | growth |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {r['count']:,} | {_mib(r['before'])} | {_mib(r['opened'])} | {_mib(r['served'])} | "
            f"{_mib(r['served'] - r['before'])} |"
            for r in (small, large)
        ),
        "",
        f"- {large['count'] // max(1, small['count'])}x the history costs {_mib(growth)} more resident "
        "memory: "
        "nothing holds history in RAM (SQLite's page cache is bounded per connection, 2 MiB by default).",
        "",
        "## Machine",
        "",
        f"- python: {platform.python_implementation()} {platform.python_version()}",
        f"- platform: {platform.platform()}",
        f"- logical cores: {os.cpu_count()}",
        f"- cpu: {_cpu_model()}",
        f"- SQLite: {sqlite3.sqlite_version}",
        f"- pydantic: {_version('pydantic')}; aiohttp: {_version('aiohttp')}",
        f"- load average (1/5/15 min) at the start: {args.load_at_start}; at the end: {_load_average()}. "
        "Wall-clock tails (p99, max) grow with other work on the machine; medians barely move.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workflows", type=int, default=10_000, help="history size for stats and memory")
    parser.add_argument("--writes", type=int, default=2_000, help="timed writes")
    parser.add_argument("--prefill", type=int, default=7_000, help="history already stored when writing")
    parser.add_argument("--requests", type=int, default=300, help="timed stats requests")
    parser.add_argument("--small", type=int, default=1_000, help="the small history for the memory check")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="markdown file, or - to print only")
    args = parser.parse_args(argv)
    args.load_at_start = _load_average()
    with tempfile.TemporaryDirectory(prefix="swissarmyknife-bench-") as tmp:
        base = Path(tmp)
        print(f"writes: {args.writes} into {args.prefill} ...", file=sys.stderr)
        writes = bench_writes(base / "writes", args.prefill, args.writes)
        print(f"stats: {args.requests} requests over {args.workflows} workflows ...", file=sys.stderr)
        stats = bench_stats(base / "large", args.workflows, args.requests)
        print("memory ...", file=sys.stderr)
        rss = bench_rss(base / "small", base / "large", args.small, args.workflows)
    text = report(args, writes, stats, rss)
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
