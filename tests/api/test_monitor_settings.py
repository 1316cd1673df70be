"""GET/PUT /swissarmyknife/monitor/settings: read and change the sample interval, saved atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from backend import log
from backend.schemas import ErrorBody, MonitorSettings
from backend.schemas.monitor import SAMPLE_INTERVAL_MAX_S, SAMPLE_INTERVAL_MIN_S
from backend.telemetry import MAX_INTERVAL_S, MIN_INTERVAL_S
from backend.telemetry.settings import SETTINGS_FILE_NAME, MonitorSettingsFile, monitor_settings
from tests.support.api import build_app
from tests.support.telemetry import FakeSampler

SETTINGS = "/swissarmyknife/monitor/settings"


def _app(sampler: FakeSampler, store: MonitorSettingsFile) -> web.Application:
    return build_app(sampler, monitor_settings=store)


async def _error(resp: Any, status: int) -> ErrorBody:
    assert resp.status == status, await resp.text()
    return ErrorBody.model_validate(await resp.json())


def test_limits_are_the_samplers() -> None:
    # One range: the request model's bounds must be the ones the sampler enforces.
    assert (SAMPLE_INTERVAL_MIN_S, SAMPLE_INTERVAL_MAX_S) == (MIN_INTERVAL_S, MAX_INTERVAL_S)


async def test_get_returns_interval_and_limits(aiohttp_client: Any, fake_sampler: FakeSampler) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    for path in (SETTINGS, "/api" + SETTINGS):
        resp = await client.get(path)
        assert resp.status == 200
        settings = MonitorSettings.model_validate(await resp.json())
        assert settings.sample_interval_s == 2.0
        assert (settings.min_sample_interval_s, settings.max_sample_interval_s) == (0.5, 10.0)
        assert settings.default_sample_interval_s == 2.0
        assert settings.persisted is False, "without a store the interval lives in memory only"


@pytest.mark.parametrize("value", [0.5, 1, 3.25, 10])
async def test_put_changes_the_sampler_interval(
    aiohttp_client: Any, fake_sampler: FakeSampler, value: float
) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    resp = await client.put(SETTINGS, json={"sample_interval_s": value})
    assert resp.status == 200, await resp.text()
    assert MonitorSettings.model_validate(await resp.json()).sample_interval_s == value
    assert fake_sampler.interval_s == value
    assert (await (await client.get(SETTINGS)).json())["sample_interval_s"] == value


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b'{"sample_interval_s": 0.4}', "greater than or equal to 0.5"),
        (b'{"sample_interval_s": 10.5}', "less than or equal to 10"),
        (b'{"sample_interval_s": -1}', "greater than or equal to 0.5"),
        (b'{"sample_interval_s": NaN}', "finite"),
        (b'{"sample_interval_s": Infinity}', "finite"),
        (b'{"sample_interval_s": "2"}', "valid number"),
        (b'{"sample_interval_s": true}', "valid number"),
        (b'{"sample_interval_s": null}', "valid number"),
        (b"{}", "required"),
    ],
)
async def test_bad_interval_is_a_400_naming_the_field(
    aiohttp_client: Any, fake_sampler: FakeSampler, payload: bytes, fragment: str
) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    resp = await client.put(SETTINGS, data=payload, headers={"Content-Type": "application/json"})
    body = await _error(resp, 400)
    assert body.error == "validation_error"
    assert [d.location for d in body.details] == ["body.sample_interval_s"]
    assert fragment in body.details[0].message
    assert fake_sampler.interval_s == 2.0, "a refused value changes nothing"


async def test_put_refuses_unknown_fields_and_non_json(
    aiohttp_client: Any, fake_sampler: FakeSampler
) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    body = await _error(await client.put(SETTINGS, json={"sample_interval_s": 1, "idle_s": 5}), 400)
    assert [d.location for d in body.details] == ["body.idle_s"]
    body = await _error(await client.put(SETTINGS, data=b"sample_interval_s=1"), 415)
    assert body.error == "unsupported_media_type"
    resp = await client.post(SETTINGS, json={"sample_interval_s": 1})
    assert (await _error(resp, 405)).error == "method_not_allowed"
    assert resp.headers["Allow"] == "GET, HEAD, PUT"
    assert fake_sampler.interval_s == 2.0


async def test_put_saves_the_interval_and_a_new_store_loads_it(
    aiohttp_client: Any, fake_sampler: FakeSampler, tmp_path: Path
) -> None:
    path = tmp_path / "user" / SETTINGS_FILE_NAME
    client = await aiohttp_client(_app(fake_sampler, monitor_settings(fake_sampler, path)))
    resp = await client.put(SETTINGS, json={"sample_interval_s": 0.5})
    settings = MonitorSettings.model_validate(await resp.json())
    assert settings.persisted is True
    assert json.loads(path.read_text()) == {"schema_version": 1, "sample_interval_s": 0.5}
    assert [p.name for p in path.parent.iterdir()] == [SETTINGS_FILE_NAME], "no temp file left behind"

    restarted = FakeSampler()
    monitor_settings(restarted, path).load()
    assert restarted.interval_s == 0.5


async def test_a_failed_save_still_applies_and_says_not_persisted(
    aiohttp_client: Any, fake_sampler: FakeSampler, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    store = monitor_settings(fake_sampler, blocker / SETTINGS_FILE_NAME)
    client = await aiohttp_client(_app(fake_sampler, store))
    resp = await client.put(SETTINGS, json={"sample_interval_s": 4})
    assert resp.status == 200
    settings = MonitorSettings.model_validate(await resp.json())
    assert (settings.sample_interval_s, settings.persisted) == (4.0, False)
    assert fake_sampler.interval_s == 4.0


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"schema_version": 1, "sample_interval_s": 0.1}',
        '{"schema_version": 2, "sample_interval_s": 1}',
        '{"schema_version": 1, "sample_interval_s": 1, "extra": 1}',
        "[]",
    ],
)
def test_a_bad_settings_file_keeps_the_default_and_warns_once(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    log.reset_for_tests()
    path = tmp_path / SETTINGS_FILE_NAME
    path.write_text(content)
    sampler = FakeSampler()
    store = monitor_settings(sampler, path)
    store.load()
    store.load()
    assert sampler.interval_s == 2.0
    assert len([r for r in caplog.records if "not a valid settings file" in r.getMessage()]) == 1
    assert store.persisted is True


def test_no_file_is_the_default(tmp_path: Path) -> None:
    sampler = FakeSampler()
    monitor_settings(sampler, tmp_path / "missing" / SETTINGS_FILE_NAME).load()
    assert sampler.interval_s == 2.0
