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

__all__ = [
    "CliRebootPlan",
    "DesktopPlan",
    "ExecPlan",
    "RestartError",
    "RestartOps",
    "RestartPlan",
    "UnsupportedPlan",
    "current_plan",
    "execute_restart",
    "plan_restart",
    "quote_windows_arg",
]
