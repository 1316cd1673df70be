"""execute_restart with fake process operations, current_plan, and one real os.execv on POSIX."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backend.actions.restart import (
    CliRebootPlan,
    DesktopPlan,
    ExecPlan,
    RestartError,
    RestartOps,
    UnsupportedPlan,
    current_plan,
    execute_restart,
    plan_restart,
)

ROOT = Path(__file__).resolve().parents[3]


class FakeProcess:
    """Records every process operation in order instead of performing it."""

    def __init__(self, *, existing: tuple[str, ...] = ("/usr/bin/python3",)) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.files: dict[str, str] = {}
        self.existing = existing
        self.write_error: OSError | None = None
        self.chdir_error: OSError | None = None
        self.execv_error: OSError | None = None

    def ops(self) -> RestartOps:
        return RestartOps(
            execv=self.execv,
            _exit=self.exit,
            write_file=self.write_file,
            chdir=self.chdir,
            is_file=self.is_file,
            flush_output=self.flush,
        )

    def before_exit(self) -> None:
        self.calls.append(("before_exit",))

    def execv(self, path: str, args: tuple[str, ...]) -> None:
        self.calls.append(("execv", path, args))
        if self.execv_error is not None:
            raise self.execv_error

    def exit(self, code: int) -> None:
        self.calls.append(("_exit", code))

    def write_file(self, path: str, text: str) -> None:
        self.calls.append(("write_file", path))
        if self.write_error is not None:
            raise self.write_error
        self.files[path] = text

    def chdir(self, path: str) -> None:
        self.calls.append(("chdir", path))
        if self.chdir_error is not None:
            raise self.chdir_error

    def is_file(self, path: str) -> bool:
        return path in self.existing

    def flush(self) -> None:
        self.calls.append(("flush",))

    def names(self) -> list[object]:
        return [call[0] for call in self.calls]


EXEC_PLAN = ExecPlan(
    executable="/usr/bin/python3",
    args=("/usr/bin/python3", "-s", "main.py", "--port", "8188"),
    cwd="/srv/comfy",
    command_line="/usr/bin/python3 -s main.py --port 8188",
)


def test_exec_runs_before_exit_then_flushes_then_execs() -> None:
    fake = FakeProcess()
    execute_restart(EXEC_PLAN, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.calls == [
        ("before_exit",),
        ("chdir", "/srv/comfy"),
        ("flush",),
        ("execv", "/usr/bin/python3", ("/usr/bin/python3", "-s", "main.py", "--port", "8188")),
    ]


def test_exec_without_cwd_stays_put() -> None:
    fake = FakeProcess()
    plan = ExecPlan(
        executable="/usr/bin/python3", args=("/usr/bin/python3", "main.py"), cwd=None, command_line="x"
    )
    execute_restart(plan, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.names() == ["before_exit", "flush", "execv"]


def test_failing_before_exit_is_logged_and_restart_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeProcess()

    def broken() -> None:
        fake.calls.append(("before_exit",))
        raise RuntimeError("database is locked")

    with caplog.at_level(logging.WARNING, logger="swissarmyknife"):
        execute_restart(EXEC_PLAN, before_exit=broken, ops=fake.ops())

    assert fake.names() == ["before_exit", "chdir", "flush", "execv"]
    failures = [record for record in caplog.records if "Cleanup before restart failed" in record.getMessage()]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert "[SwissArmyKnife]" in failures[0].getMessage()


def test_interrupts_in_before_exit_are_not_swallowed() -> None:
    fake = FakeProcess()

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute_restart(EXEC_PLAN, before_exit=interrupted, ops=fake.ops())
    assert "execv" not in fake.names()


def test_unreachable_start_directory_does_not_stop_the_restart() -> None:
    fake = FakeProcess()
    fake.chdir_error = FileNotFoundError("gone")
    execute_restart(EXEC_PLAN, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.names() == ["before_exit", "chdir", "flush", "execv"]


def test_missing_interpreter_is_refused_before_closing_anything() -> None:
    fake = FakeProcess(existing=())
    with pytest.raises(RestartError, match="no longer exists"):
        execute_restart(EXEC_PLAN, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.calls == []


def test_failed_execv_raises_restart_error() -> None:
    fake = FakeProcess()
    fake.execv_error = PermissionError(13, "Permission denied")
    with pytest.raises(RestartError, match="Permission denied"):
        execute_restart(EXEC_PLAN, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.names() == ["before_exit", "chdir", "flush", "execv"]


def test_comfy_cli_writes_marker_first_then_exits_with_its_code() -> None:
    fake = FakeProcess()
    plan = CliRebootPlan(marker_path="/cfg/tmp/abc.reboot", exit_code=0)
    execute_restart(plan, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.calls == [("write_file", "/cfg/tmp/abc.reboot"), ("before_exit",), ("flush",), ("_exit", 0)]
    assert fake.files == {"/cfg/tmp/abc.reboot": ""}


def test_comfy_cli_marker_failure_leaves_the_server_running() -> None:
    fake = FakeProcess()
    fake.write_error = PermissionError(13, "Permission denied")
    plan = CliRebootPlan(marker_path="/ro/abc.reboot")
    with pytest.raises(RestartError, match="marker"):
        execute_restart(plan, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.names() == ["write_file"]


def test_comfy_cli_marker_is_a_real_file_at_session_path(tmp_path: Path) -> None:
    session = str(tmp_path / "3f2a9c1e")
    plan = plan_restart(["main.py"], {"__COMFY_CLI_SESSION__": session}, sys.platform, sys.executable)
    assert isinstance(plan, CliRebootPlan)
    exits: list[int] = []
    closed: list[bool] = []
    # Real file writing, fake exit.
    ops = RestartOps(_exit=exits.append, flush_output=lambda: None)

    execute_restart(plan, before_exit=lambda: closed.append(True), ops=ops)

    marker = tmp_path / "3f2a9c1e.reboot"
    assert marker.is_file()
    assert marker.read_text(encoding="utf-8") == ""
    assert exits == [0]
    assert closed == [True]


@pytest.mark.parametrize(
    "plan",
    [DesktopPlan(desktop_version="0.4.20"), UnsupportedPlan(reason="stdin")],
    ids=["desktop", "unsupported"],
)
def test_plans_without_server_action_do_nothing(plan: DesktopPlan | UnsupportedPlan) -> None:
    fake = FakeProcess()
    execute_restart(plan, before_exit=fake.before_exit, ops=fake.ops())
    assert fake.calls == []


def test_current_plan_reads_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("__COMFYUI_DESKTOP_VERSION__", raising=False)
    monkeypatch.delenv("__COMFY_CLI_SESSION__", raising=False)
    monkeypatch.setattr(sys, "argv", ["main.py", "--windows-standalone-build", "--port", "8190"])
    monkeypatch.setattr(
        sys, "orig_argv", ["python", "-s", "main.py", "--windows-standalone-build", "--port", "8190"]
    )

    plan = current_plan()

    assert isinstance(plan, ExecPlan)
    assert plan.executable == sys.executable
    assert plan.dropped_args == ("--windows-standalone-build",)
    assert len(plan.args) == 5
    if sys.platform != "win32":
        assert plan.args == (sys.executable, "-s", "main.py", "--port", "8190")


def test_current_plan_sees_comfy_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("__COMFYUI_DESKTOP_VERSION__", raising=False)
    monkeypatch.setenv("__COMFY_CLI_SESSION__", str(tmp_path / "s"))
    assert current_plan() == CliRebootPlan(marker_path=str(tmp_path / "s") + ".reboot")


CHILD = textwrap.dedent(
    """
    import json, os, sys
    if os.environ.get("SAK_RESTARTED"):
        print(json.dumps({"orig_argv": sys.orig_argv[1:], "cwd": os.getcwd()}), flush=True)
        raise SystemExit(0)
    os.environ["SAK_RESTARTED"] = "1"
    from backend.actions.restart import current_plan, execute_restart
    plan = current_plan()
    os.chdir(os.path.dirname(os.getcwd()))  # a custom node moving the process elsewhere
    print("before", flush=True)  # must reach the pipe although exec skips interpreter shutdown
    execute_restart(plan, before_exit=lambda: print("closed", flush=True))
    print("not reached", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="checks the POSIX in-place exec")
def test_real_execv_restarts_with_same_options_arguments_and_directory(tmp_path: Path) -> None:
    start = tmp_path / "Comfy UI"
    start.mkdir()
    (start / "main.py").write_text(CHILD, encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("__COMFY_CLI_SESSION__", "__COMFYUI_DESKTOP_VERSION__", "SAK_RESTARTED")
    }
    env["PYTHONPATH"] = str(ROOT)
    command = [
        sys.executable,
        "-X",
        "utf8",
        "main.py",
        "--output-directory",
        "my out\\",
        "--windows-standalone-build",
    ]

    result = subprocess.run(
        command, cwd=start, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["before", "closed"], result.stdout
    assert "not reached" not in result.stdout
    restarted = json.loads(lines[2])
    assert restarted["orig_argv"] == ["-X", "utf8", "main.py", "--output-directory", "my out\\"]
    assert os.path.samefile(restarted["cwd"], start)
