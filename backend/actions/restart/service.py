"""Accepting a restart: refused where the launch cannot be reproduced, once at a time, run a moment later.

The request answers first and the restart runs ``delay_s`` later on a thread of its own, so that the
reply reaches the browser before the process goes away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ... import log
from ...schemas import RestartAccepted
from ..errors import ActionConflictError
from .planner import DesktopPlan, RestartPlan, UnsupportedPlan

# Long enough for the 202 to be written and read, short enough to feel immediate.
RESTART_DELAY_S = 0.5
RESTART_THREAD_NAME = "swissarmyknife-restart"


class RestartService:
    """The server's restart: how it would happen, and carrying it out once asked."""

    def __init__(
        self,
        plan: Callable[[], RestartPlan],
        run: Callable[[RestartPlan], None],
        delay_s: float = RESTART_DELAY_S,
    ) -> None:
        """Create the service.

        Args:
            plan: How this process would restart (``backend.actions.restart.current_plan``).
            run: Carries a plan out (closes the plugin, then re-execs or exits); called on a thread
                of its own ``delay_s`` after the request; for a real restart it does not return.
            delay_s: The pause between the request's answer and ``run``.
        """
        self._plan = plan
        self._run = run
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self._pending = False

    def plan(self) -> RestartPlan:
        return self._plan()

    def request(self) -> RestartAccepted:
        """Accept a restart and schedule it; under ComfyUI Desktop only say that the app restarts.

        Raises:
            ActionConflictError: The launch cannot be reproduced, or a restart is already under way.
        """
        restart = self._plan()
        if isinstance(restart, UnsupportedPlan):
            raise ActionConflictError(f"{restart.describe()}; restart ComfyUI by hand")
        if isinstance(restart, DesktopPlan):
            log.info(f"Restart asked for: {restart.describe()}")
            return RestartAccepted(kind="desktop", description=restart.describe(), restarts_in_ms=0)
        with self._lock:
            if self._pending:
                raise ActionConflictError("a restart is already under way")
            self._pending = True
        log.info(f"Restart asked for; in {self.delay_s:.1f} s: {restart.describe()}")
        timer = threading.Timer(self.delay_s, self._carry_out, args=(restart,))
        timer.name = RESTART_THREAD_NAME
        timer.daemon = True
        timer.start()
        return RestartAccepted(
            kind=restart.kind,
            description=restart.describe(),
            restarts_in_ms=round(self.delay_s * 1000),
        )

    def _carry_out(self, restart: RestartPlan) -> None:
        try:
            self._run(restart)
        finally:
            # Only reached when the restart failed (a real one never returns): allow another try.
            with self._lock:
                self._pending = False
