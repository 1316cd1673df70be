"""plan_restart on Linux and macOS launch shapes, comfy-cli, Desktop and the cases it refuses."""

from __future__ import annotations

import ast
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from backend.actions.restart import (
    CliRebootPlan,
    DesktopPlan,
    ExecPlan,
    UnsupportedPlan,
    plan_restart,
)
from backend.actions.restart.planner import DROPPED_ARGS


@dataclass(frozen=True)
class Case:
    """One launch of ComfyUI and the command that must restart it."""

    id: str
    platform: str
    executable: str
    argv: tuple[str, ...]
    orig_argv: tuple[str, ...] | None
    expected_args: tuple[str, ...]
    main_file: str | None = None
    startup_cwd: str | None = None
    expected_cwd: str | None = None
    expected_dropped: tuple[str, ...] = ()
    expected_note_fragments: tuple[str, ...] = field(default=())


PY = "/home/ann/ComfyUI/venv/bin/python"

POSIX_CASES = [
    Case(
        id="linux plain main.py keeps --listen and --port",
        platform="linux",
        executable=PY,
        argv=("main.py", "--listen", "0.0.0.0", "--port", "8189"),
        orig_argv=("python", "main.py", "--listen", "0.0.0.0", "--port", "8189"),
        expected_args=(PY, "main.py", "--listen", "0.0.0.0", "--port", "8189"),
        main_file="/home/ann/ComfyUI/main.py",
        startup_cwd="/somewhere/else",
        expected_cwd="/home/ann/ComfyUI",
    ),
    Case(
        id="linux interpreter options kept verbatim",
        platform="linux",
        executable=PY,
        argv=("main.py", "--cpu"),
        orig_argv=("python3", "-s", "-X", "utf8", "-Wignore", "-u", "main.py", "--cpu"),
        expected_args=(PY, "-s", "-X", "utf8", "-Wignore", "-u", "main.py", "--cpu"),
    ),
    Case(
        id="linux long option with a value before the script",
        platform="linux",
        executable=PY,
        argv=("main.py",),
        orig_argv=("python", "--check-hash-based-pycs", "never", "-B", "main.py"),
        expected_args=(PY, "--check-hash-based-pycs", "never", "-B", "main.py"),
    ),
    Case(
        id="linux -- ends interpreter options",
        platform="linux",
        executable=PY,
        argv=("-weird.py", "--port", "1"),
        orig_argv=("python", "-s", "--", "-weird.py", "--port", "1"),
        expected_args=(PY, "-s", "--", "-weird.py", "--port", "1"),
    ),
    Case(
        id="linux python -m package",
        platform="linux",
        executable=PY,
        argv=("/opt/comfy/comfyui/__main__.py", "--port", "9000"),
        orig_argv=("python", "-m", "comfyui", "--port", "9000"),
        expected_args=(PY, "-m", "comfyui", "--port", "9000"),
        startup_cwd="/opt/comfy",
        expected_cwd="/opt/comfy",
    ),
    Case(
        id="linux python -sm dotted.module (no __main__.py in argv[0])",
        platform="linux",
        executable=PY,
        argv=("/opt/x/pkg/server.py", "--listen"),
        orig_argv=("python", "-sm", "pkg.server", "--listen"),
        expected_args=(PY, "-sm", "pkg.server", "--listen"),
    ),
    Case(
        id="linux python -mpkg written as one token",
        platform="linux",
        executable=PY,
        argv=("/opt/x/pkg/__main__.py",),
        orig_argv=("python", "-Impkg"),
        expected_args=(PY, "-Impkg"),
    ),
    Case(
        id="linux python -c keeps the command",
        platform="linux",
        executable=PY,
        argv=("-c", "--cpu"),
        orig_argv=("python", "-c", "import runpy; runpy.run_path('main.py')", "--cpu"),
        expected_args=(PY, "-c", "import runpy; runpy.run_path('main.py')", "--cpu"),
    ),
    Case(
        id="linux without orig_argv: -m recovered from __main__.py",
        platform="linux",
        executable=PY,
        argv=("/opt/comfy/comfyui/__main__.py", "--port", "9000"),
        orig_argv=None,
        expected_args=(PY, "-m", "comfyui", "--port", "9000"),
        expected_note_fragments=("interpreter options unknown", "guessed"),
    ),
    Case(
        id="linux without orig_argv: plain script, options lost",
        platform="linux",
        executable=PY,
        argv=("main.py", "--cpu"),
        orig_argv=None,
        expected_args=(PY, "main.py", "--cpu"),
        expected_note_fragments=("interpreter options unknown",),
    ),
    Case(
        id="linux drops --windows-standalone-build and --auto-launch only",
        platform="linux",
        executable=PY,
        argv=(
            "main.py",
            "--windows-standalone-build",
            "--port",
            "8188",
            "--auto-launch",
            "--disable-auto-launch",
        ),
        orig_argv=(
            "python",
            "main.py",
            "--windows-standalone-build",
            "--port",
            "8188",
            "--auto-launch",
            "--disable-auto-launch",
        ),
        expected_args=(PY, "main.py", "--port", "8188", "--disable-auto-launch"),
        expected_dropped=("--windows-standalone-build", "--auto-launch"),
    ),
    Case(
        id="macOS spaces and quotes pass untouched",
        platform="darwin",
        executable="/Users/ann/My Apps/venv/bin/python3",
        argv=("/Users/ann/My Apps/ComfyUI/main.py", "--output-directory", '/Volumes/Big "Disk"/out\\'),
        orig_argv=(
            "python3",
            "/Users/ann/My Apps/ComfyUI/main.py",
            "--output-directory",
            '/Volumes/Big "Disk"/out\\',
        ),
        expected_args=(
            "/Users/ann/My Apps/venv/bin/python3",
            "/Users/ann/My Apps/ComfyUI/main.py",
            "--output-directory",
            '/Volumes/Big "Disk"/out\\',
        ),
        main_file="/Users/ann/My Apps/ComfyUI/main.py",
        startup_cwd="/Users/ann",
        expected_cwd="/Users/ann",
    ),
    Case(
        id="macOS relative script recovers the start directory after a chdir",
        platform="darwin",
        executable="/usr/local/bin/python3",
        argv=("./ComfyUI/../ComfyUI/main.py",),
        orig_argv=("python3", "./ComfyUI/../ComfyUI/main.py"),
        expected_args=("/usr/local/bin/python3", "./ComfyUI/../ComfyUI/main.py"),
        main_file="/Users/ann/./ComfyUI/../ComfyUI/main.py",
        startup_cwd="/Users/ann/ComfyUI/custom_nodes/chdir-happy-node",
        expected_cwd="/Users/ann",
    ),
    Case(
        id="linux start directory at the root",
        platform="linux",
        executable=PY,
        argv=("main.py",),
        orig_argv=("python", "main.py"),
        expected_args=(PY, "main.py"),
        main_file="/main.py",
        expected_cwd="/",
    ),
    Case(
        id="linux coincidental suffix is not a start directory",
        platform="linux",
        executable=PY,
        argv=("main.py",),
        orig_argv=("python", "main.py"),
        expected_args=(PY, "main.py"),
        main_file="/srv/mymain.py",
        startup_cwd="/srv/fallback",
        expected_cwd="/srv/fallback",
    ),
    Case(
        id="linux script above the start directory falls back",
        platform="linux",
        executable=PY,
        argv=("../ComfyUI/main.py",),
        orig_argv=("python", "../ComfyUI/main.py"),
        expected_args=(PY, "../ComfyUI/main.py"),
        main_file="/home/ann/bin/../ComfyUI/main.py",
        expected_cwd=None,
    ),
]


