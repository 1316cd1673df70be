"""Restart the ComfyUI server the way it was started (plain python, python -m, comfy-cli, Desktop)."""

from .executor import RestartError, RestartOps, current_plan, execute_restart
from .planner import (
    CliRebootPlan,
    DesktopPlan,
    ExecPlan,
    RestartPlan,
    UnsupportedPlan,
    plan_restart,
    quote_windows_arg,
)
from .service import RESTART_DELAY_S, RestartService

__all__ = [
    "RESTART_DELAY_S",
    "CliRebootPlan",
    "DesktopPlan",
    "ExecPlan",
    "RestartError",
    "RestartOps",
    "RestartPlan",
    "RestartService",
    "UnsupportedPlan",
    "current_plan",
    "execute_restart",
    "plan_restart",
    "quote_windows_arg",
]
