"""Decide how to restart this ComfyUI process, as a pure function of its argv, environment and platform."""

from __future__ import annotations

import ntpath
import posixpath
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

# comfy-cli runs ComfyUI in a loop and restarts it when this file exists after the process exits:
# https://github.com/Comfy-Org/comfy-cli/blob/main/comfy_cli/command/launch.py (launch_comfyui).
COMFY_CLI_SESSION_ENV = "__COMFY_CLI_SESSION__"
COMFY_CLI_MARKER_SUFFIX = ".reboot"
# comfy-cli ignores the exit status when the marker exists; 0 keeps its foreground mode quiet
# (it exits with the child's status when there is no marker, i.e. if the marker write raced).
COMFY_CLI_EXIT_CODE = 0

# Set by ComfyUI Desktop (Electron) in the server's environment; the app owns the Python process.
DESKTOP_VERSION_ENV = "__COMFYUI_DESKTOP_VERSION__"

# Both make ComfyUI open a new browser tab on start (comfy/cli_args.py: windows_standalone_build
# implies auto_launch), but a restart is asked for from a tab that reconnects by itself.
DROPPED_ARGS = ("--windows-standalone-build", "--auto-launch")

# CPython options whose value may be the next token (python -W error, -X utf8, -m pkg, -c code).
_SHORT_OPTIONS_WITH_VALUE = frozenset("WX")
_LONG_OPTIONS_WITH_VALUE = frozenset({"--check-hash-based-pycs"})

_Target = Literal["script", "module", "command", "stdin"]


@dataclass(frozen=True, kw_only=True)
class ExecPlan:
    """Replace this process with the same interpreter, options, script and arguments.

    Attributes:
        executable: The interpreter to run (``sys.executable``), unquoted, as ``os.execv``'s path.
        args: The argv handed to ``os.execv``; on Windows every item is already quoted because the
            C runtime joins them with spaces into one command line without quoting them.
        cwd: The directory ComfyUI was started from, to return to before exec (relative script
            paths and arguments depend on it), or ``None`` to stay where the process is.
        command_line: The command as a user would type it, for logs and the UI.
        dropped_args: Arguments of the running process that the restart leaves out.
        notes: Caveats a user may need to know (e.g. interpreter options could not be recovered).
    """

    kind: Literal["exec"] = "exec"
    executable: str
    args: tuple[str, ...]
    cwd: str | None
    command_line: str
    dropped_args: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """Return one line saying what the restart will run."""
        parts = [f"re-exec {self.command_line}"]
        if self.cwd is not None:
            parts.append(f"in {self.cwd}")
        text = " ".join(parts)
        if self.dropped_args:
            text += f" (dropped {', '.join(self.dropped_args)})"
        for note in self.notes:
            text += f"; {note}"
        return text


@dataclass(frozen=True, kw_only=True)
class CliRebootPlan:
    """Under comfy-cli: write ``<session>.reboot`` and exit; comfy-cli starts ComfyUI again.

    Attributes:
        marker_path: The file whose existence tells comfy-cli to relaunch.
        exit_code: The status to exit with.
    """

    kind: Literal["comfy_cli"] = "comfy_cli"
    marker_path: str
    exit_code: int = COMFY_CLI_EXIT_CODE

    def describe(self) -> str:
        """Return one line saying what the restart will do."""
        return f"comfy-cli restart: write {self.marker_path} and exit with status {self.exit_code}"


@dataclass(frozen=True, kw_only=True)
class DesktopPlan:
    """Under ComfyUI Desktop: the browser calls ``window.electronAPI.restartApp()``; the server does nothing.

    Re-executing here would leave an orphan Desktop no longer supervises, holding the port.

    Attributes:
        desktop_version: The value of ``__COMFYUI_DESKTOP_VERSION__``.
    """

    kind: Literal["desktop"] = "desktop"
    desktop_version: str

    def describe(self) -> str:
        """Return one line saying who restarts the server."""
        return (
            f"ComfyUI Desktop {self.desktop_version}: the app restarts the server "
            "(window.electronAPI.restartApp()); the server does nothing itself"
        )


