"""Websocket events: each payload model and the event name it is sent under, in one table.

The frontend's event names and payload types are generated from this table
(``frontend/src/api/events.gen.ts``), so the two sides cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .actions import RestartEvent
from .base import ApiModel
from .monitor import MonitorEvent
from .oom import OomCapturedEvent, OomRiskEvent, VramPressureEvent
from .profiler import HistoryChangedEvent, ProfilerEvent

MONITOR_EVENT = "swissarmyknife.monitor"
PROFILER_EVENT = "swissarmyknife.profiler"
RESTART_EVENT = "swissarmyknife.restart"
HISTORY_EVENT = "swissarmyknife.profiler.history"
VRAM_PRESSURE_EVENT = "swissarmyknife.profiler.vram_pressure"
OOM_EVENT = "swissarmyknife.profiler.oom"
OOM_RISK_EVENT = "swissarmyknife.profiler.oom_risk"

# Every event the plugin sends, by the name it goes out under on ComfyUI's /ws.
SERVER_EVENTS: dict[str, type[ApiModel]] = {
    MONITOR_EVENT: MonitorEvent,
    PROFILER_EVENT: ProfilerEvent,
    RESTART_EVENT: RestartEvent,
    HISTORY_EVENT: HistoryChangedEvent,
    VRAM_PRESSURE_EVENT: VramPressureEvent,
    OOM_EVENT: OomCapturedEvent,
    OOM_RISK_EVENT: OomRiskEvent,
}

AnyServerEvent = (
    MonitorEvent
    | ProfilerEvent
    | RestartEvent
    | HistoryChangedEvent
    | VramPressureEvent
    | OomCapturedEvent
    | OomRiskEvent
)
# One frame of any of them, as validated: told apart by its ``type`` field.
ServerEvent = Annotated[AnyServerEvent, Field(discriminator="type")]

_NAMES: dict[type[ApiModel], str] = {model: name for name, model in SERVER_EVENTS.items()}


def event_name(event: AnyServerEvent) -> str:
    """The name ``event`` is sent under.

    Raises:
        KeyError: ``event`` is not one of the models in ``SERVER_EVENTS``.
    """
    return _NAMES[type(event)]
