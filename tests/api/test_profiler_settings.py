"""GET/PUT /swissarmyknife/profiler/settings: each setting reaches what it drives and survives a restart;
the operator's off switch cannot be overridden from the page."""

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


class Targets:
    """What the other two settings drive: the recorder's switch and the store's retention."""

    def __init__(self) -> None:
        self.enabled: list[bool] = []
        self.max_workflows: list[int] = []
        self.vram_thresholds: list[tuple[float, float]] = []

    def set_vram_thresholds(self, warning: float, critical: float) -> None:
        self.vram_thresholds.append((warning, critical))


def services(
    probe: MemoryProbe, file: Path | None, targets: Targets | None = None, locked: str | None = None
) -> ProfilerServices:
    targets = targets or Targets()
    store = profiler_settings(
        probe,
        file,
        set_enabled=targets.enabled.append,
        set_max_workflows=targets.max_workflows.append,
        set_vram_thresholds=targets.set_vram_thresholds,
        locked_reason=locked,
    )
    store.load()
    return ProfilerServices(history=NoHistory(), settings=store, enabled_locked_reason=locked)  # type: ignore[arg-type]


async def test_on_off_and_retention_apply_at_once_and_are_saved(aiohttp_client: Any, tmp_path: Path) -> None:
    targets = Targets()
    file = tmp_path / "p.json"
    client = await aiohttp_client(
        build_app(FakeSampler(), profiler=services(MemoryProbe(lambda: None), file, targets))
    )
    current = ProfilerSettings.model_validate(await (await client.get(PATH)).json())
    assert (current.enabled, current.max_workflows, current.enabled_locked_reason) == (True, 10_000, None)
    assert (current.min_max_workflows, current.max_max_workflows) == (100, 100_000)
    resp = await client.put(PATH, json={"enabled": False, "max_workflows": 500})
    assert resp.status == 200, await resp.text()
    changed = ProfilerSettings.model_validate(await resp.json())
    assert (changed.enabled, changed.max_workflows, changed.accurate_gpu_timing) == (False, 500, False)
    assert targets.enabled[-1] is False and targets.max_workflows[-1] == 500
    restarted = Targets()
    services(MemoryProbe(lambda: None), file, restarted)
    assert restarted.enabled == [False] and restarted.max_workflows == [500], "applied again at load"


@pytest.mark.parametrize(
    "payload", [{"max_workflows": 99}, {"max_workflows": 100_001}, {"max_workflows": 1.5}]
)
async def test_retention_out_of_range_is_a_400(aiohttp_client: Any, tmp_path: Path, payload: Any) -> None:
    targets = Targets()
    client = await aiohttp_client(
        build_app(FakeSampler(), profiler=services(MemoryProbe(lambda: None), tmp_path / "p.json", targets))
    )
    body = ErrorBody.model_validate(await (await client.put(PATH, json=payload)).json())
    assert [d.location for d in body.details] == ["body.max_workflows"]
    assert targets.max_workflows == []


async def test_the_operators_off_switch_wins(aiohttp_client: Any, tmp_path: Path) -> None:
    file = tmp_path / "p.json"
    file.write_text('{"schema_version": 1, "enabled": true}')
    targets = Targets()
    reason = "the operator turned the profiler off for this server (SWISSARMYKNIFE_PROFILER=0)"
    client = await aiohttp_client(
        build_app(FakeSampler(), profiler=services(MemoryProbe(lambda: None), file, targets, locked=reason))
    )
    assert targets.enabled == [False], "a saved 'on' loads as off"
    current = ProfilerSettings.model_validate(await (await client.get(PATH)).json())
    assert current.enabled is False and current.enabled_locked_reason == reason
    resp = await client.put(PATH, json={"enabled": True})
    assert resp.status == 409 and ErrorBody.model_validate(await resp.json()).message == reason
    assert (await client.put(PATH, json={"accurate_gpu_timing": True})).status == 200, "the rest still apply"


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


async def test_vram_thresholds_apply_at_once_and_are_saved(aiohttp_client: Any, tmp_path: Path) -> None:
    targets = Targets()
    file = tmp_path / "p.json"
    client = await aiohttp_client(
        build_app(FakeSampler(), profiler=services(MemoryProbe(lambda: None), file, targets))
    )
    current = ProfilerSettings.model_validate(await (await client.get(PATH)).json())
    assert (current.vram_warning_percent, current.vram_critical_percent) == (85.0, 95.0)
    resp = await client.put(PATH, json={"vram_warning_percent": 80, "vram_critical_percent": 92.5})
    assert resp.status == 200, await resp.text()
    assert targets.vram_thresholds[-1] == (80.0, 92.5)
    restarted = Targets()
    services(MemoryProbe(lambda: None), file, restarted)
    assert restarted.vram_thresholds == [(80.0, 92.5)]


@pytest.mark.parametrize(
    ("payload", "location"),
    [
        ({"vram_warning_percent": 0}, "body.vram_warning_percent"),
        ({"vram_critical_percent": 101}, "body.vram_critical_percent"),
        ({"vram_warning_percent": "90"}, "body.vram_warning_percent"),
        ({"vram_warning_percent": True}, "body.vram_warning_percent"),
        ({"vram_warning_percent": 90, "vram_critical_percent": 90}, "body"),
        # Valid alone, not against the critical threshold in force (95).
        ({"vram_warning_percent": 96}, "body"),
    ],
)
async def test_bad_vram_thresholds_are_400_and_change_nothing(
    aiohttp_client: Any, tmp_path: Path, payload: Any, location: str
) -> None:
    targets = Targets()
    file = tmp_path / "p.json"
    client = await aiohttp_client(
        build_app(FakeSampler(), profiler=services(MemoryProbe(lambda: None), file, targets))
    )
    resp = await client.put(PATH, json=payload)
    assert resp.status == 400, await resp.text()
    body = ErrorBody.model_validate(await resp.json())
    assert body.error == "validation_error" and body.details[0].location == location
    assert targets.vram_thresholds == [] and not file.exists()
    current = ProfilerSettings.model_validate(await (await client.get(PATH)).json())
    assert (current.vram_warning_percent, current.vram_critical_percent) == (85.0, 95.0)
