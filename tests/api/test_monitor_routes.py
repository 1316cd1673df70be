"""GET /swissarmyknife/monitor/status through aiohttp's test client, with a fake sampler."""

from __future__ import annotations

from typing import Any

from backend.schemas import ErrorBody, MonitorStatus
from tests.support.api import build_app
from tests.support.telemetry import FakeSampler

STATUS = "/swissarmyknife/monitor/status"


async def test_status_returns_capabilities_and_snapshot(
    aiohttp_client: Any, fake_sampler: FakeSampler
) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    resp = await client.get(STATUS)
    assert resp.status == 200
    assert resp.content_type == "application/json"
    status = MonitorStatus.model_validate(await resp.json())
    assert status.plugin_version == "9.9.9"
    assert status.hardware.cpu_model == "Test CPU 9000"
    assert [d.index for d in status.gpu.devices] == [0]
    assert status.snapshot is not None and status.snapshot.cpu_percent == 12.5
    assert status.sample_interval_s == 2.0
    assert fake_sampler.demand_notes == 1, "a status read must count as demand so the sampler stays awake"
    assert fake_sampler.waits == [], "a ready sampler is read without waiting"


async def test_status_is_also_served_under_api_prefix(aiohttp_client: Any, fake_sampler: FakeSampler) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    resp = await client.get("/api" + STATUS)
    assert resp.status == 200
    assert MonitorStatus.model_validate(await resp.json()).hardware.cpu_cores_logical == 8


async def test_status_waits_for_the_first_sample_off_the_loop(aiohttp_client: Any) -> None:
    sampler = FakeSampler(ready=False)
    sampler.on_wait = sampler.become_ready
    client = await aiohttp_client(build_app(sampler))
    resp = await client.get(STATUS)
    assert resp.status == 200
    assert len(sampler.waits) == 1
    assert MonitorStatus.model_validate(await resp.json()).snapshot is not None


async def test_status_answers_503_json_when_telemetry_never_starts(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler(ready=False)))
    resp = await client.get(STATUS)
    assert resp.status == 503
    body = ErrorBody.model_validate(await resp.json())
    assert body.error == "unavailable"
    assert "retry" in body.message


async def test_status_with_no_gpus_has_empty_device_list(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler(gpu_count=0)))
    status = MonitorStatus.model_validate(await (await client.get(STATUS)).json())
    assert status.gpu.devices == []
    assert status.snapshot is not None and status.snapshot.gpus == []
