"""Carry out a restart plan: close what the plugin holds, then re-exec, or exit for comfy-cli."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from ... import log
from .planner import CliRebootPlan, DesktopPlan, ExecPlan, RestartPlan, UnsupportedPlan, plan_restart


def _startup_cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the directory was deleted under us
        return None


# Recorded when the plugin loads. The planner prefers the start directory it recovers from
# __main__.__file__; this covers `python -m` and absolute script paths, where a custom node's later
# os.chdir would otherwise make relative arguments such as `--output-directory out` point elsewhere.
_STARTUP_CWD = _startup_cwd()


class RestartError(RuntimeError):
    """The restart could not be carried out; the server is still running."""


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def _flush_output() -> None:
    # os._exit and os.execv skip interpreter shutdown, so nothing buffered would be written.
    flushables: list[object] = [sys.stdout, sys.stderr]
    flushables += logging.getLogger().handlers + log.logger.handlers
    for flushable in flushables:
        # A closed, missing (pythonw) or replaced stream must not stop the restart.
        with contextlib.suppress(Exception):
            getattr(flushable, "flush", lambda: None)()


@dataclass(frozen=True)
class RestartOps:
    """The process-level operations a restart performs, replaceable by fakes in tests.

    Attributes:
        execv: ``os.execv``.
        _exit: ``os._exit``: leave without running atexit handlers or joining threads, which a
            wedged server may never finish.
        write_file: Write a text file (the comfy-cli marker).
        chdir: ``os.chdir``.
        is_file: ``os.path.isfile``, to check the interpreter still exists before closing anything.
        flush_output: Flush stdout, stderr and log handlers.
    """

    execv: Callable[[str, tuple[str, ...]], None] = os.execv
    _exit: Callable[[int], None] = os._exit
    write_file: Callable[[str, str], None] = _write_text
    chdir: Callable[[str], None] = os.chdir
    is_file: Callable[[str], bool] = os.path.isfile
    flush_output: Callable[[], None] = _flush_output


def current_plan() -> RestartPlan:
    """Plan a restart of this very process from ``sys`` and ``os.environ``.

    Returns:
        What ``plan_restart`` decides for this process.
    """
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return plan_restart(
        sys.argv,
        os.environ,
        sys.platform,
        sys.executable,
        sys.orig_argv,
        main_file=main_file if isinstance(main_file, str) else None,
        startup_cwd=_STARTUP_CWD,
    )


def _run_before_exit(before_exit: Callable[[], None]) -> None:
    try:
        before_exit()
    except Exception:
        # A failed flush loses at most what it was flushing; a refused restart leaves the user
        # with a wedged server, which is why they pressed the button.
        log.warning("Cleanup before restart failed; restarting anyway", exc_info=True)


def execute_restart(
    plan: RestartPlan,
    *,
    before_exit: Callable[[], None],
    ops: RestartOps | None = None,
) -> None:
    """Restart the server as ``plan`` says; for a real restart this does not return.

    ``before_exit`` runs first (flush and close what the plugin holds); an exception there is
    logged and the restart goes on. Then stdout/stderr are flushed and the process either exits
    for comfy-cli or replaces itself with ``os.execv``. Call it after the HTTP reply is sent.

    Args:
        plan: From ``current_plan()``.
        before_exit: Closes what the plugin holds (database, sampler thread, NVML).
        ops: Process operations; the real ones when ``None``.

    Returns:
        Immediately, doing nothing, for a ``DesktopPlan`` (the browser restarts the app) or an
        ``UnsupportedPlan``; otherwise only when a fake ``ops`` returns.

    Raises:
        RestartError: The comfy-cli marker could not be written or the interpreter is gone (both
            checked before anything is closed), or ``os.execv`` failed. The server keeps running;
            restart ComfyUI from its terminal or launcher.
    """
    ops = ops if ops is not None else RestartOps()
    if isinstance(plan, (DesktopPlan, UnsupportedPlan)):
        log.info(f"Restart not performed by the server: {plan.describe()}")
        return

    log.info(f"Restarting: {plan.describe()}")
    if isinstance(plan, CliRebootPlan):
        _exit_for_comfy_cli(plan, before_exit, ops)
    else:
        _reexec(plan, before_exit, ops)


def _exit_for_comfy_cli(plan: CliRebootPlan, before_exit: Callable[[], None], ops: RestartOps) -> None:
    # The marker goes first: if it cannot be written, exiting would stop ComfyUI for good, so we
    # refuse while nothing has been closed yet.
    try:
        ops.write_file(plan.marker_path, "")
    except OSError as exc:
        raise RestartError(f"could not write the comfy-cli restart marker {plan.marker_path}: {exc}") from exc
    _run_before_exit(before_exit)
    ops.flush_output()
    ops._exit(plan.exit_code)


def _reexec(plan: ExecPlan, before_exit: Callable[[], None], ops: RestartOps) -> None:
    if not ops.is_file(plan.executable):
        raise RestartError(f"the Python interpreter {plan.executable} no longer exists")
    _run_before_exit(before_exit)
    if plan.cwd is not None:
        try:
            ops.chdir(plan.cwd)
        except OSError:
            log.warning(f"Could not return to the start directory {plan.cwd}; restarting from here")
    ops.flush_output()
    # On Windows there is no exec: the C runtime starts a new process with the joined command line
    # (hence the pre-quoted args) and ends this one. The new server gets a new PID, and whatever
    # started ComfyUI sees it exit: a .bat file runs on to its `pause`, and launchers such as
    # Stability Matrix report it stopped while the new process keeps the port. It is still the
    # best option without a supervisor: it keeps the same console and the same environment, and a
    # spawn-then-exit done by hand would have the same PID caveat. Listening sockets are not
    # inherited (PEP 446), so the port is free once this process is gone.
    try:
        ops.execv(plan.executable, plan.args)
    except OSError as exc:
        log.warning(f"Restart failed: {exc}. Restart ComfyUI by hand.")
        raise RestartError(f"os.execv({plan.executable!r}) failed: {exc}") from exc
