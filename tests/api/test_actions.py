"""Session, restart and clear-VRAM handlers over fake host adapters (the guards pass: good headers)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.actions import HostActionError, HostBusyError, busy_message
from backend.actions.restart import CliRebootPlan, DesktopPlan, UnsupportedPlan
from backend.api.actions import BOOT_ID
from backend.schemas import ClearVramResult, QueueState, RestartAccepted, SessionInfo
from tests.support.actions import (
    CLEAR_VRAM,
    EXEC_PLAN,
    RESTART,
    SESSION,
    TOKEN,
    FakeModelHost,
    Restarts,
    Setup,
    good_headers,
)
from tests.support.api import error_of


async def client_for(aiohttp_client: Any, setup: Setup) -> Any:
    return await aiohttp_client(setup.app())


# --- session ----------------------------------------------------------------------------------


async def test_session_describes_the_restart_and_the_queue(aiohttp_client: Any) -> None:
    setup = Setup(host=FakeModelHost(queue=QueueState(running=1, queued=3)))
    client = await client_for(aiohttp_client, setup)
    resp = await client.get(SESSION)
    info = SessionInfo.model_validate(await resp.json())
    assert info.token == TOKEN
    assert info.boot_id == BOOT_ID
    assert info.queue == QueueState(running=1, queued=3)
    assert info.restart_kind == "exec"
    assert info.restart_description == EXEC_PLAN.describe()


async def test_session_without_actions_says_restart_is_unsupported(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client, Setup(with_actions=False))
    info = SessionInfo.model_validate(await (await client.get(SESSION)).json())
    assert info.restart_kind == "unsupported"
    assert info.queue == QueueState(running=None, queued=None)


async def test_session_survives_a_broken_queue_reader(aiohttp_client: Any) -> None:
    class Broken(FakeModelHost):
        def queue_state(self) -> QueueState:
            raise RuntimeError("no prompt queue")

    client = await client_for(aiohttp_client, Setup(host=Broken()))
    resp = await client.get(SESSION)
    assert resp.status == 200
    assert (await resp.json())["queue"] == {"running": None, "queued": None}


# --- restart -------------------------------------------------------------------------------------


async def test_restart_answers_202_first_and_runs_the_plan_shortly_after(aiohttp_client: Any) -> None:
    setup = Setup(restart_delay_s=0.2)
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(RESTART, json={}, headers=good_headers())
    assert resp.status == 202
    accepted = RestartAccepted.model_validate(await resp.json())
    assert accepted.kind == "exec"
    assert accepted.description == EXEC_PLAN.describe()
    assert accepted.restarts_in_ms == 200
    assert setup.restarts.calls == [], "the restart must wait until the reply is out"
    await asyncio.get_running_loop().run_in_executor(None, setup.restarts.ran.wait, 5.0)
    assert setup.restarts.calls == [EXEC_PLAN]


async def test_restart_runs_on_its_own_thread(aiohttp_client: Any) -> None:
    import threading

    names: list[str] = []

    class Recording(Restarts):
        def run(self, plan: Any) -> None:
            names.append(threading.current_thread().name)
            super().run(plan)

    setup = Setup(restarts=Recording())
    client = await client_for(aiohttp_client, setup)
    assert (await client.post(RESTART, json={}, headers=good_headers())).status == 202
    await asyncio.get_running_loop().run_in_executor(None, setup.restarts.ran.wait, 5.0)
    assert names == ["swissarmyknife-restart"]


async def test_comfy_cli_restart_is_accepted(aiohttp_client: Any) -> None:
    plan = CliRebootPlan(marker_path="/tmp/session.reboot")
    setup = Setup(restarts=Restarts(plan=plan))
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(RESTART, json={}, headers=good_headers())
    assert resp.status == 202
    assert (await resp.json())["kind"] == "comfy_cli"
    await asyncio.get_running_loop().run_in_executor(None, setup.restarts.ran.wait, 5.0)
    assert setup.restarts.calls == [plan]


async def test_desktop_restart_is_left_to_the_app(aiohttp_client: Any) -> None:
    setup = Setup(restarts=Restarts(plan=DesktopPlan(desktop_version="0.4.2")))
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(RESTART, json={}, headers=good_headers())
    assert resp.status == 202
    body = await resp.json()
    assert body["kind"] == "desktop" and body["restarts_in_ms"] == 0
    assert "electronAPI" in body["description"]
    await asyncio.sleep(0.1)
    assert setup.restarts.calls == [], "the server must never restart ComfyUI Desktop itself"


async def test_an_unsupported_launch_is_a_409_with_the_reason(aiohttp_client: Any) -> None:
    setup = Setup(restarts=Restarts(plan=UnsupportedPlan(reason="the script was read from standard input")))
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(RESTART, json={}, headers=good_headers())
    assert resp.status == 409
    body = await error_of(resp)
    assert body["error"] == "conflict"
    assert "standard input" in body["message"] and "by hand" in body["message"]
    assert setup.restarts.calls == []


async def test_a_second_restart_while_one_is_pending_is_a_409(aiohttp_client: Any) -> None:
    setup = Setup(restart_delay_s=30.0)
    client = await client_for(aiohttp_client, setup)
    assert (await client.post(RESTART, json={}, headers=good_headers())).status == 202
    resp = await client.post(RESTART, json={}, headers=good_headers())
    assert resp.status == 409
    assert "already" in (await error_of(resp))["message"]


async def test_a_failed_restart_allows_another_try(aiohttp_client: Any) -> None:
    class Failing(Restarts):
        def run(self, plan: Any) -> None:
            super().run(plan)
            # run_restart returns only when the restart failed (plugin.restart_now reports it).

    setup = Setup(restarts=Failing())
    client = await client_for(aiohttp_client, setup)
    assert (await client.post(RESTART, json={}, headers=good_headers())).status == 202
    await asyncio.get_running_loop().run_in_executor(None, setup.restarts.ran.wait, 5.0)
    for _ in range(100):
        resp = await client.post(RESTART, json={}, headers=good_headers())
        if resp.status == 202:
            break
        await asyncio.sleep(0.01)
    assert resp.status == 202


async def test_restart_without_actions_is_a_503(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client, Setup(with_actions=False))
    resp = await client.post(RESTART, json={}, headers=good_headers())
    assert resp.status == 503
    assert (await error_of(resp))["error"] == "unavailable"


# --- clear VRAM ---------------------------------------------------------------------------------


async def test_clear_vram_reports_per_device(aiohttp_client: Any) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(CLEAR_VRAM, json={}, headers=good_headers())
    assert resp.status == 200
    result = ClearVramResult.model_validate(await resp.json())
    assert result.models_unloaded == 2
    assert result.devices[0].vram_freed_bytes == 8 * 1024**3
    assert setup.host.cleared == 1


@pytest.mark.parametrize(
    ("queue", "said"),
    [
        (QueueState(running=1, queued=0), "1 workflow is running"),
        (QueueState(running=0, queued=2), "2 are queued"),
        (QueueState(running=1, queued=1), "1 workflow is running and 1 is queued"),
        (QueueState(running=None, queued=4), "4 are queued"),
    ],
)
async def test_clear_vram_is_refused_while_busy(aiohttp_client: Any, queue: QueueState, said: str) -> None:
    setup = Setup(host=FakeModelHost(queue=queue))
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(CLEAR_VRAM, json={}, headers=good_headers())
    assert resp.status == 409
    body = await error_of(resp)
    assert body["error"] == "conflict"
    assert said in body["message"].lower()
    assert setup.host.cleared == 0


async def test_a_workflow_starting_meanwhile_is_a_409(aiohttp_client: Any) -> None:
    host = FakeModelHost(error=HostBusyError("A workflow is running: clear VRAM when the queue is empty"))
    client = await client_for(aiohttp_client, Setup(host=host))
    resp = await client.post(CLEAR_VRAM, json={}, headers=good_headers())
    assert resp.status == 409
    assert "running" in (await error_of(resp))["message"]


async def test_a_host_failure_is_a_503_with_its_message(aiohttp_client: Any) -> None:
    host = FakeModelHost(error=HostActionError("ComfyUI could not unload its models: boom"))
    client = await client_for(aiohttp_client, Setup(host=host))
    resp = await client.post(CLEAR_VRAM, json={}, headers=good_headers())
    assert resp.status == 503
    assert "boom" in (await error_of(resp))["message"]


async def test_an_unexpected_host_failure_is_still_json(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client, Setup(host=FakeModelHost(error=ZeroDivisionError())))
    resp = await client.post(CLEAR_VRAM, json={}, headers=good_headers())
    assert resp.status == 500
    assert (await error_of(resp))["error"] == "internal_error"


async def test_concurrent_clears_are_serialized(aiohttp_client: Any) -> None:
    import threading

    entered, release = threading.Event(), threading.Event()

    def block() -> None:
        entered.set()
        release.wait(5)

    setup = Setup(host=FakeModelHost(on_unload=block))
    client = await client_for(aiohttp_client, setup)
    first = asyncio.ensure_future(client.post(CLEAR_VRAM, json={}, headers=good_headers()))
    await asyncio.get_running_loop().run_in_executor(None, entered.wait, 5.0)
    second = await client.post(CLEAR_VRAM, json={}, headers=good_headers())
    assert second.status == 409
    assert "already" in (await error_of(second))["message"]
    release.set()
    assert (await first).status == 200


async def test_clear_vram_without_actions_is_a_503(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client, Setup(with_actions=False))
    assert (await client.post(CLEAR_VRAM, json={}, headers=good_headers())).status == 503


def test_busy_message_is_none_when_idle_or_unknown() -> None:
    assert busy_message(QueueState(running=0, queued=0), "x") is None
    assert busy_message(QueueState(running=None, queued=None), "x") is None
    assert busy_message(QueueState(running=2, queued=0), "restart") == (
        "2 workflows are running: restart when the queue is empty, or cancel them first"
    )
