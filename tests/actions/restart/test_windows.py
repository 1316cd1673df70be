"""Windows restarts: arguments pre-quoted so the command line the C runtime re-joins splits back exactly."""

from __future__ import annotations

import random
import subprocess

import pytest

from backend.actions.restart import ExecPlan, plan_restart, quote_windows_arg


def _split_program_name(command_line: str) -> tuple[str, int]:
    """Read argv[0]: quotes delimit, backslashes are literal (a path cannot hold a quote)."""
    program: list[str] = []
    in_quotes = False
    index = 0
    while index < len(command_line):
        char = command_line[index]
        if char == '"':
            in_quotes = not in_quotes
        elif char in " \t" and not in_quotes:
            break
        else:
            program.append(char)
        index += 1
    return "".join(program), index


def _split_argument(command_line: str, index: int) -> tuple[str, int]:
    """Read one later argument starting at ``index``; return it and the index after it."""
    length = len(command_line)
    arg: list[str] = []
    in_quotes = False
    while index < length:
        char = command_line[index]
        if char in " \t" and not in_quotes:
            break
        if char == "\\":
            end = index
            while end < length and command_line[end] == "\\":
                end += 1
            count = end - index
            if end < length and command_line[end] == '"':
                # 2n backslashes + quote: n backslashes, the quote toggles; 2n+1: n and a literal quote.
                arg.append("\\" * (count // 2) + ('"' if count % 2 else ""))
                index = end + 1 if count % 2 else end
            else:
                arg.append("\\" * count)
                index = end
        elif char == '"' and in_quotes and command_line[index + 1 : index + 2] == '"':
            arg.append('"')  # "" inside quotes is a literal quote (msvcr 2008+)
            index += 2
        elif char == '"':
            in_quotes = not in_quotes
            index += 1
        else:
            arg.append(char)
            index += 1
    return "".join(arg), index


def split_windows_command_line(command_line: str) -> list[str]:
    """Split a command line the way the MS C runtime builds a new process's ``argv``.

    Written from the documented rules, independently of the code under test.
    """
    program, index = _split_program_name(command_line)
    args = [program]
    while True:
        while index < len(command_line) and command_line[index] in " \t":
            index += 1
        if index >= len(command_line):
            return args
        arg, index = _split_argument(command_line, index)
        args.append(arg)


QUOTING_CASES = [
    ("plain", "plain"),
    ("", '""'),
    ("with space", '"with space"'),
    ("tab\there", '"tab\there"'),
    ('say "hi"', '"say \\"hi\\""'),
    ('no"space', 'no\\"space'),
    ("C:\\dir\\file", "C:\\dir\\file"),
    ("C:\\no space\\", '"C:\\no space\\\\"'),
    ("C:\\nospace\\", "C:\\nospace\\"),
    ("C:\\two\\\\", "C:\\two\\\\"),
    ("C:\\sp ace\\\\", '"C:\\sp ace\\\\\\\\"'),
    ('back\\"quote', 'back\\\\\\"quote'),
    ('a b\\"c', '"a b\\\\\\"c"'),
    ("G:\\WORKSPACE_AI\\GLOBAL OUTPUT", '"G:\\WORKSPACE_AI\\GLOBAL OUTPUT"'),
    ("--output-directory=D:\\My Outputs\\", '"--output-directory=D:\\My Outputs\\\\"'),
]


@pytest.mark.parametrize(("arg", "quoted"), QUOTING_CASES, ids=[repr(arg) for arg, _ in QUOTING_CASES])
def test_quote_windows_arg(arg: str, quoted: str) -> None:
    assert quote_windows_arg(arg) == quoted
    assert quote_windows_arg(arg) == subprocess.list2cmdline([arg])
    assert split_windows_command_line(f"prog.exe {quote_windows_arg(arg)}") == ["prog.exe", arg]


def test_quote_windows_arg_round_trips_random_arguments() -> None:
    rng = random.Random(20240427)
    alphabet = ['"', "\\", " ", "\t", "a", "é", ":", "=", "-", "'"]
    for _ in range(3000):
        args = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 4))
        ]
        line = "python.exe " + " ".join(quote_windows_arg(arg) for arg in args)
        assert split_windows_command_line(line) == ["python.exe", *args], line
        assert " ".join(quote_windows_arg(arg) for arg in args) == subprocess.list2cmdline(args)