@dataclass(frozen=True, kw_only=True)
class UnsupportedPlan:
    """The command that started this process cannot be reproduced; the user restarts by hand.

    Attributes:
        reason: Why, in words a user can act on.
    """

    kind: Literal["unsupported"] = "unsupported"
    reason: str

    def describe(self) -> str:
        """Return one line saying why no automatic restart is possible."""
        return f"cannot restart automatically: {self.reason}"


RestartPlan = ExecPlan | CliRebootPlan | DesktopPlan | UnsupportedPlan


def quote_windows_arg(arg: str) -> str:
    """Quote one argument so that the MS C runtime parses it back to exactly ``arg``.

    Same rules as ``subprocess.list2cmdline`` for a single item: quote when the argument is empty
    or holds a space or tab; backslashes are literal except right before a double quote (inside
    the argument or the closing quote we add), where they are doubled and the quote escaped.

    Args:
        arg: The argument as the new process should see it in ``sys.argv``.

    Returns:
        The argument ready to be joined with spaces into a Windows command line.
    """
    needs_quotes = not arg or " " in arg or "\t" in arg
    out: list[str] = ['"'] if needs_quotes else []
    backslashes = 0
    for char in arg:
        if char == "\\":
            backslashes += 1
            continue
        if char == '"':
            out.append("\\" * (backslashes * 2 + 1) + '"')
        else:
            out.append("\\" * backslashes + char)
        backslashes = 0
    if needs_quotes:
        # Backslashes before our closing quote would escape it: double them.
        out.append("\\" * (backslashes * 2) + '"')
    else:
        out.append("\\" * backslashes)
    return "".join(out)


def _parse_interpreter_args(orig_argv: Sequence[str]) -> tuple[_Target, int, str] | None:
    """Find where the interpreter's own options end in ``sys.orig_argv``.

    Returns:
        ``(target, end, value)``: how Python was told what to run, the index in ``orig_argv`` just
        past that (``orig_argv[1:end]`` are the options and the target, verbatim), and the script
        path, module name or command; ``None`` when nothing was given (an interactive prompt).
    """
    index = 1
    count = len(orig_argv)
    while index < count:
        token = orig_argv[index]
        if token == "-":
            return "stdin", index + 1, ""
        if token == "--":
            if index + 1 < count:
                return "script", index + 2, orig_argv[index + 1]
            return None
        if not token.startswith("-"):
            return "script", index + 1, token
        if token.startswith("--"):
            if token in _LONG_OPTIONS_WITH_VALUE:
                index += 1
            index += 1
            continue
        # A cluster of short options such as -sB, -sWerror, -sm pkg or -mpkg.
        consumed_next = False
        for position in range(1, len(token)):
            letter = token[position]
            inline_value = token[position + 1 :]
            if letter in "mc":
                target: _Target = "module" if letter == "m" else "command"
                if inline_value:
                    return target, index + 1, inline_value
                if index + 1 < count:
                    return target, index + 2, orig_argv[index + 1]
                return None
            if letter in _SHORT_OPTIONS_WITH_VALUE:
                consumed_next = not inline_value
                break
        index += 2 if consumed_next else 1
    return None


def _infer_launch_cwd(script: str, main_file: str | None, pathmod: ModuleType) -> str | None:
    """Recover the start directory from a relative script path and the absolute ``__main__.__file__``.

    Python 3.9+ stores ``__main__.__file__`` as the start directory joined with the script path
    typed, while ``sys.argv[0]`` keeps what was typed; the difference survives any later
    ``os.chdir`` by a custom node (a known cause of broken restarts).
    """
    if not main_file or not script or pathmod.isabs(script) or not pathmod.isabs(main_file):
        return None
    script_norm = pathmod.normpath(script)
    if script_norm == pathmod.pardir or script_norm.startswith(pathmod.pardir + pathmod.sep):
        return None
    main_norm = pathmod.normpath(main_file)
    if not pathmod.normcase(main_norm).endswith(pathmod.normcase(script_norm)):
        return None
    prefix = main_norm[: len(main_norm) - len(script_norm)]
    if not prefix.endswith(pathmod.sep):
        return None  # "/x/mymain.py" ends with "main.py" by coincidence, not as a path suffix.
    # dirname of "<prefix>_" strips the trailing separator but keeps roots like "/" or "C:\".
    result: str = pathmod.dirname(prefix + "_")
    return result


