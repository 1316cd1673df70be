"""Contract: every GET route's reply validates against the model its OpenAPI entry declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from backend.api import ApiServices, build_endpoints
from tests.support.api import build_app
from tests.support.profiler import profiler_services
from tests.support.telemetry import FakeSampler

ENDPOINTS = build_endpoints(ApiServices(version="9.9.9", sampler=FakeSampler()))
# JSON replies; the Prometheus scrape (text) has tests/api/test_metrics.py.
PARAMETERLESS_GETS = [
    e
    for e in ENDPOINTS
    if e.method == "GET" and "{" not in e.path and e.response_media_type == "application/json"
]


def test_every_endpoint_is_exercised_by_a_contract_or_route_test() -> None:
    # A new route with path parameters or a body needs its own test module; list them here when added.
    covered_elsewhere: set[str] = {"updateMonitorSettings"}  # tests/api/test_monitor_settings.py
    covered_elsewhere |= {"updateProfilerSettings"}  # tests/api/test_profiler_settings.py
    covered_elsewhere |= {"nameProfilerWorkflow"}  # tests/api/test_profiler_analytics.py
    covered_elsewhere |= {"restartServer", "clearVram"}  # tests/api/test_actions.py
    covered_elsewhere |= {"unloadModels", "listOomEvents"}  # tests/api/test_oom_routes.py
    covered_elsewhere |= {"getMetrics"}  # tests/api/test_metrics.py
    covered_elsewhere |= {"inspectGpu"}  # tests/api/test_gpu_inspector.py
    covered_elsewhere |= {  # tests/api/test_regression_routes.py
        "getProfilerBaseline",
        "setProfilerBaseline",
        "clearProfilerBaseline",
        "getProfilerEnvironment",
    }
    covered_elsewhere |= {  # tests/api/test_profiler_routes.py
        "getProfilerWorkflow",
        "createProfilerArchive",
        "loadProfilerArchive",
        "deleteProfilerArchive",
        "clearProfilerHistory",
    }
    uncovered = (
        {e.operation_id for e in ENDPOINTS} - {e.operation_id for e in PARAMETERLESS_GETS} - covered_elsewhere
    )
    assert not uncovered, f"add contract tests for {sorted(uncovered)}"


@pytest.mark.parametrize("endpoint", PARAMETERLESS_GETS, ids=lambda e: e.operation_id)
async def test_get_reply_matches_declared_model(aiohttp_client: Any, endpoint: Any, tmp_path: Path) -> None:
    with profiler_services(tmp_path) as (profiler, _store, _live):
        client = await aiohttp_client(build_app(FakeSampler(), profiler=profiler))
        resp = await client.get(endpoint.path)
    assert resp.status == endpoint.success_status
    payload = await resp.json()
    model: type[BaseModel] | None = endpoint.response_model
    if model is not None:
        model.model_validate(payload)
        assert set(payload) == set(model.model_fields), "replies carry exactly the declared fields"
