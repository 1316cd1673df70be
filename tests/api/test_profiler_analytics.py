"""The profiler's aggregate, history and naming routes through aiohttp; bad parameters are JSON 4xx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from backend.schemas import ErrorBody
from backend.schemas.profiler import (
    HistoryPage,
    NodeClassPage,
    ProfilerSeries,
    WorkflowAveragePage,
    WorkflowNameResult,
)
from tests.support.api import build_app
from tests.support.profiler import FakeLive, ThreadNotingStore, profiler_services
from tests.support.records import Built, make_record
from tests.support.telemetry import FakeSampler

HISTORY = "/swissarmyknife/profiler/history"
SERIES = "/swissarmyknife/profiler/series"
NODES = "/swissarmyknife/profiler/analytics/nodes"
WORKFLOWS = "/swissarmyknife/profiler/analytics/workflows"
HASH = "0123456789abcdef"


@pytest.fixture
def profiler(tmp_path: Path) -> Iterator[tuple[Any, ThreadNotingStore, FakeLive]]:
    with profiler_services(tmp_path / "data", stored=0) as triple:
        _services, store, _live = triple
        for i in range(6):
            record = make_record(
                i, workflow_hash=HASH if i % 2 else None, status="oom" if i == 3 else "success"
            )
            store.submit(Built(record))
        assert store.flush()
        yield triple


@pytest.fixture
async def client(
    aiohttp_client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive]
) -> AsyncIterator[Any]:
    yield await aiohttp_client(build_app(FakeSampler(), profiler=profiler[0]))


async def _ok(resp: Any, model: type[Any]) -> Any:
    assert resp.status == 200, await resp.text()
    payload = await resp.json()
    assert set(payload) == set(model.model_fields), "replies carry exactly the declared fields"
    return model.model_validate(payload)


async def _error(resp: Any, status: int) -> ErrorBody:
    assert resp.status == status, await resp.text()
    return ErrorBody.model_validate(await resp.json())


async def test_history_filters_and_pages(client: Any) -> None:
    page: HistoryPage = await _ok(
        await client.get(HISTORY, params={"workflow_hash": HASH, "limit": 2}), HistoryPage
    )
    assert [s.prompt_id for s in page.items] == ["prompt-000005", "prompt-000003"]
    assert page.total == 3 and page.next_before is not None
    rest: HistoryPage = await _ok(
        await client.get(HISTORY, params={"workflow_hash": HASH, "before": repr(page.next_before)}),
        HistoryPage,
    )
    assert [s.prompt_id for s in rest.items] == ["prompt-000001"]
    ooms: HistoryPage = await _ok(await client.get(HISTORY, params={"status": "oom"}), HistoryPage)
    assert [s.prompt_id for s in ooms.items] == ["prompt-000003"]


async def test_series_covers_every_run(client: Any) -> None:
    series: ProfilerSeries = await _ok(await client.get(SERIES, params={"points": 2}), ProfilerSeries)
    assert len(series.items) <= 2 and sum(p.runs for p in series.items) == 6
    assert sum(p.ooms for p in series.items) == 1
    one: ProfilerSeries = await _ok(await client.get(SERIES, params={"workflow_hash": HASH}), ProfilerSeries)
    assert sum(p.runs for p in one.items) == 3


async def test_node_classes_and_workflows(client: Any) -> None:
    nodes: NodeClassPage = await _ok(await client.get(NODES), NodeClassPage)
    assert nodes.items and all(s.p95_duration_ms is not None for s in nodes.items)
    assert sum(s.time_share or 0 for s in nodes.items) == pytest.approx(1.0)
    only: NodeClassPage = await _ok(
        await client.get(NODES, params={"workflow_hash": HASH, "limit": 3}), NodeClassPage
    )
    assert len(only.items) == 3 and only.total_duration_ms < nodes.total_duration_ms
    flows: WorkflowAveragePage = await _ok(
        await client.get(WORKFLOWS, params={"limit": 2}), WorkflowAveragePage
    )
    assert flows.count == 2 and flows.data[0].last_run_at >= flows.data[1].last_run_at


async def test_workflows_are_found_by_a_part_of_their_name_wildcards_as_typed(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive]
) -> None:
    _services, store, _live = profiler
    for prompt_id, name in [("prompt-000000", "Portrait 50%"), ("prompt-000001", "Landscape_v2")]:
        store.rename(prompt_id, name)
    found: WorkflowAveragePage = await _ok(
        await client.get(WORKFLOWS, params={"name": "portRAIT"}), WorkflowAveragePage
    )
    assert [w.workflow_name for w in found.data] == ["Portrait 50%"]
    for typed, expected in [
        ("50%", ["Portrait 50%"]),
        ("%", ["Portrait 50%"]),
        ("e_v", ["Landscape_v2"]),
        ("_", ["Landscape_v2"]),
    ]:
        page: WorkflowAveragePage = await _ok(
            await client.get(WORKFLOWS, params={"name": typed}), WorkflowAveragePage
        )
        assert [w.workflow_name for w in page.data] == expected, typed
    none: WorkflowAveragePage = await _ok(
        await client.get(WORKFLOWS, params={"name": "zzz"}), WorkflowAveragePage
    )
    assert none.count == 0


@pytest.mark.parametrize(
    ("path", "query", "location"),
    [
        (HISTORY, "workflow_hash=../x", "query.workflow_hash"),
        (HISTORY, "status=running", "query.status"),
        (HISTORY, "limit=0", "query.limit"),
        (HISTORY, "before=nan", "query.before"),
        (SERIES, "points=1", "query.points"),
        (SERIES, "points=100000", "query.points"),
        (SERIES, "since=abc", "query.since"),
        (NODES, "limit=501", "query.limit"),
        (NODES, "workflow_hash=ABCDEF0123456789", "query.workflow_hash"),
        (WORKFLOWS, "extra=1", "query.extra"),
        (WORKFLOWS, "name=", "query.name"),
        (WORKFLOWS, f"name={'x' * 201}", "query.name"),
    ],
)
async def test_bad_parameters_are_named_400s(client: Any, path: str, query: str, location: str) -> None:
    body = await _error(await client.get(f"{path}?{query}"), 400)
    assert [d.location for d in body.details] == [location]


async def test_a_range_that_ends_before_it_starts_is_refused(client: Any) -> None:
    body = await _error(await client.get(SERIES, params={"since": "200", "until": "100"}), 400)
    assert "until" in body.message


async def test_a_name_reaches_a_stored_run_and_is_kept_for_one_still_to_come(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive]
) -> None:
    _services, store, live = profiler
    stored = await _ok(
        await client.put(
            "/swissarmyknife/profiler/workflows/prompt-000002/name", json={"workflow_name": "Portrait"}
        ),
        WorkflowNameResult,
    )
    assert stored == WorkflowNameResult(prompt_id="prompt-000002", workflow_name="Portrait", stored=True)
    record = store.get_workflow("prompt-000002")
    assert record is not None and record.workflow_name == "Portrait"
    queued = await _ok(
        await client.put(
            "/swissarmyknife/profiler/workflows/not-run-yet/name", json={"workflow_name": "Later"}
        ),
        WorkflowNameResult,
    )
    assert queued.stored is False and live.names == {"prompt-000002": "Portrait", "not-run-yet": "Later"}
    cleared = await _ok(
        await client.put(
            "/swissarmyknife/profiler/workflows/prompt-000002/name", json={"workflow_name": None}
        ),
        WorkflowNameResult,
    )
    assert cleared.workflow_name is None


@pytest.mark.parametrize(
    ("prompt_id", "body", "location"),
    [
        ("prompt-000002", {"workflow_name": ""}, "body.workflow_name"),
        ("prompt-000002", {"workflow_name": "x" * 201}, "body.workflow_name"),
        ("prompt-000002", {"workflow_name": 5}, "body.workflow_name"),
        ("prompt-000002", {}, "body.workflow_name"),
        ("prompt-000002", {"workflow_name": "a", "more": 1}, "body.more"),
        ("a%20b", {"workflow_name": "a"}, "path.prompt_id"),
    ],
)
async def test_bad_names_are_400s_and_change_nothing(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive], prompt_id: str, body: Any, location: str
) -> None:

    resp = await client.put(
        URL(f"/swissarmyknife/profiler/workflows/{prompt_id}/name", encoded=True), json=body
    )
    assert [d.location for d in (await _error(resp, 400)).details] == [location]
    record = profiler[1].get_workflow("prompt-000002")
    assert record is not None and record.workflow_name is None
    assert profiler[2].names == {}


async def test_names_and_aggregates_without_a_profiler_are_503(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler()))
    for path in (HISTORY, SERIES, NODES, WORKFLOWS):
        assert (await client.get(path)).status == 503
    resp = await client.put("/swissarmyknife/profiler/workflows/p/name", json={"workflow_name": "x"})
    assert resp.status == 503
