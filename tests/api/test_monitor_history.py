"""GET /swissarmyknife/monitor/history: the sampler's ring as it is, bad seconds refused (4xx)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.schemas.monitor import MonitorHistory, MonitorStatus
from tests.support.api import build_app, error_of
from tests.support.telemetry import FakeSampler

PATH = "/swissarmyknife/monitor/history"


async def test_the_history_serves_the_rings_samples_and_counts_as_demand(aiohttp_client: Any) -> None:
    sampler = FakeSampler()
    client = await aiohttp_client(build_app(sampler))
    resp = await client.get("/api" + PATH, params={"seconds": "120"})
    assert resp.status == 200, await resp.text()
    history = MonitorHistory.model_validate(await resp.json())
    assert (history.seconds, history.max_seconds) == (120, 600)
    assert history.samples == [sampler.latest()]
    assert sampler.history_asked == [120] and sampler.demand_notes == 1
    default = MonitorHistory.model_validate(await (await client.get(PATH)).json())
    assert default.seconds == 300


@pytest.mark.parametrize("seconds", ["0", "-5", "601", "x", "nan", "inf"])
async def test_bad_seconds_are_a_400_naming_the_parameter(aiohttp_client: Any, seconds: str) -> None:
    client = await aiohttp_client(build_app(FakeSampler()))
    resp = await client.get(PATH, params={"seconds": seconds})
    assert resp.status == 400
    assert (await error_of(resp))["details"][0]["location"] == "query.seconds"


async def test_the_status_reports_the_monitors_own_cost(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler()))
    status = MonitorStatus.model_validate(await (await client.get("/swissarmyknife/monitor/status")).json())
    assert status.sample_cpu_ms == 0.2