def plan_restart(
    argv: Sequence[str],
    env: Mapping[str, str],
    platform: str,
    executable: str,
    orig_argv: Sequence[str] | None = None,
    *,
    main_file: str | None = None,
    startup_cwd: str | None = None,
) -> RestartPlan:
    """Work out how to restart the ComfyUI server described by these process facts.

    Pure: reads only its arguments, so every launch shape is testable on any OS.

    Order of precedence: ComfyUI Desktop (the app supervises the process), then comfy-cli (it
    relaunches when a marker file exists), then re-executing the same command line.

    Args:
        argv: ``sys.argv``; ``argv[1:]`` are ComfyUI's arguments and are kept, minus
            ``DROPPED_ARGS``.
        env: ``os.environ``.
        platform: ``sys.platform``; ``"win32"`` switches to Windows quoting and path rules.
        executable: ``sys.executable``, the interpreter to run again.
        orig_argv: ``sys.orig_argv`` (Python 3.10+), from which interpreter options such as
            ``-s`` and the ``-m module`` form are recovered. Without it, options are lost and a
            ``python -m`` launch is guessed from a ``__main__.py`` path.
        main_file: ``__main__.__file__``, used to find the start directory of a relative script.
        startup_cwd: The working directory recorded when the plugin loaded, used when the start
            directory cannot be recovered from ``main_file``.

    Returns:
        The plan; ``UnsupportedPlan`` when the original command cannot be reproduced.
    """
    desktop_version = env.get(DESKTOP_VERSION_ENV)
    if desktop_version:
        return DesktopPlan(desktop_version=desktop_version)

    session = env.get(COMFY_CLI_SESSION_ENV)
    if session:
        return CliRebootPlan(marker_path=session + COMFY_CLI_MARKER_SUFFIX)

    windows = platform == "win32"
    pathmod: ModuleType = ntpath if windows else posixpath

    if not executable:
        return UnsupportedPlan(reason="the Python executable is unknown (sys.executable is empty)")
    if not argv:
        return UnsupportedPlan(reason="sys.argv is empty (Python embedded in another program)")

    notes: list[str] = []
    script: str | None = None
    if orig_argv is not None and len(orig_argv) > 0:
        parsed = _parse_interpreter_args(orig_argv)
        if parsed is None:
            return UnsupportedPlan(reason="Python was started without a script (interactive prompt)")
        target, end, value = parsed
        if target == "stdin":
            return UnsupportedPlan(reason="the script was read from standard input")
        prefix = list(orig_argv[1:end])
        if target == "script":
            script = value
    else:
        first = argv[0]
        if first in ("", "-"):
            return UnsupportedPlan(reason="Python was started without a script (interactive or stdin)")
        if first == "-c":
            return UnsupportedPlan(reason="started with python -c and the command is unknown")
        notes.append("interpreter options unknown (no sys.orig_argv), restarting without them")
        if pathmod.basename(first) == "__main__.py":
            # `python -m pkg` leaves the package's __main__.py path in argv[0]; re-running that path
            # as a script breaks the package's relative imports.
            module = pathmod.basename(pathmod.dirname(first))
            prefix = ["-m", module]
            notes.append(f"module name {module!r} guessed from {first}")
        else:
            prefix = [first]
            script = first

    kept: list[str] = []
    dropped: list[str] = []
    for arg in argv[1:]:
        (dropped if arg in DROPPED_ARGS else kept).append(arg)

    cwd = _infer_launch_cwd(script, main_file, pathmod) if script is not None else None
    if cwd is None:
        cwd = startup_cwd

    plain = [executable, *prefix, *kept]
    if windows:
        args = tuple(quote_windows_arg(arg) for arg in plain)
        command_line = " ".join(args)
    else:
        args = tuple(plain)
        command_line = shlex.join(args)
    return ExecPlan(
        executable=executable,
        args=args,
        cwd=cwd,
        command_line=command_line,
        dropped_args=tuple(dropped),
        notes=tuple(notes),
    )
