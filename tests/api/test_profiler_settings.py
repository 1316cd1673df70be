"""GET/PUT /swissarmyknife/profiler/settings: accurate GPU timing reaches the probe and survives a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.api.profiler import ProfilerServices
from backend.profiler.memory import MemoryProbe
from backend.profiler.settings import profiler_settings
from backend.schemas import ErrorBody
from backend.schemas.profiler import ProfilerSettings
from tests.support.api import build_app
from tests.support.telemetry import FakeSampler

PATH = "/swissarmyknife/profiler/settings"


class NoHistory:
    """The settings routes never touch history."""


def services(probe: MemoryProbe, file: Path | None) -> ProfilerServices:
    store = profiler_settings(probe, file)
    store.load()
    return ProfilerServices(history=NoHistory(), settings=store)  # type: ignore[arg-type]


async def test_off_by_default_and_turned_on_at_once(aiohttp_client: Any, tmp_path: Path) -> None:
    probe = MemoryProbe(lambda: None)
    client = await aiohttp_client(build_app(FakeSampler(), profiler=services(probe, tmp_path / "p.json")))
    current = ProfilerSettings.model_validate(await (await client.get(PATH)).json())
    assert current.accurate_gpu_timing is False and current.persisted is True
    resp = await client.put(PATH, json={"accurate_gpu_timing": True})
    assert resp.status == 200
    assert ProfilerSettings.model_validate(await resp.json()).accurate_gpu_timing is True
    assert probe.sync_gpu is True, "the next node is timed with a synchronize"


async def test_saved_value_is_applied_after_a_restart(aiohttp_client: Any, tmp_path: Path) -> None:
    file = tmp_path / "p.json"
    client = await aiohttp_client(
        build_app(FakeSampler(), profiler=services(MemoryProbe(lambda: None), file))
    )
    assert (await client.put(PATH, json={"accurate_gpu_timing": True})).status == 200
    fresh = MemoryProbe(lambda: None)
    services(fresh, file)
    assert fresh.sync_gpu is True


def test_a_corrupt_file_is_ignored(tmp_path: Path) -> None:
    file = tmp_path / "p.json"
    file.write_text("{not json")
    probe = MemoryProbe(lambda: None)
    services(probe, file)
    assert probe.sync_gpu is False


@pytest.mark.parametrize(
    "payload",
    [{"accurate_gpu_timing": "yes"}, {"accurate_gpu_timing": 1}, {}, {"accurate_gpu_timing": True, "x": 1}],
)
async def test_bad_bodies_are_400_and_change_nothing(
    aiohttp_client: Any, tmp_path: Path, payload: Any
) -> None:
    probe = MemoryProbe(lambda: None)
    client = await aiohttp_client(build_app(FakeSampler(), profiler=services(probe, tmp_path / "p.json")))
    resp = await client.put(PATH, json=payload)
    assert resp.status == 400
    assert ErrorBody.model_validate(await resp.json()).error == "validation_error"
    assert probe.sync_gpu is False
    assert not (tmp_path / "p.json").exists()


async def test_unavailable_without_profiler_services(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler()))
    resp = await client.get(PATH)
    assert resp.status == 503
    assert ErrorBody.model_validate(await resp.json()).error == "unavailable"