@pytest.mark.parametrize("case", POSIX_CASES, ids=lambda case: case.id)
def test_posix_exec_plan(case: Case) -> None:
    plan = plan_restart(
        case.argv,
        {"PATH": "/usr/bin"},
        case.platform,
        case.executable,
        case.orig_argv,
        main_file=case.main_file,
        startup_cwd=case.startup_cwd,
    )

    assert isinstance(plan, ExecPlan)
    assert plan.kind == "exec"
    assert plan.executable == case.executable
    assert plan.args == case.expected_args
    assert plan.cwd == case.expected_cwd
    assert plan.dropped_args == case.expected_dropped
    for fragment in case.expected_note_fragments:
        assert any(fragment in note for note in plan.notes), (fragment, plan.notes)
    if not case.expected_note_fragments:
        assert plan.notes == ()
    # What the log shows is the same command, in a form a POSIX shell splits back identically.
    assert shlex.split(plan.command_line) == list(case.expected_args)
    assert plan.command_line in plan.describe()


def test_dropped_args_are_the_browser_openers() -> None:
    assert set(DROPPED_ARGS) == {"--windows-standalone-build", "--auto-launch"}


def test_describe_mentions_dropped_flag_and_directory() -> None:
    plan = plan_restart(
        ["main.py", "--windows-standalone-build"],
        {},
        "linux",
        PY,
        ["python", "main.py", "--windows-standalone-build"],
        startup_cwd="/srv/comfy",
    )
    assert isinstance(plan, ExecPlan)
    assert "--windows-standalone-build" in plan.describe()
    assert "/srv/comfy" in plan.describe()


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_comfy_cli_session_writes_marker_and_exits_zero(platform: str) -> None:
    session = "/home/ann/.config/comfy-cli/tmp/6c1f3a"
    plan = plan_restart(
        ["main.py", "--port", "8188"],
        {"__COMFY_CLI_SESSION__": session},
        platform,
        PY,
        ["python", "main.py", "--port", "8188"],
    )
    assert plan == CliRebootPlan(marker_path=session + ".reboot", exit_code=0)
    assert plan.kind == "comfy_cli"
    assert session + ".reboot" in plan.describe()


