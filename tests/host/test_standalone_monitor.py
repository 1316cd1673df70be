"""The standalone host with the plugin: one sample per tick for any number of pages, events only to
listening pages, and the ``--fake-gpus`` test controls (present only there)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType

import backend.__main__ as standalone_main
from backend.__main__ import _add_test_controls
from backend.host.standalone.server import StandaloneHost
from backend.plugin import Plugin
from backend.schemas import MonitorEvent
from backend.schemas.events import MONITOR_EVENT
from backend.telemetry import (
    DEFAULT_FAKE_GPUS,
    MAX_FAKE_GPUS,
    FakeCpuSource,
    TelemetrySources,
    fake_gpu_specs,
)
from backend.telemetry.base import CpuReading

INTERVAL_S = 0.5


class CountingCpu(FakeCpuSource):
    """The fake host, counting how often the sampler reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.samples = 0

    def sample(self) -> CpuReading:
        self.samples += 1
        return super().sample()


def _plugin(tmp_path: Path, *, controls: bool) -> tuple[StandaloneHost, Plugin, CountingCpu]:
    cpu = CountingCpu()
    sources = TelemetrySources.fake(cpu=cpu)
    host = StandaloneHost(tmp_path)
    plugin = Plugin(host, sources)
    plugin.sampler.set_interval(INTERVAL_S)
    plugin.register_routes()
    if controls:
        _add_test_controls(host, plugin, sources)
    return host, plugin, cpu


async def _monitor_frames(ws: Any, count: int, timeout_s: float) -> list[MonitorEvent]:
    frames: list[MonitorEvent] = []
    deadline = time.monotonic() + timeout_s
    while len(frames) < count:
        msg = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        assert msg.type == WSMsgType.TEXT
        frame = json.loads(msg.data)
        if frame["type"] == MONITOR_EVENT:
            frames.append(MonitorEvent.model_validate(frame["data"]))
    return frames


async def test_one_sample_per_tick_for_any_number_of_pages(aiohttp_client: Any, tmp_path: Path) -> None:
    host, plugin, cpu = _plugin(tmp_path, controls=False)
    client = await aiohttp_client(host.build_app())
    plugin.start()
    try:
        sockets = [await client.ws_connect("/ws") for _ in range(5)]
        assert await _wait_for_clients(host, 5) == 5
        before = cpu.samples
        started = time.monotonic()
        per_page = await asyncio.gather(*(_monitor_frames(ws, 3, timeout_s=6.0) for ws in sockets))
        elapsed_s = time.monotonic() - started
        # Every page got the same snapshots: one sample fanned out, not one sample per page. A tick
        # may land while the pages start reading, so a page can be one frame ahead of another: each
        # page's frames are then a window of one shared sequence, never samples of its own.
        stamps = [[frame.snapshot.sampled_at for frame in frames] for frames in per_page]
        shared = sorted({s for page in stamps for s in page})
        assert len(shared) <= 4, f"five pages saw {len(shared)} distinct samples: {stamps}"
        for page in stamps:
            start = shared.index(page[0])
            assert page == shared[start : start + 3], stamps
        taken = cpu.samples - before
        assert 3 <= taken <= 3 + int(elapsed_s / INTERVAL_S) + 1, (taken, elapsed_s)
        assert taken < 2 * 3, "five pages must not multiply the sampling"
        gaps = [b - a for a, b in zip(stamps[0], stamps[0][1:], strict=False)]
        assert all(0.2 <= gap <= 1.5 for gap in gaps), f"events every interval, got gaps {gaps}"
        for ws in sockets:
            await ws.close()
    finally:
        plugin.stop()


async def _wait_for_clients(host: StandaloneHost, count: int) -> int:
    for _ in range(500):
        if host.client_count() >= count:
            break
        await asyncio.sleep(0.01)
    return host.client_count()


async def test_no_events_are_sent_while_no_page_listens(aiohttp_client: Any, tmp_path: Path) -> None:
    host, plugin, _cpu = _plugin(tmp_path, controls=False)
    sent: list[str] = []
    original = host.send_event
    host.send_event = lambda event, data: (sent.append(event), original(event, data))  # type: ignore[method-assign]
    await aiohttp_client(host.build_app())
    plugin.start()
    try:
        assert plugin.sampler.wait_for_first(5.0)
        await asyncio.sleep(3 * INTERVAL_S)
        assert sent == []
    finally:
        plugin.stop()


async def test_fake_gpu_metric_goes_missing_and_comes_back(aiohttp_client: Any, tmp_path: Path) -> None:
    host, plugin, _cpu = _plugin(tmp_path, controls=True)
    client = await aiohttp_client(host.build_app())
    plugin.start()
    try:
        ws = await client.ws_connect("/ws")
        await _monitor_frames(ws, 1, timeout_s=5.0)
        resp = await client.post(
            "/swissarmyknife/standalone/fake-gpu",
            json={"index": 1, "metric": "utilization_percent", "missing": True},
        )
        assert resp.status == 200, await resp.text()
        frame = await _first_frame_where(ws, lambda e: e.snapshot.gpus[1].utilization_percent is None)
        assert frame.snapshot.gpus[0].utilization_percent is not None, "only the named GPU's metric"
        await client.post(
            "/swissarmyknife/standalone/fake-gpu",
            json={"index": 1, "metric": "utilization_percent", "missing": False},
        )
        await _first_frame_where(ws, lambda e: e.snapshot.gpus[1].utilization_percent is not None)
        await ws.close()
    finally:
        plugin.stop()


