"""An app with the action endpoints over fakes: a host with a settable queue, a recorded restart."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from backend.api import ApiServices, build_endpoints, route_specs
from backend.api.actions import ActionServices
from backend.api.guards import TOKEN_HEADER, Exposure, RequestGuard
from backend.restart import ExecPlan, RestartPlan
from backend.schemas import ClearVramResult, QueueState, VramDeviceReport
from tests.fakes import FakeSampler

TOKEN = "test-token-0123456789"
RESTART = "/swissarmyknife/restart"
CLEAR_VRAM = "/swissarmyknife/monitor/clear-vram"
SESSION = "/swissarmyknife/session"

EXEC_PLAN = ExecPlan(
    executable="/usr/bin/python3",
    args=("/usr/bin/python3", "main.py", "--port", "8188"),
    cwd="/srv/ComfyUI",
    command_line="/usr/bin/python3 main.py --port 8188",
)


@dataclass
class FakeActionsHost:
    """ActionsHost: a settable queue, a canned clear result, optional failure."""

    queue: QueueState = field(default_factory=lambda: QueueState(running=0, queued=0))
    error: Exception | None = None
    cleared: int = 0
    on_clear: Callable[[], None] | None = None

    def queue_state(self) -> QueueState:
        return self.queue

    def clear_vram(self) -> ClearVramResult:
        if self.on_clear is not None:
            self.on_clear()
        if self.error is not None:
            raise self.error
        self.cleared += 1
        device = VramDeviceReport(
            index=0,
            name="NVIDIA Test 0",
            vram_total_bytes=24 * 1024**3,
            vram_used_before_bytes=10 * 1024**3,
            vram_used_after_bytes=2 * 1024**3,
            vram_freed_bytes=8 * 1024**3,
        )
        return ClearVramResult(models_unloaded=2, devices=[device], vram_freed_bytes=8 * 1024**3)


@dataclass
class Restarts:
    """Records run_restart calls (on the restart thread) instead of restarting."""

    plan: RestartPlan = EXEC_PLAN
    calls: list[RestartPlan] = field(default_factory=list)
    ran: threading.Event = field(default_factory=threading.Event)

    def run(self, plan: RestartPlan) -> None:
        self.calls.append(plan)
        self.ran.set()


@dataclass
class Setup:
    """What a test configures; ``app()`` builds the aiohttp application."""

    exposure: Exposure = field(default_factory=Exposure.loopback)
    allow_remote: bool = False
    host: FakeActionsHost = field(default_factory=FakeActionsHost)
    restarts: Restarts = field(default_factory=Restarts)
    with_actions: bool = True
    restart_delay_s: float = 0.01

    def guard(self) -> RequestGuard:
        return RequestGuard(
            exposure=lambda: self.exposure, allow_remote=self.allow_remote, token=TOKEN, local_names=()
        )

    def app(self) -> web.Application:
        actions = (
            ActionServices(
                host=self.host,
                plan_restart=lambda: self.restarts.plan,
                run_restart=self.restarts.run,
                restart_delay_s=self.restart_delay_s,
            )
            if self.with_actions
            else None
        )
        services = ApiServices(version="9.9.9", sampler=FakeSampler(), guard=self.guard(), actions=actions)
        app = web.Application()
        for spec in route_specs(build_endpoints(services)):
            app.router.add_route("*", spec.path, spec.handler)
            app.router.add_route("*", "/api" + spec.path, spec.handler)
        return app


def good_headers(**extra: str) -> dict[str, str]:
    """What the plugin's own page sends."""
    headers = {"Content-Type": "application/json", TOKEN_HEADER: TOKEN}
    headers.update(extra)
    return headers


async def error_of(resp: Any) -> dict[str, Any]:
    assert resp.content_type == "application/json", await resp.text()
    body: dict[str, Any] = await resp.json()
    assert set(body) == {"error", "message", "details"}
    return body