PORTABLE = "D:\\AI\\ComfyUI_windows_portable"
EMBEDDED = PORTABLE + "\\python_embeded\\python.exe"


def test_portable_build_keeps_dash_s_and_drops_standalone_flag() -> None:
    plan = plan_restart(
        ["ComfyUI\\main.py", "--windows-standalone-build", "--listen", "0.0.0.0", "--port", "8190"],
        {"PATH": "C:\\Windows"},
        "win32",
        EMBEDDED,
        [
            ".\\python_embeded\\python.exe",
            "-s",
            "ComfyUI\\main.py",
            "--windows-standalone-build",
            "--listen",
            "0.0.0.0",
            "--port",
            "8190",
        ],
        main_file=PORTABLE + "\\ComfyUI\\main.py",
        startup_cwd=PORTABLE + "\\ComfyUI\\custom_nodes\\some-node",
    )

    assert isinstance(plan, ExecPlan)
    assert plan.executable == EMBEDDED
    assert plan.args == (EMBEDDED, "-s", "ComfyUI\\main.py", "--listen", "0.0.0.0", "--port", "8190")
    assert plan.dropped_args == ("--windows-standalone-build",)
    # Start directory recovered from __main__.__file__, not from where a custom node chdir'd.
    assert plan.cwd == PORTABLE


@pytest.mark.parametrize(
    ("main_file", "script", "expected_cwd"),
    [
        (
            "D:\\AI\\ComfyUI_windows_portable\\ComfyUI\\main.py",
            "ComfyUI/main.py",
            "D:\\AI\\ComfyUI_windows_portable",
        ),
        (
            "d:\\ai\\comfyui_windows_portable\\comfyui\\MAIN.py",
            "ComfyUI\\main.py",
            "d:\\ai\\comfyui_windows_portable",
        ),
        ("C:\\main.py", "main.py", "C:\\"),
        ("C:\\x\\.\\main.py", ".\\main.py", "C:\\x"),
        ("\\\\server\\share\\ComfyUI\\main.py", "ComfyUI\\main.py", "\\\\server\\share\\"),
        ("C:\\x\\mymain.py", "main.py", None),
        ("C:\\ComfyUI\\main.py", "C:\\ComfyUI\\main.py", None),
    ],
    ids=[
        "forward slashes",
        "case-insensitive",
        "drive root",
        "dot segment",
        "UNC share",
        "coincidence",
        "absolute",
    ],
)
def test_windows_start_directory(main_file: str, script: str, expected_cwd: str | None) -> None:
    plan = plan_restart([script], {}, "win32", EMBEDDED, ["python", script], main_file=main_file)
    assert isinstance(plan, ExecPlan)
    assert plan.cwd == expected_cwd


