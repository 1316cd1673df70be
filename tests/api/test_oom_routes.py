"""Out-of-memory routes through aiohttp's test client: the analysis and the captured events from a
real store, and unloading named models (guarded, refused while busy, bad bodies refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.actions import HostActionError
from backend.api.guards import TOKEN_HEADER
from backend.schemas import QueueState
from backend.schemas.oom import OomEventPage, OomStats, UnloadResult
from tests.support.actions import FakeModelHost, Setup, good_headers
from tests.support.api import build_app, error_of
from tests.support.oom import GIB, loaded_info, make_oom_event
from tests.support.profiler import profiler_services
from tests.support.telemetry import FakeSampler

STATS = "/swissarmyknife/profiler/oom_stats"
EVENTS = "/swissarmyknife/profiler/oom_events"
UNLOAD = "/swissarmyknife/profiler/unload"


async def test_stats_rank_correlate_and_advise_from_the_stored_events(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    # profiler_services stores three runs, the second out of memory.
    with profiler_services(tmp_path) as (services, store, _live):
        spare = [loaded_info("base.safetensors", 6.5, True), loaded_info("refiner.safetensors", 5.9, False)]
        store.submit_oom(make_oom_event(loaded_models=spare))
        assert store.flush()
        client = await aiohttp_client(build_app(FakeSampler(), profiler=services))
        resp = await client.get("/api" + STATS)
        assert resp.status == 200, await resp.text()
        stats = OomStats.model_validate(await resp.json())
    assert (stats.total_oom_count, stats.oom_rate) == (1, 1 / 3)
    assert [(r.node_type, r.count) for r in stats.node_type_ranking] == [("KSampler", 1)]
    assert [c.name for c in stats.model_correlation] == ["base.safetensors", "refiner.safetensors"]
    assert [e.prompt_id for e in stats.recent_oom_events] == ["p"]
    (advice,) = stats.recommendations
    assert advice.kind == "unload_models" and advice.models == ["refiner.safetensors"]


async def test_events_page_newest_first_and_bad_limits_are_400(aiohttp_client: Any, tmp_path: Path) -> None:
    with profiler_services(tmp_path) as (services, store, _live):
        for t in range(3):
            store.submit_oom(make_oom_event(prompt_id=f"p{t}", captured_at=100.0 + t))
        assert store.flush()
        client = await aiohttp_client(build_app(FakeSampler(), profiler=services))
        page = OomEventPage.model_validate(await (await client.get(EVENTS, params={"limit": "2"})).json())
        assert [e.prompt_id for e in page.data] == ["p2", "p1"] and page.count == 2
        for bad in ("0", "1001", "x"):
            resp = await client.get(EVENTS, params={"limit": bad})
            assert resp.status == 400
            assert (await error_of(resp))["details"][0]["location"] == "query.limit"


async def test_without_a_profiler_the_oom_reads_are_503(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler()))
    for path in (STATS, EVENTS):
        resp = await client.get(path)
        assert resp.status == 503
        assert (await error_of(resp))["error"] == "unavailable"


async def test_unload_frees_the_named_models_and_lists_names_it_did_not_find(aiohttp_client: Any) -> None:
    setup = Setup()
    client = await aiohttp_client(setup.app())
    resp = await client.post(
        UNLOAD,
        json={"models": ["refiner.safetensors", "gone.safetensors", "refiner.safetensors"]},
        headers=good_headers(),
    )
    assert resp.status == 200, await resp.text()
    result = UnloadResult.model_validate(await resp.json())
    assert [(u.name, u.freed_bytes) for u in result.unloaded] == [("refiner.safetensors", 2 * GIB)]
    assert result.not_found == ["gone.safetensors"] and result.freed_bytes == 2 * GIB
    assert setup.host.named == {"base.safetensors": 6 * GIB}, "only what was named is unloaded"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Content-Type": "application/json"}, 403), (good_headers(**{TOKEN_HEADER: "wrong"}), 403)],
    ids=["no-token", "wrong-token"],
)
async def test_unload_is_guarded(aiohttp_client: Any, headers: dict[str, str], status: int) -> None:
    setup = Setup()
    client = await aiohttp_client(setup.app())
    resp = await client.post(UNLOAD, json={"models": ["base.safetensors"]}, headers=headers)
    assert resp.status == status
    assert len(setup.host.named) == 2, "nothing unloaded"


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({}, "body.models"),
        ({"models": []}, "body.models"),
        ({"models": [""]}, "body.models.0"),
        ({"models": ["x" * 301]}, "body.models.0"),
        ({"models": ["a"] * 51}, "body.models"),
        ({"models": "base.safetensors"}, "body.models"),
        ({"models": ["a"], "all": True}, "body.all"),
    ],
)
async def test_bad_unload_bodies_are_400_and_unload_nothing(
    aiohttp_client: Any, body: dict[str, Any], location: str
) -> None:
    setup = Setup()
    client = await aiohttp_client(setup.app())
    resp = await client.post(UNLOAD, json=body, headers=good_headers())
    assert resp.status == 400
    assert (await error_of(resp))["details"][0]["location"] == location
    assert len(setup.host.named) == 2


async def test_unload_is_refused_while_a_workflow_runs_or_waits(aiohttp_client: Any) -> None:
    for queue in (QueueState(running=1, queued=0), QueueState(running=0, queued=2)):
        setup = Setup(host=FakeModelHost(queue=queue))
        client = await aiohttp_client(setup.app())
        resp = await client.post(UNLOAD, json={"models": ["base.safetensors"]}, headers=good_headers())
        assert resp.status == 409
        assert "unload" in (await error_of(resp))["message"]
        assert len(setup.host.named) == 2


async def test_a_host_failure_is_503_and_no_actions_is_503(aiohttp_client: Any) -> None:
    setup = Setup(host=FakeModelHost(error=HostActionError("ComfyUI could not unload the model: boom")))
    client = await aiohttp_client(setup.app())
    resp = await client.post(UNLOAD, json={"models": ["base.safetensors"]}, headers=good_headers())
    assert resp.status == 503 and "boom" in (await error_of(resp))["message"]
    client = await aiohttp_client(Setup(with_actions=False).app())
    resp = await client.post(UNLOAD, json={"models": ["base.safetensors"]}, headers=good_headers())
    assert resp.status == 503
