"""Regression, baseline and environment routes through aiohttp's test client over a real store:
what each answers, and that bad input is a clear 4xx that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.api.guards import RequestGuard
from backend.schemas.baselines import Baseline, BaselineCleared, BaselinePage
from backend.schemas.environment import Environment
from backend.schemas.profiler import ProfilerStats
from backend.schemas.regressions import RegressionReport
from backend.storage import HistoryStore
from tests.support.actions import TOKEN, good_headers
from tests.support.api import build_app, error_of
from tests.support.profiler import profiler_services
from tests.support.records import Built, make_fingerprint, make_record
from tests.support.telemetry import FakeSampler

HASH = "0123456789abcdef"
OTHER = "fedcba9876543210"
REGRESSIONS = "/swissarmyknife/profiler/regressions"
BASELINES = "/swissarmyknife/profiler/baselines"


def _slowed(store: HistoryStore, runs: int = 24, slow_from: int = 21, factor: float = 1.5) -> None:
    """``runs`` successful runs of HASH, steady (±1 %), the ones from ``slow_from`` on ``factor``
    times slower, node 1 carrying the whole slowdown."""
    for i in range(runs):
        record = make_record(i, workflow_hash=HASH, prompt_id=f"run-{i:02d}", nodes=3, cached=0)
        scale = factor if i >= slow_from else 1.0 + (i % 3 - 1) * 0.01
        nodes = [
            n.model_copy(update={"duration_ms": 100.0 * scale if n.node_id == "1" else 10.0})
            for n in record.nodes
        ]
        duration = sum(n.duration_ms or 0 for n in nodes)
        store.submit(Built(record.model_copy(update={"nodes": nodes, "duration_ms": duration})))
    assert store.flush()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[Any, HistoryStore]]:
    with profiler_services(tmp_path, stored=0) as (svc, store, _live):
        yield svc, store


def _app(svc: Any) -> Any:
    return build_app(FakeSampler(), profiler=svc, guard=RequestGuard(token=TOKEN))


async def test_regressions_flag_the_slowed_workflow_with_its_moved_node_and_stats_carry_it(
    aiohttp_client: Any, services: tuple[Any, HistoryStore]
) -> None:
    svc, store = services
    _slowed(store)
    client = await aiohttp_client(_app(svc))
    resp = await client.get("/api" + REGRESSIONS)
    assert resp.status == 200, await resp.text()
    report = RegressionReport.model_validate(await resp.json())
    (flag,) = report.workflows
    assert flag.workflow_hash == HASH and flag.latest_prompt_id == "run-23"
    assert flag.shifts[0].metric == "duration" and flag.shifts[0].change_percent > 40
    assert [m.node_id for m in flag.moved_nodes] == ["1"]
    assert (report.rule.percent, report.rule.sigma, report.rule.window_runs, report.rule.recent_runs) == (
        20,
        3,
        20,
        3,
    )
    assert report.checked_workflows == 1

    # The popup's stats carry the latest run's flag.
    stats = ProfilerStats.model_validate(await (await client.get("/swissarmyknife/profiler/stats")).json())
    assert stats.latest_regression is not None and stats.latest_regression.workflow_hash == HASH

    # The settings move the rule: at 60 % nothing is flagged.
    resp = await client.put("/swissarmyknife/profiler/settings", json={"regression_percent": 60.0})
    assert resp.status == 200, await resp.text()
    report = RegressionReport.model_validate(await (await client.get(REGRESSIONS)).json())
    assert report.workflows == [] and report.rule.percent == 60


async def test_regression_queries_and_settings_refuse_bad_values(
    aiohttp_client: Any, services: tuple[Any, HistoryStore]
) -> None:
    svc, _store = services
    client = await aiohttp_client(_app(svc))
    for params, where in (
        ({"workflow_hash": "nope"}, "query.workflow_hash"),
        ({"limit": "0"}, "query.limit"),
    ):
        resp = await client.get(REGRESSIONS, params=params)
        assert resp.status == 400
        assert (await error_of(resp))["details"][0]["location"] == where
    for body in ({"regression_percent": 0.5}, {"regression_window_runs": 4}, {"regression_recent_runs": 11}):
        resp = await client.put("/swissarmyknife/profiler/settings", json=body)
        assert resp.status == 400, body
    settings = await (await client.get("/swissarmyknife/profiler/settings")).json()
    assert (settings["regression_percent"], settings["regression_window_runs"]) == (20, 20)


async def test_a_baseline_is_pinned_read_listed_replaced_and_cleared(
    aiohttp_client: Any, services: tuple[Any, HistoryStore]
) -> None:
    svc, store = services
    _slowed(store, runs=3, slow_from=99)
    client = await aiohttp_client(_app(svc))
    resp = await client.get(f"{BASELINES}/{HASH}")
    assert resp.status == 404 and "has no baseline" in (await error_of(resp))["message"]

    resp = await client.put(f"{BASELINES}/{HASH}", json={"prompt_id": "run-01"})
    assert resp.status == 200, await resp.text()
    pinned = Baseline.model_validate(await resp.json())
    assert pinned.prompt_id == "run-01" and pinned.record.prompt_id == "run-01"
    got = Baseline.model_validate(await (await client.get(f"/api{BASELINES}/{HASH}")).json())
    assert got == pinned

    resp = await client.put(f"{BASELINES}/{HASH}", json={"prompt_id": "run-02"})
    assert Baseline.model_validate(await resp.json()).prompt_id == "run-02"
    page = BaselinePage.model_validate(await (await client.get(BASELINES)).json())
    assert [(b.workflow_hash, b.prompt_id) for b in page.data] == [(HASH, "run-02")] and page.count == 1

    # Clearing is guarded like every DELETE: no token, no change.
    resp = await client.delete(f"{BASELINES}/{HASH}", json={})
    assert resp.status == 403
    resp = await client.delete(f"{BASELINES}/{HASH}", json={}, headers=good_headers())
    assert resp.status == 200, await resp.text()
    assert BaselineCleared.model_validate(await resp.json()).prompt_id == "run-02"
    resp = await client.delete(f"{BASELINES}/{HASH}", json={}, headers=good_headers())
    assert resp.status == 404
    assert (await client.get(f"{BASELINES}/{HASH}")).status == 404


async def test_pinning_refuses_a_missing_foreign_or_failed_run_and_keeps_the_pin(
    aiohttp_client: Any, services: tuple[Any, HistoryStore]
) -> None:
    svc, store = services
    _slowed(store, runs=2, slow_from=99)
    store.submit(Built(make_record(7, workflow_hash=OTHER, prompt_id="other-run")))
    store.submit(Built(make_record(8, workflow_hash=HASH, prompt_id="failed-run", status="error")))
    assert store.flush()
    client = await aiohttp_client(_app(svc))
    assert (await client.put(f"{BASELINES}/{HASH}", json={"prompt_id": "run-00"})).status == 200
    cases: list[tuple[str, Any, int, str]] = [
        (HASH, {"prompt_id": "never-ran"}, 404, "no run never-ran in history"),
        (HASH, {"prompt_id": "other-run"}, 409, f"is a run of workflow {OTHER}, not of {HASH}"),
        (HASH, {"prompt_id": "failed-run"}, 409, "only a successful run can be a baseline"),
        ("not-a-hash", {"prompt_id": "run-00"}, 400, "must look like"),
        (HASH, {"prompt_id": "bad id!"}, 400, "must look like"),
        (HASH, {}, 400, "prompt_id"),
        (HASH, {"prompt_id": "run-01", "extra": 1}, 400, "extra"),
    ]
    for workflow_hash, body, status, says in cases:
        resp = await client.put(f"{BASELINES}/{workflow_hash}", json=body)
        assert resp.status == status, (body, await resp.text())
        error = await error_of(resp)
        assert says in error["message"] + str(error["details"]), error
    kept = Baseline.model_validate(await (await client.get(f"{BASELINES}/{HASH}")).json())
    assert kept.prompt_id == "run-00", "a refused pin changes nothing"


async def test_an_environment_is_read_by_id_and_unknown_or_bad_ids_are_4xx(
    aiohttp_client: Any, services: tuple[Any, HistoryStore]
) -> None:
    svc, store = services
    fingerprint = make_fingerprint()
    store.set_environment(fingerprint)
    store.submit(Built(make_record(0, workflow_hash=HASH, prompt_id="in-env")))
    assert store.flush()
    client = await aiohttp_client(_app(svc))
    record = await (await client.get("/swissarmyknife/profiler/workflows/in-env")).json()
    environment_id = record["environment_id"]
    assert isinstance(environment_id, int)
    resp = await client.get(f"/swissarmyknife/profiler/environments/{environment_id}")
    assert resp.status == 200, await resp.text()
    assert Environment.model_validate(await resp.json()).fingerprint == fingerprint
    assert (await client.get("/swissarmyknife/profiler/environments/999")).status == 404
    for bad in ("0", "x", "-1"):
        resp = await client.get(f"/swissarmyknife/profiler/environments/{bad}")
        assert resp.status == 400
        assert (await error_of(resp))["details"][0]["location"] == "path.environment_id"


async def test_without_a_profiler_every_route_here_is_503(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler(), guard=RequestGuard(token=TOKEN)))
    for method, path, body in (
        ("GET", REGRESSIONS, None),
        ("GET", BASELINES, None),
        ("GET", f"{BASELINES}/{HASH}", None),
        ("PUT", f"{BASELINES}/{HASH}", {"prompt_id": "p"}),
        ("DELETE", f"{BASELINES}/{HASH}", {}),
        ("GET", "/swissarmyknife/profiler/environments/1", None),
    ):
        resp = await client.request(method, path, json=body, headers=good_headers())
        assert resp.status == 503, (method, path)
        assert (await error_of(resp))["error"] == "unavailable"
