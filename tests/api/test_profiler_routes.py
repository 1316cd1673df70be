"""Profiler routes through aiohttp's test client: stats, one workflow, archives, clear; bad ids refused."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from backend.api.guards import TOKEN_HEADER, RequestGuard
from backend.schemas import ErrorBody
from backend.schemas.profiler import (
    ArchiveInfo,
    ArchiveLoadResult,
    ArchivePage,
    HistoryClearResult,
    ProfilerStats,
    WorkflowRecord,
)
from tests.support.api import build_app
from tests.support.profiler import FakeLive, ThreadNotingStore, profiler_services
from tests.support.records import make_record
from tests.support.telemetry import FakeSampler

STATS = "/swissarmyknife/profiler/stats"
WORKFLOWS = "/swissarmyknife/profiler/workflows/"
ARCHIVES = "/swissarmyknife/profiler/archives"
ARCHIVE = "/swissarmyknife/profiler/archive"
HISTORY = "/swissarmyknife/profiler/history"
TOKEN = "test-token"
AUTH = {TOKEN_HEADER: TOKEN}
GOOD_ID = "20260101T120000Z-0123abcd"

# Ids that reach the handler (percent-encoded in the URL, decoded by aiohttp): refused with a JSON 400.
ENCODED_BAD_IDS = [
    "..%2Fsecret",
    "..%2F..%2Foutside",
    "%2e%2e%2foutside",
    "..%5Csecret",
    "..\\secret",
    "%2Fetc%2Fpasswd",
    "%2E%2E",
    "C:%5Cx",
    f"{GOOD_ID}%0A",
    f"{GOOD_ID}%00",
    "%00",
    GOOD_ID.upper(),
    f"{GOOD_ID}.json",
    "x" * 300,
]
# Raw dot segments: aiohttp resolves them before routing, so no profiler handler ever sees them.
RAW_DOT_IDS = ["..", "../secret", f"{GOOD_ID}/../../secret", "a/../../../outside"]


@pytest.fixture
def profiler(tmp_path: Path) -> Iterator[tuple[Any, ThreadNotingStore, FakeLive]]:
    with profiler_services(tmp_path / "data", live=make_record(99, status="success")) as triple:
        yield triple


@pytest.fixture
async def client(
    aiohttp_client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive]
) -> AsyncIterator[Any]:
    services, _store, _live = profiler
    app = build_app(FakeSampler(), profiler=services, guard=RequestGuard(token=TOKEN))
    yield await aiohttp_client(app)


async def _error(resp: Any, status: int) -> ErrorBody:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    return ErrorBody.model_validate(await resp.json())


async def _ok(resp: Any, model: type[Any], status: int = 200) -> Any:
    assert resp.status == status, await resp.text()
    payload = await resp.json()
    assert set(payload) == set(model.model_fields), "replies carry exactly the declared fields"
    return model.model_validate(payload)


# Stats --------------------------------------------------------------------------------------------


async def test_stats_combine_live_and_stored_history(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive]
) -> None:
    _services, store, live = profiler
    stats: ProfilerStats = await _ok(await client.get(STATS), ProfilerStats)
    assert stats.current == make_record(99)
    assert stats.latest == make_record(2)
    assert [s.prompt_id for s in stats.history.items] == ["prompt-000002", "prompt-000001", "prompt-000000"]
    assert stats.history.total == 3 and stats.history.next_before is None
    assert {a.class_type for a in stats.node_averages} and len(stats.workflow_averages) == 3
    loop_thread = threading.get_ident()
    assert store.read_threads and loop_thread not in store.read_threads, "the store is read off the loop"
    assert live.threads and loop_thread not in live.threads
    assert (stats.vram_warning_percent, stats.vram_critical_percent) == (85.0, 95.0)


async def test_stats_carry_the_vram_thresholds_in_force(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive]
) -> None:
    services, _store, _live = profiler
    services.settings.update(vram_warning_percent=70.0, vram_critical_percent=90.0)
    stats: ProfilerStats = await _ok(await client.get(STATS), ProfilerStats)
    assert (stats.vram_warning_percent, stats.vram_critical_percent) == (70.0, 90.0)


async def test_stats_page_with_limit_and_before(client: Any) -> None:
    first: ProfilerStats = await _ok(await client.get(STATS, params={"limit": 2}), ProfilerStats)
    assert [s.prompt_id for s in first.history.items] == ["prompt-000002", "prompt-000001"]
    assert first.history.next_before is not None
    second: ProfilerStats = await _ok(
        await client.get(STATS, params={"limit": 2, "before": repr(first.history.next_before)}), ProfilerStats
    )
    assert [s.prompt_id for s in second.history.items] == ["prompt-000000"]
    assert second.history.next_before is None


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("limit=0", "query.limit"),
        ("limit=501", "query.limit"),
        ("limit=ten", "query.limit"),
        ("before=yesterday", "query.before"),
        ("before=nan", "query.before"),
        ("before=inf", "query.before"),
        ("page=2", "query.page"),
    ],
)
async def test_bad_stats_queries_are_400_json(client: Any, query: str, location: str) -> None:
    body = await _error(await client.get(f"{STATS}?{query}"), 400)
    assert body.error == "validation_error"
    assert [d.location for d in body.details] == [location]


async def test_idle_stats_have_no_current(aiohttp_client: Any, tmp_path: Path) -> None:
    with profiler_services(tmp_path, stored=0) as (services, _store, _live):
        client = await aiohttp_client(build_app(FakeSampler(), profiler=services))
        stats: ProfilerStats = await _ok(await client.get(STATS), ProfilerStats)
    assert stats.current is None and stats.latest is None and stats.history.items == []


async def test_without_a_profiler_every_route_is_503_json(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler(), guard=RequestGuard(token=TOKEN)))
    for resp in (
        await client.get(STATS),
        await client.get(WORKFLOWS + "prompt-000001"),
        await client.get(ARCHIVES),
        await client.post(ARCHIVE, json={}, headers=AUTH),
        await client.post(f"{ARCHIVE}/{GOOD_ID}/load", json={}, headers=AUTH),
        await client.delete(f"{ARCHIVE}/{GOOD_ID}", json={}, headers=AUTH),
        await client.delete(HISTORY, json={}, headers=AUTH),
    ):
        assert (await _error(resp, 503)).error == "unavailable"


# One workflow -------------------------------------------------------------------------------------


async def test_workflow_by_prompt_id(client: Any) -> None:
    record: WorkflowRecord = await _ok(await client.get(WORKFLOWS + "prompt-000001"), WorkflowRecord)
    assert record == make_record(1, status="oom")
    assert len(record.nodes) == 20


async def test_the_running_workflow_is_served_live(client: Any) -> None:
    record: WorkflowRecord = await _ok(await client.get(WORKFLOWS + "prompt-000099"), WorkflowRecord)
    assert record == make_record(99)


async def test_unknown_workflow_is_404_json(client: Any) -> None:
    body = await _error(await client.get(WORKFLOWS + "no-such-prompt"), 404)
    assert body.error == "not_found" and "no-such-prompt" in body.message


@pytest.mark.parametrize(
    "bad", ["x" * 129, "a%20b", "a;b", "caf%C3%A9", "..%2Fhistory.sqlite", "a%0A", "%00"]
)
async def test_malformed_prompt_ids_are_400_json(client: Any, bad: str) -> None:
    body = await _error(await client.get(URL(WORKFLOWS + bad, encoded=True)), 400)
    assert [d.location for d in body.details] == ["path.prompt_id"]


async def test_a_uuid_prompt_id_is_accepted(client: Any) -> None:
    await _error(await client.get(WORKFLOWS + "0b9c5a50-3f1e-4d7e-9d3a-2f6b7c8d9e0f"), 404)


# Archives -----------------------------------------------------------------------------------------


async def test_archive_list_load_delete_cycle(client: Any) -> None:
    empty: ArchivePage = await _ok(await client.get(ARCHIVES), ArchivePage)
    assert empty.data == [] and empty.count == 0

    created: ArchiveInfo = await _ok(await client.post(ARCHIVE, json={}, headers=AUTH), ArchiveInfo, 201)
    assert (created.reason, created.workflow_count, created.oom_count) == ("manual", 3, 1)
    stats: ProfilerStats = await _ok(await client.get(STATS), ProfilerStats)
    assert stats.history.total == 0 and stats.node_averages == []
    assert (await _error(await client.post(ARCHIVE, json={}, headers=AUTH), 409)).error == "conflict"

    page: ArchivePage = await _ok(await client.get(ARCHIVES), ArchivePage)
    assert page.data == [created] and page.count == 1

    loaded: ArchiveLoadResult = await _ok(
        await client.post(f"{ARCHIVE}/{created.id}/load", json={}, headers=AUTH), ArchiveLoadResult
    )
    assert (loaded.imported_count, loaded.already_present_count, loaded.archive) == (3, 0, created)
    again: ArchiveLoadResult = await _ok(
        await client.post(f"{ARCHIVE}/{created.id}/load", json={}, headers=AUTH), ArchiveLoadResult
    )
    assert (again.imported_count, again.already_present_count) == (0, 3)
    await _ok(await client.get(WORKFLOWS + "prompt-000002"), WorkflowRecord)

    deleted: ArchiveInfo = await _ok(
        await client.delete(f"{ARCHIVE}/{created.id}", json={}, headers=AUTH), ArchiveInfo
    )
    assert deleted == created
    gone = await _error(await client.delete(f"{ARCHIVE}/{created.id}", json={}, headers=AUTH), 404)
    assert gone.error == "not_found"
    await _error(await client.post(f"{ARCHIVE}/{created.id}/load", json={}, headers=AUTH), 404)


async def test_clear_history(client: Any) -> None:
    cleared: HistoryClearResult = await _ok(
        await client.delete(HISTORY, json={}, headers=AUTH), HistoryClearResult
    )
    assert cleared.removed_count == 3
    stats: ProfilerStats = await _ok(await client.get(STATS), ProfilerStats)
    assert stats.history.total == 0 and stats.latest is None and stats.workflow_averages == []


DESTRUCTIVE = [
    ("POST", ARCHIVE),
    ("POST", f"{ARCHIVE}/{GOOD_ID}/load"),
    ("DELETE", f"{ARCHIVE}/{GOOD_ID}"),
    ("DELETE", HISTORY),
]


@pytest.mark.parametrize(("method", "path"), DESTRUCTIVE)
async def test_destructive_routes_are_guarded(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive], method: str, path: str
) -> None:
    _services, store, _live = profiler
    await _error(await client.request(method, path, json={}), 403)
    await _error(await client.request(method, path, json={}, headers={TOKEN_HEADER: "wrong"}), 403)
    await _error(
        await client.request(method, path, data="x", headers={**AUTH, "Content-Type": "text/plain"}), 415
    )
    await _error(await client.request(method, path, json={"extra": 1}, headers=AUTH), 400)
    assert store.count() == 3, "nothing changed"


async def test_a_body_other_than_an_empty_object_is_refused(client: Any) -> None:
    body = await _error(await client.post(ARCHIVE, json={"reason": "retention"}, headers=AUTH), 400)
    assert body.details[0].location == "body.reason"


# Ids that try to leave the archive folder ---------------------------------------------------------


def _plant_outside_files(tmp_path: Path) -> list[Path]:
    planted = [
        tmp_path / "secret",
        tmp_path / "outside",
        tmp_path / "data" / "secret",
        tmp_path / "secret.json",
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("keep me")
    return planted


@pytest.mark.parametrize("bad", ENCODED_BAD_IDS)
async def test_encoded_bad_archive_ids_are_400_json_and_touch_nothing(
    client: Any, tmp_path: Path, bad: str
) -> None:
    planted = _plant_outside_files(tmp_path)
    for method, suffix in (("POST", "/load"), ("DELETE", "")):
        url = URL(f"{ARCHIVE}/{bad}{suffix}", encoded=True)
        body = await _error(await client.request(method, url, json={}, headers=AUTH), 400)
        assert [d.location for d in body.details] == ["path.id"]
    assert all(p.read_text() == "keep me" for p in planted)


@pytest.mark.parametrize("bad", RAW_DOT_IDS)
async def test_raw_dot_segments_never_reach_an_archive_handler(client: Any, tmp_path: Path, bad: str) -> None:
    planted = _plant_outside_files(tmp_path)
    for method, suffix in (("POST", "/load"), ("DELETE", "")):
        resp = await client.request(
            method, URL(f"{ARCHIVE}/{bad}{suffix}", encoded=True), json={}, headers=AUTH
        )
        assert resp.status in (400, 404), await resp.text()
    assert all(p.read_text() == "keep me" for p in planted)


async def test_an_archive_symlink_to_a_file_outside_is_404_and_survives(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive], tmp_path: Path
) -> None:
    _services, store, _live = profiler
    created: ArchiveInfo = await _ok(await client.post(ARCHIVE, json={}, headers=AUTH), ArchiveInfo, 201)
    folder = store.archives.directory
    outside = tmp_path / "outside.json"
    (folder / f"{created.id}.json").rename(outside)
    (folder / f"{GOOD_ID}.json").symlink_to(outside)
    page: ArchivePage = await _ok(await client.get(ARCHIVES), ArchivePage)
    assert page.count == 0
    await _error(await client.post(f"{ARCHIVE}/{GOOD_ID}/load", json={}, headers=AUTH), 404)
    await _error(await client.delete(f"{ARCHIVE}/{GOOD_ID}", json={}, headers=AUTH), 404)
    assert outside.exists() and (folder / f"{GOOD_ID}.json").is_symlink()
    assert store.count() == 0


async def test_an_archive_folder_symlinked_elsewhere_is_refused(
    client: Any, profiler: tuple[Any, ThreadNotingStore, FakeLive], tmp_path: Path
) -> None:
    _services, store, _live = profiler
    created: ArchiveInfo = await _ok(await client.post(ARCHIVE, json={}, headers=AUTH), ArchiveInfo, 201)
    folder = store.archives.directory
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    page: ArchivePage = await _ok(await client.get(ARCHIVES), ArchivePage)
    assert page.count == 0
    await _error(await client.post(f"{ARCHIVE}/{created.id}/load", json={}, headers=AUTH), 404)
    await _error(await client.delete(f"{ARCHIVE}/{created.id}", json={}, headers=AUTH), 404)
    assert (elsewhere / f"{created.id}.json").exists()