WINDOWS_CASES = [
    pytest.param(
        "C:\\Program Files\\Python312\\python.exe",
        ["C:\\stable\\ComfyUI\\main.py"],
        ["python", "C:\\stable\\ComfyUI\\main.py"],
        ["C:\\stable\\ComfyUI\\main.py"],
        id="interpreter path with spaces",
    ),
    pytest.param(
        "G:\\COMFY\\python_embeded\\python.exe",
        ["ComfyUI\\main.py", "--use-sage-attention", "--output-directory", "G:\\WORKSPACE_AI\\GLOBAL OUTPUT"],
        [
            "python_embeded\\python.exe",
            "-s",
            "ComfyUI\\main.py",
            "--use-sage-attention",
            "--output-directory",
            "G:\\WORKSPACE_AI\\GLOBAL OUTPUT",
        ],
        [
            "-s",
            "ComfyUI\\main.py",
            "--use-sage-attention",
            "--output-directory",
            "G:\\WORKSPACE_AI\\GLOBAL OUTPUT",
        ],
        id="argument with spaces",
    ),
    pytest.param(
        "D:\\Stability Matrix\\Packages\\ComfyUI\\venv\\Scripts\\python.exe",
        ["D:\\Stability Matrix\\Packages\\ComfyUI\\main.py", "--output-directory", "E:\\out dir\\"],
        [
            "D:\\Stability Matrix\\Packages\\ComfyUI\\venv\\Scripts\\python.exe",
            "D:\\Stability Matrix\\Packages\\ComfyUI\\main.py",
            "--output-directory",
            "E:\\out dir\\",
        ],
        ["D:\\Stability Matrix\\Packages\\ComfyUI\\main.py", "--output-directory", "E:\\out dir\\"],
        id="trailing backslash in a quoted argument",
    ),
    pytest.param(
        "C:\\py\\python.exe",
        ["main.py", "--preview-method", 'say "hi"', "--extra", ""],
        ["C:\\py\\python.exe", "-X", "utf8", "main.py", "--preview-method", 'say "hi"', "--extra", ""],
        ["-X", "utf8", "main.py", "--preview-method", 'say "hi"', "--extra", ""],
        id="embedded quotes and an empty argument",
    ),
    pytest.param(
        "C:\\Users\\Ann Lee\\venv\\Scripts\\python.exe",
        ["C:\\Users\\Ann Lee\\comfy\\comfyui\\__main__.py", "--port", "8188"],
        ["python", "-m", "comfyui", "--port", "8188"],
        ["-m", "comfyui", "--port", "8188"],
        id="python -m with a user name with a space",
    ),
]


@pytest.mark.parametrize(("executable", "argv", "orig_argv", "expected_tail"), WINDOWS_CASES)
def test_windows_args_are_pre_quoted_for_execv(
    executable: str, argv: list[str], orig_argv: list[str], expected_tail: list[str]
) -> None:
    plan = plan_restart(argv, {}, "win32", executable, orig_argv)

    assert isinstance(plan, ExecPlan)
    # os.execv's path is the file to start: never quoted.
    assert plan.executable == executable
    assert plan.args == tuple(quote_windows_arg(arg) for arg in [executable, *expected_tail])
    # The C runtime joins argv with single spaces; the child must see exactly the original items.
    joined = " ".join(plan.args)
    assert split_windows_command_line(joined) == [executable, *expected_tail]
    assert plan.command_line == joined


def test_windows_executable_with_spaces_is_quoted_in_argv0() -> None:
    executable = "C:\\Program Files\\Python312\\python.exe"
    plan = plan_restart(["main.py"], {}, "win32", executable, ["python", "main.py"])
    assert isinstance(plan, ExecPlan)
    assert plan.args[0] == '"C:\\Program Files\\Python312\\python.exe"'
    assert plan.executable == executable


def test_same_launch_is_not_quoted_on_posix() -> None:
    argv = ["main.py", "--output-directory", "G:\\GLOBAL OUTPUT"]
    plan = plan_restart(argv, {}, "linux", "/usr/bin/python3", ["python3", *argv])
    assert isinstance(plan, ExecPlan)
    assert plan.args == ("/usr/bin/python3", "main.py", "--output-directory", "G:\\GLOBAL OUTPUT")


def test_cygwin_uses_posix_rules() -> None:
    # Cygwin/MSYS Pythons pass argv through exec unchanged, like Linux.
    plan = plan_restart(["main.py", "a b"], {}, "cygwin", "/usr/bin/python3", ["python3", "main.py", "a b"])
    assert isinstance(plan, ExecPlan)
    assert plan.args == ("/usr/bin/python3", "main.py", "a b")
