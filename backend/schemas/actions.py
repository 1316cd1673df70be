"""Server actions: the page's session (token), restart and clear-VRAM payloads, the restart event."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ApiModel, RequestModel

RestartKind = Literal["exec", "comfy_cli", "desktop", "unsupported"]


class QueueState(ApiModel):
    """How busy the host's prompt queue is; ``None`` where the host cannot tell."""

    running: int | None = Field(description="Workflows executing now.")
    queued: int | None = Field(description="Workflows waiting behind them.")


class SessionInfo(ApiModel):
    """``GET /swissarmyknife/session``: what the plugin's own page needs before it may act.

    The token is readable by same-origin pages only: no CORS headers are sent, and a cross-site
    ``Origin`` is refused.
    """

    token: str | None = Field(
        description=(
            "Send it in the token_header of every restart, clear-VRAM, archive and history request. "
            "None while actions are refused (see actions_refused_reason)."
        )
    )
    token_header: str = Field(description="The request header that carries the token.")
    boot_id: str = Field(description="Random per server process: a new value means the server restarted.")
    actions_allowed: bool
    actions_refused_reason: str | None = Field(
        description="Why guarded actions are refused here and how an operator opts in; None when allowed."
    )
    queue: QueueState
    restart_kind: RestartKind = Field(description="What a restart would do in this process.")
    restart_description: str = Field(description="One line saying how the server would restart, or why not.")


class RestartRequest(RequestModel):
    """``POST /swissarmyknife/restart``: no options; send ``{}``."""


class RestartAccepted(ApiModel):
    """``202`` to ``POST /swissarmyknife/restart``: how the restart will happen."""

    kind: Literal["exec", "comfy_cli", "desktop"] = Field(
        description=(
            "exec: the server re-executes itself; comfy_cli: it exits and comfy-cli starts it again; "
            "desktop: the server does nothing, the page calls window.electronAPI.restartApp()."
        )
    )
    description: str
    restarts_in_ms: int = Field(description="Delay before the server goes down; 0 for desktop.")


class ClearVramRequest(RequestModel):
    """``POST /swissarmyknife/monitor/clear-vram``: no options; send ``{}``."""


class VramDeviceReport(ApiModel):
    """One accelerator's memory around a clear-VRAM; ``None`` where it cannot be measured."""

    index: int = Field(description="torch device index.")
    name: str
    vram_total_bytes: int | None
    vram_used_before_bytes: int | None
    vram_used_after_bytes: int | None
    vram_freed_bytes: int | None = Field(description="before - after, at least 0; None if either is unknown.")


class ClearVramResult(ApiModel):
    """``POST /swissarmyknife/monitor/clear-vram``: what was unloaded and freed, per device."""

    models_unloaded: int | None = Field(description="Models that were loaded before; None if unknown.")
    devices: list[VramDeviceReport]
    vram_freed_bytes: int | None = Field(description="Sum over the devices that could be measured.")


class RestartEvent(ApiModel):
    """Websocket event ``swissarmyknife.restart``: a restart accepted with 202 could not be carried out."""

    type: Literal["restart_failed"] = "restart_failed"
    message: str
