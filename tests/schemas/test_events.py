"""Websocket events: one table of names and payloads, the only way the plugin sends, and the
frontend's generated copy of it (``frontend/src/api/events.gen.ts``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from backend.api import openapi_document
from backend.host.standalone.server import StandaloneHost
from backend.plugin import Plugin
from backend.profiler.oom import oom_notice
from backend.schemas import MonitorEvent, RestartEvent
from backend.schemas.events import SERVER_EVENTS, ServerEvent, event_name
from backend.schemas.oom import ModelToUnload, OomRisk, OomRiskEvent, VramPressureEvent
from backend.schemas.profiler import HistoryChangedEvent, ProfilerEvent
from backend.telemetry import TelemetrySources
from backend.version import __version__
from tests.support.oom import loaded_info, make_oom_event
from tests.support.records import make_record
from tests.support.scripts import load_script
from tests.support.telemetry import make_snapshot

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "frontend" / "src" / "api" / "events.gen.ts"

EXAMPLES = [
    MonitorEvent(capabilities_version=1, snapshot=make_snapshot()),
    ProfilerEvent(workflow=make_record(1).summary()),
    RestartEvent(message="the restart failed"),
    HistoryChangedEvent(reason="cleared"),
    VramPressureEvent(
        prompt_id="p",
        level="warning",
        node_id="3",
        node_type="KSampler",
        percent=88.5,
        free_bytes=2 * 1024**3,
        total_bytes=24 * 1024**3,
        warning_percent=85,
        critical_percent=95,
    ),
    oom_notice(make_oom_event(loaded_models=[loaded_info("base.safetensors", 6.5, True)])),
    OomRiskEvent(
        prompt_id="p",
        client_id=None,
        risk=OomRisk(
            workflow_hash="a" * 16,
            workflow_name="Portrait",
            needed_bytes=20 * 1024**3,
            free_bytes=12 * 1024**3,
            total_bytes=24 * 1024**3,
            margin_bytes=1024**3,
            shortfall_bytes=9 * 1024**3,
            models_to_unload=[ModelToUnload(name="flux1-dev.safetensors", loaded_bytes=11 * 1024**3)],
            fits_after_unload=True,
            runs=4,
            ooms=1,
            message="...",
        ),
    ),
]


def test_every_event_has_a_prefixed_name_and_its_own_type() -> None:
    assert all(name.startswith("swissarmyknife.") for name in SERVER_EVENTS)
    types = [model.model_fields["type"].default for model in SERVER_EVENTS.values()]
    assert len(set(types)) == len(types), "the union is told apart by `type`"
    assert {type(e) for e in EXAMPLES} == set(SERVER_EVENTS.values()), "an example per event"


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_a_frame_validates_to_its_own_model_by_type(event: Any) -> None:
    frame = event.model_dump(mode="json")
    assert TypeAdapter(ServerEvent).validate_python(frame) == event
    assert SERVER_EVENTS[event_name(event)] is type(event)


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(ServerEvent).validate_python({"type": "monitorr", "message": "x"})


def test_the_plugin_sends_each_event_under_its_name(tmp_path: Path) -> None:
    host = StandaloneHost(tmp_path)
    sent: list[tuple[str, dict[str, Any]]] = []
    host.send_event = lambda name, data: sent.append((name, data))  # type: ignore[method-assign]
    plugin = Plugin(host, TelemetrySources.fake())
    try:
        for event in EXAMPLES:
            plugin.broadcast(event)
    finally:
        plugin.close()
    assert [name for name, _ in sent] == [event_name(e) for e in EXAMPLES]
    assert [data["type"] for _, data in sent] == [e.type for e in EXAMPLES]


def test_the_frontend_names_are_generated_from_this_table() -> None:
    frontend = load_script(ROOT / "scripts" / "frontend.py")
    document = openapi_document(__version__)
    assert list(document["x-websocket-events"]) == list(SERVER_EVENTS)
    assert GENERATED.read_text() == frontend.events_text(document), (
        "run `python scripts/frontend.py gen-api` and commit the result"
    )
