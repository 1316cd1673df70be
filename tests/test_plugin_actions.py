"""Plugin wiring of the actions: close hooks (what a restart flushes), a failed restart reported to pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.actions.restart import ExecPlan
from backend.api.guards import TOKEN_HEADER
from backend.host.standalone.server import StandaloneHost
from backend.plugin import Plugin, profiler_locked_reason
from backend.schemas import RestartEvent
from backend.schemas.events import HISTORY_EVENT, RESTART_EVENT
from backend.schemas.profiler import HistoryChangedEvent
from backend.telemetry import TelemetrySources


@pytest.fixture
def plugin(tmp_path: Path) -> Any:
    host = StandaloneHost(tmp_path)
    sent: list[tuple[str, dict[str, Any]]] = []
    host.send_event = lambda event, data: sent.append((event, data))  # type: ignore[method-assign]
    instance = Plugin(host, TelemetrySources.fake())
    instance.sent = sent
    yield instance
    instance.close()


def test_close_runs_hooks_last_first_once_even_when_one_fails(plugin: Any) -> None:
    order: list[str] = []

    def broken() -> None:
        order.append("broken")
        raise OSError("disk gone")

    plugin.add_close_hook(lambda: order.append("store"))
    plugin.add_close_hook(broken)
    plugin.add_close_hook(lambda: order.append("last"))
    plugin.start()
    plugin.close()
    plugin.close()
    assert order == ["last", "broken", "store"]
    assert not plugin.sampler.running


def test_a_failed_restart_is_broadcast_and_the_monitor_keeps_running(plugin: Any) -> None:
    closed: list[bool] = []
    plugin.add_close_hook(lambda: closed.append(True))
    plugin.start()
    plan = ExecPlan(
        executable="/nonexistent/python", args=("/nonexistent/python", "main.py"), cwd=None, command_line="x"
    )
    plugin.restart_now(plan)  # the interpreter check fails before anything is closed
    assert closed == []
    assert plugin.sampler.running
    event, data = plugin.sent[-1]
    assert event == RESTART_EVENT
    message = RestartEvent.model_validate(data).message
    assert "/nonexistent/python" in message and "by hand" in message


def test_the_plugin_guards_its_destructive_routes(plugin: Any) -> None:
    destructive = [e for e in plugin.endpoints if e.guarded]
    assert {e.operation_id for e in destructive} >= {"restartServer", "clearVram"}
    assert all(e.guard is plugin.guard for e in destructive)
    assert plugin.guard.exposure().loopback_only
    assert TOKEN_HEADER == "X-SwissArmyKnife-Token"


def test_the_profiler_switch_reaches_the_recorder_and_the_hooks(plugin: Any) -> None:
    heard: list[bool] = []
    plugin.on_profiling(heard.append)
    assert heard == [True], "told the state at once"
    plugin.profiler_settings.update(enabled=False)
    assert plugin.recorder.enabled is False and heard == [True, False]
    plugin.profiler_settings.update(enabled=True)
    assert plugin.recorder.enabled is True and heard[-1] is True


def test_history_changes_are_broadcast_for_open_pages(plugin: Any) -> None:
    plugin.history.start()
    assert plugin.history.wait_until_open()
    plugin.history.clear()
    event, data = plugin.sent[-1]
    assert event == HISTORY_EVENT and HistoryChangedEvent.model_validate(data).reason == "cleared"


def test_the_operators_off_switch_is_read_from_the_environment() -> None:
    assert profiler_locked_reason({}) is None
    reason = profiler_locked_reason({"SWISSARMYKNIFE_PROFILER": "0"})
    assert reason is not None and "SWISSARMYKNIFE_PROFILER=0" in reason
    assert profiler_locked_reason({"SWISSARMYKNIFE_PROFILER": "1"}) is None
