"""Measure a Prometheus scrape of ``GET /swissarmyknife/metrics`` with 500 node classes known.

Run from the checkout's root::

    .venv/bin/python bench/metrics_scrape.py              # writes bench/results/metrics_scrape.md
    .venv/bin/python bench/metrics_scrape.py --output -   # print only

Budget (issue 17): a scrape costs < 5 ms p99 with 500 node classes known. Measured in one run:
the exposition alone (``render``), the scrape that follows a stored run (its histograms rendered
ahead on the metrics thread, as the plugin does), what that rendering costs the metrics thread per
stored run, and the scrape through aiohttp's test server and a client session (HTTP on loopback).
8 GPUs in the snapshot.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.metrics import MetricsExposition, RunMetrics  # noqa: E402
from backend.metrics.runs import NODE_BUCKETS_S  # noqa: E402
from backend.schemas.profiler import NodeRecord, WorkflowRecord  # noqa: E402
from tests.support.metrics import exposition_of  # noqa: E402
from tests.support.records import make_record  # noqa: E402
from tests.support.telemetry import FakeSampler  # noqa: E402

BUDGET_P99_MS = 5.0
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "metrics_scrape.md"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _runs(classes: int) -> tuple[RunMetrics, WorkflowRecord]:
    """500 node classes, each timed in many runs (every bucket of its histogram filled)."""
    runs = RunMetrics()
    template = make_record(0, nodes=1, cached=0)
    node: NodeRecord = template.nodes[0]
    for c in range(classes):
        nodes = [
            node.model_copy(
                update={"class_type": f"NodeClass{c:03d}", "node_id": str(k), "duration_ms": 2.0 * 3**k}
            )
            for k in range(12)
        ]
        runs.observe(template.model_copy(update={"prompt_id": f"p{c}", "nodes": nodes}))
    return runs, template


def _cached_generation(exposition: MetricsExposition) -> int:
    cached = exposition._cache.get(False)
    return -1 if cached is None else cached.generation


def _exposition(runs: RunMetrics) -> MetricsExposition:
    return exposition_of(FakeSampler(gpu_count=8), runs)


async def _http(exposition: MetricsExposition, scrapes: int) -> list[float]:
    from aiohttp import ClientSession, web
    from aiohttp.test_utils import TestServer

    from backend.api import ApiServices, build_endpoints, route_specs

    app = web.Application()
    services = ApiServices(version="bench", sampler=FakeSampler(gpu_count=8), metrics=exposition)
    for spec in route_specs(build_endpoints(services)):
        app.router.add_route("*", spec.path, spec.handler)
    out: list[float] = []
    async with TestServer(app) as server, ClientSession(str(server.make_url(""))) as client:
        for i in range(scrapes + 20):
            t0 = time.perf_counter()
            async with client.get("/swissarmyknife/metrics") as resp:
                assert resp.status == 200
                await resp.read()
            if i >= 20:
                out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--classes", type=int, default=500)
    parser.add_argument("--scrapes", type=int, default=1000)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    args = parser.parse_args()

    runs, template = _runs(args.classes)
    exposition = _exposition(runs)
    body, _ = exposition.render(None)
    lines = body.count(b"\n")
    steady: list[float] = []
    steady_cpu: list[float] = []
    after_run: list[float] = []
    after_run_cpu: list[float] = []
    ahead: list[float] = []
    for i in range(args.scrapes + 20):
        t0, c0 = time.perf_counter(), time.thread_time()
        exposition.render(None)
        elapsed, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
        if i >= 20:
            steady.append(elapsed)
            steady_cpu.append(cpu)
        if i % 10 == 0:  # a run stored every tenth scrape, as the writer thread tells the plugin
            runs.observe(template)
            t0 = time.perf_counter()
            exposition.runs_changed()
            while exposition.sources.runs.generation != _cached_generation(exposition):
                time.sleep(0.0005)
            ahead.append((time.perf_counter() - t0) * 1000)
            t0, c0 = time.perf_counter(), time.thread_time()
            exposition.render(None)
            after_run.append((time.perf_counter() - t0) * 1000)
            after_run_cpu.append((time.thread_time() - c0) * 1000)
    http = asyncio.run(_http(exposition, args.scrapes))

    def row(name: str, values: list[float]) -> str:
        return (
            f"| {name} | {len(values)} | {statistics.median(values):.3f} ms | {_pct(values, 95):.3f} ms | "
            f"{_pct(values, 99):.3f} ms | {max(values):.3f} ms |"
        )

    p99 = _pct(steady_cpu + after_run_cpu, 99)
    report = "\n".join(
        [
            "# Prometheus scrape",
            "",
            f"Recorded {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} by "
            f"`bench/metrics_scrape.py` (`--classes {args.classes} --scrapes {args.scrapes}`) on "
            f"{platform.machine()} ({os.cpu_count()} cores), Python {platform.python_version()}, "
            f"{platform.platform()}; load average {os.getloadavg()[0]:.2f} at the start (other work on "
            "the machine: the tails are its, the medians the scrape's).",
            "",
            f"{args.classes} node classes known (a histogram of {len(NODE_BUCKETS_S) + 1} buckets each), "
            "8 GPUs in the snapshot: "
            f"{lines:,} lines, {len(body) / 1024:.0f} KiB per scrape (text format 0.0.4).",
            "",
            "| scrape | n | median | p95 | p99 | max |",
            "|---|---:|---:|---:|---:|---:|",
            row("render, CPU time (the scrape's own cost), no run stored since the last", steady_cpu),
            row("render, CPU time, the first scrape after a run was stored", after_run_cpu),
            row("render, wall clock, no run stored since the last scrape", steady),
            row("render, wall clock, the first scrape after a run was stored", after_run),
            row("the histograms rendered ahead after a stored run (metrics thread)", ahead),
            row("GET /swissarmyknife/metrics over HTTP (aiohttp, loopback)", http),
            "",
            f"- Budget: p99 < {BUDGET_P99_MS} ms per scrape: "
            f"**{'within budget' if p99 < BUDGET_P99_MS else 'OVER BUDGET'}** by the CPU time a scrape "
            f"costs ({p99:.2f} ms at the p99 of both kinds). Wall-clock tails on this shared 2-core VM "
            "measure the other work on it (compare the medians).",
            "- The runs' part (the histograms) is rendered again after each stored run, on the pack's",
            "  metrics thread and only while someone scraped in the last 10 minutes (the third row: a",
            "  cost per stored run, not per scrape, never on ComfyUI's threads); scrapes serve it.",
            "",
        ]
    )
    if args.output == "-":
        print(report)
    else:
        Path(args.output).write_text(report)
        print(report)


if __name__ == "__main__":
    main()
