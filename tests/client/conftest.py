"""The standalone host with the real plugin, served on 127.0.0.1 for the clients to call."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from backend.host.standalone.server import StandaloneHost
from backend.plugin import Plugin
from backend.telemetry import TelemetrySources

PROMPT = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
}


def run_workflow(plugin: Plugin, prompt_id: str) -> None:
    recorder = plugin.recorder
    recorder.begin_workflow(prompt_id, PROMPT)
    for node_id in ("1", "2"):
        recorder.node_started(prompt_id, node_id)
        recorder.node_finished(prompt_id, node_id)
    recorder.workflow_outcome(prompt_id, "success")
    recorder.end_workflow(prompt_id)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, Plugin]]:
    host = StandaloneHost(tmp_path / "user")
    plugin = Plugin(host, TelemetrySources.fake())
    plugin.register_routes()
    plugin.monitor_settings.update(sample_interval_s=0.5)
    plugin.start()
    server = TestServer(host.build_app(), host="127.0.0.1")
    await server.start_server()
    try:
        run_workflow(plugin, "client-1")
        assert plugin.history.flush()
        yield str(server.make_url("")).rstrip("/"), plugin
    finally:
        await server.close()
        plugin.close()


async def run_example(*command: str, url: str) -> str:
    """Run an example client against ``url`` for 2 s; its output, checked to say the machine, the
    latest run (its ImageInvert node) and live websocket events."""
    process = await asyncio.create_subprocess_exec(
        *command, "--url", url, "--seconds", "2", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "latest run: " in text and " success in " in text
    assert "ImageInvert #2" in text
    assert "CPU " in text and "RAM " in text, "a monitor sample came over the websocket"
    assert " events in 2 s" in text
    return text