def test_empty_comfy_cli_session_is_ignored() -> None:
    # An empty value would put a ".reboot" file in the working directory that nobody watches.
    plan = plan_restart(["main.py"], {"__COMFY_CLI_SESSION__": ""}, "linux", PY, ["python", "main.py"])
    assert isinstance(plan, ExecPlan)


def test_desktop_wins_over_comfy_cli() -> None:
    env = {"__COMFYUI_DESKTOP_VERSION__": "0.4.20", "__COMFY_CLI_SESSION__": "/tmp/s"}
    plan = plan_restart(["main.py"], env, "win32", "C:\\python.exe", ["python", "main.py"])
    assert plan == DesktopPlan(desktop_version="0.4.20")
    assert plan.kind == "desktop"
    assert "restartApp" in plan.describe()


@pytest.mark.parametrize(
    ("argv", "orig_argv", "executable", "reason_fragment"),
    [
        ([""], ["python"], PY, "interactive"),
        (["-"], ["python", "-s", "-"], PY, "standard input"),
        ([""], None, PY, "interactive"),
        (["-c", "--cpu"], None, PY, "python -c"),
        ([], None, PY, "sys.argv is empty"),
        (["main.py"], ["python", "main.py"], "", "sys.executable"),
        (["-m"], ["python", "-m"], PY, "interactive"),
    ],
    ids=[
        "interactive prompt",
        "stdin script",
        "stdin without orig_argv",
        "-c without orig_argv",
        "empty argv",
        "no executable",
        "dangling -m",
    ],
)
def test_unreproducible_launches_are_refused(
    argv: list[str], orig_argv: list[str] | None, executable: str, reason_fragment: str
) -> None:
    plan = plan_restart(argv, {}, "linux", executable, orig_argv)
    assert isinstance(plan, UnsupportedPlan)
    assert plan.kind == "unsupported"
    assert reason_fragment in plan.reason
    assert plan.describe().startswith("cannot restart automatically")


def test_inputs_are_not_mutated() -> None:
    argv = ["main.py", "--windows-standalone-build"]
    orig = ["python", "-s", "main.py", "--windows-standalone-build"]
    env = {"A": "1"}
    plan_restart(argv, env, "win32", "C:\\p y\\python.exe", orig)
    assert argv == ["main.py", "--windows-standalone-build"]
    assert orig == ["python", "-s", "main.py", "--windows-standalone-build"]
    assert env == {"A": "1"}


def test_planner_is_pure() -> None:
    # plan_restart must be a function of its arguments: no os, sys, subprocess or file access.
    source = Path(__file__).resolve().parents[3] / "backend" / "actions" / "restart" / "planner.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {
        "__future__",
        "collections",
        "dataclasses",
        "ntpath",
        "posixpath",
        "shlex",
        "types",
        "typing",
    }
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert "open" not in called
