"""Server actions: the page's session (token), restart, and clear VRAM.

Restart answers first (202) and acts a moment later, on a thread of its own, so the reply reaches
the browser before the process goes away; see backend/restart/ for how each launch is restarted.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from .. import log
from ..restart import DesktopPlan, RestartPlan, UnsupportedPlan
from ..schemas import (
    ClearVramRequest,
    ClearVramResult,
    QueueState,
    RestartAccepted,
    RestartRequest,
    SessionInfo,
)
from .endpoints import Call, Endpoint, json_response
from .errors import ApiError
from .guards import SESSION_PATH, TOKEN_HEADER, RequestGuard

RESTART_PATH = "/swissarmyknife/restart"
CLEAR_VRAM_PATH = "/swissarmyknife/monitor/clear-vram"
# Long enough for the 202 to be written and read, short enough to feel immediate.
RESTART_DELAY_S = 0.5
# Random per process; the page compares it before and after a restart.
BOOT_ID = secrets.token_hex(8)
NO_STORE = {"Cache-Control": "no-store"}


class HostActionError(RuntimeError):
    """The host could not carry out an action; the message says what the user can do."""


class HostBusyError(HostActionError):
    """The host refused because a workflow is running or queued."""


class ActionsHost(Protocol):
    """What the actions need from the host adapter."""

    def queue_state(self) -> QueueState:
        """How many workflows run and wait now (cheap; called on the server loop)."""
        ...

    def clear_vram(self) -> ClearVramResult:
        """Unload models and free cached memory; blocking, called on a worker thread.

        Raises:
            HostBusyError: A workflow started meanwhile.
            HostActionError: The host could not do it.
        """
        ...


@dataclass(frozen=True)
class ActionServices:
    """What the action endpoints act through; built by the composition root.

    Attributes:
        host: Queue state and clear VRAM.
        plan_restart: How this process would restart (``backend.restart.current_plan``).
        run_restart: Carries the plan out (closes the plugin, then re-execs or exits); called on a
            thread of its own once the reply is sent; for a real restart it does not return.
        restart_delay_s: The pause between the reply and ``run_restart``.
    """

    host: ActionsHost
    plan_restart: Callable[[], RestartPlan]
    run_restart: Callable[[RestartPlan], None]
    restart_delay_s: float = RESTART_DELAY_S


def busy_message(queue: QueueState, action: str) -> str | None:
    """A sentence when workflows run or wait, else None."""
    running, queued = queue.running or 0, queue.queued or 0
    if running == 0 and queued == 0:
        return None
    parts = []
    if running:
        parts.append(f"{running} workflow{'s are' if running > 1 else ' is'} running")
    if queued:
        parts.append(f"{queued} {'are' if queued > 1 else 'is'} queued")
    return f"{' and '.join(parts)}: {action} when the queue is empty, or cancel them first"


class _ActionHandlers:
    """The handlers, over one guard and (when the host can act) the action services."""

    def __init__(self, guard: RequestGuard, actions: ActionServices | None) -> None:
        self._guard = guard
        self._actions = actions
        self._restart_pending = False
        self._clearing = threading.Lock()

    def _services(self, what: str) -> ActionServices:
        if self._actions is None:
            raise ApiError(503, "unavailable", f"{what} is not available in this host")
        return self._actions

    def _queue_state(self) -> QueueState:
        if self._actions is None:
            return QueueState(running=None, queued=None)
        try:
            return self._actions.host.queue_state()
        except Exception:
            log.warn_once("queue-state", "could not read the prompt queue", exc_info=True)
            return QueueState(running=None, queued=None)

    def _plan(self) -> RestartPlan:
        if self._actions is None:
            return UnsupportedPlan(reason="this host cannot restart itself")
        return self._actions.plan_restart()

    async def get_session(self, call: Call[Any, Any]) -> web.Response:
        self._guard.check_site(call.request)
        refused = self._guard.refusal_reason()
        restart = self._plan()
        info = SessionInfo(
            token=self._guard.token if refused is None else None,
            token_header=TOKEN_HEADER,
            boot_id=BOOT_ID,
            actions_allowed=refused is None,
            actions_refused_reason=refused,
            queue=self._queue_state(),
            restart_kind=restart.kind,
            restart_description=restart.describe(),
        )
        return json_response(info, headers=NO_STORE)

    async def post_restart(self, _call: Call[Any, RestartRequest]) -> RestartAccepted:
        actions = self._services("restart")
        restart = actions.plan_restart()
        if isinstance(restart, UnsupportedPlan):
            raise ApiError(409, "conflict", f"{restart.describe()}; restart ComfyUI by hand")
        if isinstance(restart, DesktopPlan):
            log.info(f"Restart asked for: {restart.describe()}")
            return RestartAccepted(kind="desktop", description=restart.describe(), restarts_in_ms=0)
        if self._restart_pending:
            raise ApiError(409, "conflict", "a restart is already under way")
        self._restart_pending = True
        log.info(f"Restart asked for; in {actions.restart_delay_s:.1f} s: {restart.describe()}")

        def run() -> None:
            try:
                actions.run_restart(restart)
            finally:
                # Only reached when the restart failed (a real one never returns).
                self._restart_pending = False

        def launch() -> None:
            threading.Thread(target=run, name="swissarmyknife-restart", daemon=True).start()

        asyncio.get_running_loop().call_later(actions.restart_delay_s, launch)
        return RestartAccepted(
            kind=restart.kind,
            description=restart.describe(),
            restarts_in_ms=round(actions.restart_delay_s * 1000),
        )

    async def post_clear_vram(self, _call: Call[Any, ClearVramRequest]) -> ClearVramResult:
        actions = self._services("clear VRAM")
        message = busy_message(self._queue_state(), "clear VRAM")
        if message is not None:
            raise ApiError(409, "conflict", message[0].upper() + message[1:])
        if not self._clearing.acquire(blocking=False):
            raise ApiError(409, "conflict", "VRAM is being cleared already")
        try:
            return await asyncio.get_running_loop().run_in_executor(None, actions.host.clear_vram)
        except HostBusyError as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except HostActionError as exc:
            raise ApiError(503, "unavailable", str(exc)) from None
        finally:
            self._clearing.release()


def actions_endpoints(guard: RequestGuard, actions: ActionServices | None) -> list[Endpoint]:
    handlers = _ActionHandlers(guard, actions)
    return [
        Endpoint(
            method="GET",
            path=SESSION_PATH,
            operation_id="getSession",
            summary="The token the plugin's page sends with server actions, and whether they are allowed",
            description=(
                "Same-origin pages only: no CORS headers are sent and a cross-site Origin or "
                "Sec-Fetch-Site is refused. boot_id changes when the server restarts."
            ),
            handler=handlers.get_session,
            response_model=SessionInfo,
            tag="actions",
            error_statuses=(403,),
        ),
        Endpoint(
            method="POST",
            path=RESTART_PATH,
            operation_id="restartServer",
            summary="Restart the server the way it was started",
            description=(
                "Answers 202 first, then closes what the plugin holds and re-executes the process "
                "(or exits for comfy-cli). Under ComfyUI Desktop the server does nothing: the page "
                "calls window.electronAPI.restartApp(). 409 when the launch cannot be reproduced."
            ),
            handler=handlers.post_restart,
            response_model=RestartAccepted,
            tag="actions",
            body_model=RestartRequest,
            success_status=202,
            error_statuses=(403, 409, 503),
            destructive=True,
        ),
        Endpoint(
            method="POST",
            path=CLEAR_VRAM_PATH,
            operation_id="clearVram",
            summary="Unload models and free cached GPU memory; reports VRAM before and after",
            description="Refused with 409 while a workflow runs or waits in the queue.",
            handler=handlers.post_clear_vram,
            response_model=ClearVramResult,
            tag="actions",
            body_model=ClearVramRequest,
            error_statuses=(403, 409, 503),
            destructive=True,
        ),
    ]
