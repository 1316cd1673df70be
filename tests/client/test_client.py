"""The typed Python clients against the standalone host (the real plugin, its real routes and
websocket): replies as the schemas' models, refusals as ClientError with the server's body, the
websocket's events typed, and the example script's output."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from backend.client import AsyncSwissArmyKnifeClient, ClientError, SwissArmyKnifeClient, parse_event
from backend.plugin import Plugin
from backend.schemas import MonitorEvent
from backend.schemas.profiler import ProfilerEvent
from tests.client.conftest import run_example, run_workflow

ROOT = Path(__file__).resolve().parents[2]


async def test_the_sync_client_reads_typed_replies_and_raises_the_servers_refusals(
    served: tuple[str, Plugin],
) -> None:
    url, _plugin = served

    def calls() -> dict[str, Any]:
        with SwissArmyKnifeClient(url) as client:
            out: dict[str, Any] = {
                "status": client.status(),
                "latest": client.stats(limit=1).latest,
                "record": client.workflow("client-1"),
                "history": client.history(limit=5, status="success"),
                "regressions": client.regressions(),
                "metrics": client.metrics(),
                "settings": client.profiler_settings(),
            }
            for bad in (lambda: client.workflow("never-ran"), lambda: client.history(limit=0)):
                try:
                    bad()
                except ClientError as exc:
                    out.setdefault("errors", []).append(exc)
            return out

    got = await asyncio.get_running_loop().run_in_executor(None, calls)
    assert got["status"].plugin_version and got["status"].hardware.platform
    assert got["latest"].prompt_id == "client-1"
    assert [n.node_id for n in got["record"].nodes] == ["1", "2"]
    assert [s.prompt_id for s in got["history"].items] == ["client-1"]
    assert got["regressions"].workflows == [] and got["regressions"].rule.percent == 20
    assert 'comfyui_workflows_total{status="success"} 1.0' in got["metrics"]
    assert got["settings"].regression_window_runs == 20
    missing, bad_limit = got["errors"]
    assert missing.status == 404 and missing.body.error == "not_found"
    assert bad_limit.status == 400 and bad_limit.body.details[0].location == "query.limit"


async def test_the_async_client_reads_the_same_and_follows_the_websocket_typed(
    served: tuple[str, Plugin],
) -> None:
    url, plugin = served
    async with AsyncSwissArmyKnifeClient(url) as client:
        assert (await client.stats(limit=1)).latest.prompt_id == "client-1"  # type: ignore[union-attr]
        assert (await client.workflow("client-1")).node_count == 2
        with pytest.raises(ClientError) as refused:
            await client.workflow("bad id!")
        assert refused.value.status == 400
        events = client.events()
        seen: list[Any] = []

        async def collect() -> None:
            async for event in events:
                seen.append(event)
                if any(isinstance(e, MonitorEvent) for e in seen) and any(
                    isinstance(e, ProfilerEvent) for e in seen
                ):
                    return

        task = asyncio.ensure_future(collect())
        await asyncio.sleep(0.3)  # connected: the next run's event goes to this socket too
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: (run_workflow(plugin, "client-2"), plugin.history.flush())
        )
        await asyncio.wait_for(task, timeout=15)
        await events.aclose()
    finished = [e for e in seen if isinstance(e, ProfilerEvent)]
    assert finished[0].workflow.prompt_id == "client-2"
    monitor = next(e for e in seen if isinstance(e, MonitorEvent))
    assert monitor.snapshot.ram_total_bytes is not None


def test_frames_that_are_not_the_packs_are_skipped() -> None:
    assert parse_event({"type": "executing", "data": {"node": "3"}}) is None
    assert (
        parse_event(
            {
                "type": "swissarmyknife.profiler.history",
                "data": {"type": "history_changed", "reason": "cleared"},
            }
        )
        is not None
    )


async def test_the_example_prints_the_machine_the_latest_run_and_live_events(
    served: tuple[str, Plugin],
) -> None:
    url, _plugin = served
    await run_example(sys.executable, str(ROOT / "examples" / "live_telemetry.py"), url=url)
