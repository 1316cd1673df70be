"""Print a running ComfyUI's live telemetry and its latest profile, through the pack's typed client.

    python examples/live_telemetry.py --url http://127.0.0.1:8188 --seconds 10

Run it from the pack's folder (``ComfyUI/custom_nodes/<pack>``) or with that folder on
``PYTHONPATH``: it needs pydantic and aiohttp (ComfyUI's Python has both).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.client import AsyncSwissArmyKnifeClient, SwissArmyKnifeClient
from backend.schemas import MonitorEvent
from backend.schemas.profiler import ProfilerEvent

GIB = 1024**3


def _gib(value: int | None) -> str:
    return "--" if value is None else f"{value / GIB:.1f} GiB"


def print_latest(client: SwissArmyKnifeClient) -> None:
    status = client.status()
    hardware = status.hardware
    threads = hardware.cpu_cores_logical or "?"
    print(f"{hardware.cpu_model or 'CPU'}, {threads} threads, {_gib(hardware.ram_total_bytes)} RAM")
    for gpu in status.gpu.devices:
        print(f"  cuda:{gpu.index} {gpu.name} ({_gib(gpu.vram_total_bytes)}, {gpu.source})")
    latest = client.stats(limit=1).latest
    if latest is None:
        print("no workflow profiled yet")
        return
    name = latest.workflow_name or latest.workflow_hash[:7]
    print(f"latest run: {name} {latest.status} in {latest.duration_ms or 0:.0f} ms")
    slowest = sorted(
        (n for n in latest.nodes if n.duration_ms is not None), key=lambda n: -(n.duration_ms or 0)
    )
    for node in slowest[:5]:
        print(f"  {node.duration_ms:9.1f} ms  {node.class_type} #{node.node_id}")


async def follow(url: str, seconds: float) -> int:
    """Print each monitor sample and each finished run for ``seconds``; how many events came."""
    count = 0
    deadline = time.monotonic() + seconds
    async with AsyncSwissArmyKnifeClient(url) as client:
        events = client.events()
        try:
            while (left := deadline - time.monotonic()) > 0:
                try:
                    event = await asyncio.wait_for(anext(events), timeout=left)
                except (asyncio.TimeoutError, StopAsyncIteration):
                    break
                count += 1
                if isinstance(event, MonitorEvent):
                    s = event.snapshot
                    gpus = ", ".join(
                        f"cuda:{g.index} {g.utilization_percent or 0:.0f}% {_gib(g.vram_used_bytes)}"
                        for g in s.gpus
                    )
                    print(f"CPU {s.cpu_percent or 0:5.1f}%  RAM {_gib(s.ram_used_bytes)}  {gpus}")
                elif isinstance(event, ProfilerEvent):
                    w = event.workflow
                    name = w.workflow_name or w.workflow_hash[:7]
                    print(f"finished: {name} {w.status} in {w.duration_ms or 0:.0f} ms")
        finally:
            await events.aclose()
    return count


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8188", help="ComfyUI's address")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to follow the live events")
    args = parser.parse_args()
    with SwissArmyKnifeClient(args.url) as client:
        print_latest(client)
    events = asyncio.run(follow(args.url, args.seconds))
    print(f"{events} events in {args.seconds:g} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
