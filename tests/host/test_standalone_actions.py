"""Standalone actions: fake models holding VRAM on the fake GPUs, a fake queue, the plugin wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.__main__ import _add_test_controls
from backend.api.guards import TOKEN_HEADER
from backend.api.standalone import FAKE_MODELS_PATH, FAKE_QUEUE_PATH
from backend.host.standalone.fake_models import (
    DEFAULT_FAKE_MODELS,
    GIB,
    FakeModel,
    FakeModels,
    ModelHoldingFakeGpuSource,
    fake_device_now,
)
from backend.host.standalone.server import StandaloneHost
from backend.plugin import Plugin
from backend.schemas import ClearVramResult, SessionInfo
from backend.telemetry import FakeCpuSource, FakeGpuSource, TelemetrySources


def test_models_add_to_the_fake_vram_until_unloaded() -> None:
    models = FakeModels(DEFAULT_FAKE_MODELS)
    plain = FakeGpuSource(clock=lambda: 0.0)
    holding = ModelHoldingFakeGpuSource(models, clock=lambda: 0.0)
    base = {s.index: s.vram_used_bytes for s in plain.sample()}
    loaded = {s.index: s.vram_used_bytes for s in holding.sample()}
    assert loaded[0] == base[0] + 6 * GIB
    assert loaded[1] == base[1] + 12 * GIB
    assert models.unload_all() == 2
    assert models.unload_all() == 0
    after = {s.index: s.vram_used_bytes for s in holding.sample()}
    assert after == base
    assert isinstance(holding, FakeGpuSource), "the --fake-gpus test controls find the source by type"


def test_held_vram_never_exceeds_the_total() -> None:
    models = FakeModels([FakeModel("huge", 0, 1000 * GIB)])
    sample = next(s for s in ModelHoldingFakeGpuSource(models).sample() if s.index == 0)
    assert sample.vram_used_bytes == sample.vram_total_bytes


def test_loading_twice_keeps_one_copy() -> None:
    models = FakeModels()
    models.load(DEFAULT_FAKE_MODELS)
    models.load(DEFAULT_FAKE_MODELS)
    assert models.loaded() == list(DEFAULT_FAKE_MODELS)
    assert models.held_bytes(0) == 6 * GIB


def _app(tmp_path: Path, *, fake: bool) -> tuple[StandaloneHost, Plugin, Any]:
    models = FakeModels(DEFAULT_FAKE_MODELS if fake else ())
    host = StandaloneHost(tmp_path, models=models)
    sources = (
        TelemetrySources(cpu=FakeCpuSource(), gpus=(ModelHoldingFakeGpuSource(models),))
        if fake
        else TelemetrySources(cpu=FakeCpuSource(), gpus=())
    )
    plugin = Plugin(host, sources)
    plugin.register_routes()
    if fake:
        _add_test_controls(host, plugin, sources)
    return host, plugin, host.build_app()


async def _headers(client: Any) -> dict[str, str]:
    info = SessionInfo.model_validate(await (await client.get("/api/swissarmyknife/session")).json())
    assert info.token is not None
    return {TOKEN_HEADER: info.token, "Content-Type": "application/json"}


async def test_clear_vram_on_fake_gpus_frees_what_the_models_held(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    _host, plugin, app = _app(tmp_path, fake=True)
    try:
        client = await aiohttp_client(app)
        headers = await _headers(client)
        resp = await client.post("/api/swissarmyknife/monitor/clear-vram", json={}, headers=headers)
        assert resp.status == 200, await resp.text()
        result = ClearVramResult.model_validate(await resp.json())
        assert result.models_unloaded == 2
        freed = {d.index: d.vram_freed_bytes for d in result.devices}
        # The fake curves move between the two samples; a few MiB either way.
        assert freed[0] == pytest.approx(6 * GIB, abs=64 * 1024**2)
        assert freed[1] == pytest.approx(12 * GIB, abs=64 * 1024**2)
        assert [d.name for d in result.devices] == ["NVIDIA GeForce RTX 3090 Ti", "NVIDIA RTX A6000"]
        again = ClearVramResult.model_validate(
            await (await client.post("/swissarmyknife/monitor/clear-vram", json={}, headers=headers)).json()
        )
        assert again.models_unloaded == 0
        reload = await client.post(FAKE_MODELS_PATH, json={})
        assert (await reload.json())["held_bytes"] == 18 * GIB
    finally:
        plugin.close()


async def test_a_busy_fake_queue_refuses_clear_vram(aiohttp_client: Any, tmp_path: Path) -> None:
    host, plugin, app = _app(tmp_path, fake=True)
    try:
        client = await aiohttp_client(app)
        headers = await _headers(client)
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()  # the greeting status frame
            resp = await client.post(FAKE_QUEUE_PATH, json={"running": 1, "queued": 2})
            assert (await resp.json()) == {"running": 1, "queued": 2}
            frame = await ws.receive_json(timeout=5)
            assert frame == {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 3}}}}
        session = SessionInfo.model_validate(await (await client.get("/swissarmyknife/session")).json())
        assert (session.queue.running, session.queue.queued) == (1, 2)
        resp = await client.post("/swissarmyknife/monitor/clear-vram", json={}, headers=headers)
        assert resp.status == 409
        assert "running" in (await resp.json())["message"]
        assert host.models.loaded() == list(DEFAULT_FAKE_MODELS)
    finally:
        plugin.close()


async def test_without_fake_gpus_there_is_nothing_to_free_and_no_test_routes(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    _host, plugin, app = _app(tmp_path, fake=False)
    try:
        client = await aiohttp_client(app)
        headers = await _headers(client)
        result = await (
            await client.post("/swissarmyknife/monitor/clear-vram", json={}, headers=headers)
        ).json()
        assert result == {"models_unloaded": 0, "devices": [], "vram_freed_bytes": None}
        assert (await client.post(FAKE_QUEUE_PATH, json={})).status == 404
    finally:
        plugin.close()


async def test_the_standalone_exposure_follows_its_address(tmp_path: Path) -> None:
    host = StandaloneHost(tmp_path)
    assert host.exposure().loopback_only
    host._listen = ("0.0.0.0",)
    exposure = host.exposure()
    assert not exposure.loopback_only
    assert "--host 0.0.0.0" in exposure.problems()[0]


def test_the_check_before_a_run_sees_the_first_gpus_free_memory_and_its_models_not_working_memory() -> None:
    models = FakeModels([DEFAULT_FAKE_MODELS[0], FakeModel("KSampler working memory", 0, 3 * GIB)])
    gpus = ModelHoldingFakeGpuSource(models, clock=lambda: 0.0)  # held still: two reads agree
    device = fake_device_now(gpus, models)
    assert device is not None and device.total_bytes == 24 * GIB
    (sample,) = [s for s in gpus.sample() if s.index == 0]
    assert sample.vram_used_bytes is not None and device.free_bytes == 24 * GIB - sample.vram_used_bytes
    assert device.loaded == ((DEFAULT_FAKE_MODELS[0].name, DEFAULT_FAKE_MODELS[0].size_bytes),), (
        "a running node's working memory is not a model to unload"
    )
