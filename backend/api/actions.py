"""Action routes: the page's session (token), restart, and clear VRAM.

The rules (when each is refused, one at a time, restart a moment after the answer) are the
actions' own (``backend.actions``); these handlers map their refusals to HTTP statuses.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from aiohttp import web

from ..actions import (
    ActionConflictError,
    ActionServices,
    HostActionError,
    HostBusyError,
    read_queue_state,
)
from ..actions.restart import RestartPlan, UnsupportedPlan
from ..schemas import (
    ClearVramRequest,
    ClearVramResult,
    QueueState,
    RestartAccepted,
    RestartRequest,
    SessionInfo,
)
from .endpoints import Call, Endpoint, require
from .errors import ApiError
from .guards import SESSION_PATH, TOKEN_HEADER, RequestGuard
from .http import json_response

RESTART_PATH = "/swissarmyknife/restart"
CLEAR_VRAM_PATH = "/swissarmyknife/monitor/clear-vram"
# Random per process; the page compares it before and after a restart.
BOOT_ID = secrets.token_hex(8)
NO_STORE = {"Cache-Control": "no-store"}


def actions_endpoints(guard: RequestGuard, actions: ActionServices | None) -> list[Endpoint]:
    """The session, restart and clear-VRAM routes; without ``actions`` the latter two answer 503."""

    async def get_session(call: Call[Any, Any, Any]) -> web.Response:
        guard.check_site(call.request)
        refused = guard.refusal_reason()
        queue = (
            read_queue_state(actions.queue) if actions is not None else QueueState(running=None, queued=None)
        )
        restart: RestartPlan = (
            actions.restart.plan()
            if actions is not None
            else UnsupportedPlan(reason="this host cannot restart itself")
        )
        info = SessionInfo(
            token=guard.token if refused is None else None,
            token_header=TOKEN_HEADER,
            boot_id=BOOT_ID,
            actions_allowed=refused is None,
            actions_refused_reason=refused,
            queue=queue,
            restart_kind=restart.kind,
            restart_description=restart.describe(),
        )
        return json_response(info, headers=NO_STORE)

    async def post_restart(_call: Call[Any, Any, RestartRequest]) -> RestartAccepted:
        restart = require(actions, "restart").restart
        try:
            return restart.request()
        except ActionConflictError as exc:
            raise ApiError(409, "conflict", str(exc)) from None

    async def post_clear_vram(_call: Call[Any, Any, ClearVramRequest]) -> ClearVramResult:
        clear_vram = require(actions, "clear VRAM").clear_vram
        try:
            # Blocking (the host unloads, the sampler measures): never on the server loop.
            return await asyncio.get_running_loop().run_in_executor(None, clear_vram.clear)
        except (HostBusyError, ActionConflictError) as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except HostActionError as exc:
            raise ApiError(503, "unavailable", str(exc)) from None

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
            handler=get_session,
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
            handler=post_restart,
            response_model=RestartAccepted,
            tag="actions",
            body_model=RestartRequest,
            guard=guard,
            success_status=202,
            error_statuses=(403, 409, 503),
        ),
        Endpoint(
            method="POST",
            path=CLEAR_VRAM_PATH,
            operation_id="clearVram",
            summary="Unload models and free cached GPU memory; reports VRAM before and after",
            description="Refused with 409 while a workflow runs or waits in the queue.",
            handler=post_clear_vram,
            response_model=ClearVramResult,
            tag="actions",
            body_model=ClearVramRequest,
            guard=guard,
            error_statuses=(403, 409, 503),
        ),
    ]