async def _first_frame_where(ws: Any, predicate: Any) -> MonitorEvent:
    for _ in range(10):
        (frame,) = await _monitor_frames(ws, 1, timeout_s=5.0)
        if predicate(frame):
            return frame
    raise AssertionError("no matching frame")


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"index": 7, "metric": "temperature_c"}, 400),
        ({"index": 0, "metric": "fan_speed"}, 400),
        ({"index": 0}, 400),
        ({"index": -1, "metric": "temperature_c"}, 400),
    ],
)
async def test_fake_gpu_control_refuses_bad_input(
    aiohttp_client: Any, tmp_path: Path, payload: dict[str, Any], status: int
) -> None:
    host, _plugin_unused, _cpu = _plugin(tmp_path, controls=True)
    client = await aiohttp_client(host.build_app())
    resp = await client.post("/swissarmyknife/standalone/fake-gpu", json=payload)
    assert resp.status == status
    assert (await resp.json())["message"]


async def test_emit_broadcasts_a_comfyui_like_event(aiohttp_client: Any, tmp_path: Path) -> None:
    host, _plugin_unused, _cpu = _plugin(tmp_path, controls=True)
    client = await aiohttp_client(host.build_app())
    ws = await client.ws_connect("/ws")
    await ws.receive(timeout=5.0)  # the status frame
    resp = await client.post(
        "/api/swissarmyknife/standalone/emit", json={"event": "execution_start", "data": {"prompt_id": "p1"}}
    )
    assert resp.status == 200
    assert (await resp.json()) == {"event": "execution_start", "clients": 1}
    frame = json.loads((await ws.receive(timeout=5.0)).data)
    assert frame == {"type": "execution_start", "data": {"prompt_id": "p1"}}
    bad = await client.post("/swissarmyknife/standalone/emit", json={"event": "<script>"})
    assert bad.status == 400
    await ws.close()


async def test_controls_exist_only_with_fake_gpus(aiohttp_client: Any, tmp_path: Path) -> None:
    host, _plugin_unused, _cpu = _plugin(tmp_path, controls=False)
    client = await aiohttp_client(host.build_app())
    for path in ("/swissarmyknife/standalone/fake-gpu", "/swissarmyknife/standalone/emit"):
        resp = await client.post(path, json={"index": 0, "metric": "temperature_c"})
        assert resp.status == 404
    status = await client.get("/swissarmyknife/openapi.json")
    assert not any("standalone" in path for path in (await status.json())["paths"])


def test_fake_gpu_specs_make_a_multi_gpu_box() -> None:
    specs = fake_gpu_specs(8)
    assert specs[:2] == DEFAULT_FAKE_GPUS
    assert [spec.name for spec in specs[2:]] == ["NVIDIA H100 80GB HBM3"] * 6
    assert len({spec.uuid for spec in specs}) == len({spec.pci_bus_id for spec in specs}) == 8
    assert len({(spec.period_s, spec.phase) for spec in specs}) == 8, "each GPU moves on its own"
    assert fake_gpu_specs(1) == DEFAULT_FAKE_GPUS[:1]
    for count in (0, MAX_FAKE_GPUS + 1):
        with pytest.raises(ValueError, match="1 to"):
            fake_gpu_specs(count)


async def test_eight_fake_gpus_show_in_the_status_and_samples(aiohttp_client: Any, tmp_path: Path) -> None:
    host = StandaloneHost(tmp_path)
    sources = TelemetrySources.fake(gpu_specs=fake_gpu_specs(8))
    plugin = Plugin(host, sources)
    plugin.register_routes()
    _add_test_controls(host, plugin, sources)
    client = await aiohttp_client(host.build_app())
    plugin.start()
    try:
        assert plugin.sampler.wait_for_first(5.0)
        status = await (await client.get("/swissarmyknife/monitor/status")).json()
        assert [device["index"] for device in status["gpu"]["devices"]] == list(range(8))
        assert [gpu["index"] for gpu in status["snapshot"]["gpus"]] == list(range(8))
        # The test controls reach the last one (index 7 is refused on the default two).
        body = {"index": 7, "metric": "temperature_c", "missing": True}
        resp = await client.post("/swissarmyknife/standalone/fake-gpu", json=body)
        assert resp.status == 200, await resp.text()
    finally:
        plugin.stop()


def test_the_command_line_starts_the_asked_number_of_fake_gpus(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[TelemetrySources] = []
    real = standalone_main.create_plugin

    def create(host: StandaloneHost, sources: TelemetrySources) -> Plugin:
        started.append(sources)
        return real(host, sources)

    monkeypatch.setattr(standalone_main, "create_plugin", create)
    monkeypatch.setattr(StandaloneHost, "serve", lambda self, host, port: None)
    assert standalone_main.main(["--fake-gpu-count", "8", "--data-dir", str(tmp_path)]) == 0
    (gpus,) = started[0].gpus
    assert len(gpus.probe(frozenset()).devices) == 8


@pytest.mark.parametrize("count", ["0", str(MAX_FAKE_GPUS + 1)])
def test_the_command_line_refuses_a_fake_gpu_count_out_of_range(
    count: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert standalone_main.main(["--fake-gpu-count", count, "--data-dir", str(tmp_path)]) == 2
    assert f"--fake-gpu-count must be 1 to {MAX_FAKE_GPUS}" in capsys.readouterr().err
