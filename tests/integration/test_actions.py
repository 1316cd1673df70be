"""Against a real ComfyUI: the guards answer inside ComfyUI, exposure is read from its arguments, clear
VRAM runs, and a restart brings the same server back on the same port with the same arguments.

The restart runs on a ComfyUI of this module's own (the session's shared one is never restarted),
started with ``--enable-cors-header`` and the opt-in: ComfyUI's own origin check is then off, so
only the plugin's guard stands between a cross-site page and the restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.actions import ALLOW_REMOTE_ENV
from backend.api.guards import TOKEN_HEADER
from backend.schemas import ClearVramResult, ErrorBody, SessionInfo
from tests.support.comfyui_server import (
    ROOT,
    ComfyServer,
    comfyui_paths,
    request,
    session,
    start_comfyui,
    stop_comfyui,
    token_headers,
)

pytestmark = pytest.mark.comfyui

RESTART_TIMEOUT_S = 240.0
CORS_ORIGIN = "http://cors.example"


def answers(server: ComfyServer) -> bool:
    try:
        return server.get("/system_stats", timeout_s=2)[0] == 200
    except OSError:
        return False


def cmdline(pid: int) -> list[str] | None:
    path = Path(f"/proc/{pid}/cmdline")
    return path.read_bytes().decode().split("\0")[:-1] if path.exists() else None


# --- on the session's shared ComfyUI (no restart) ----------------------------------------------


def test_session_and_refusals_inside_comfyui(comfyui: ComfyServer) -> None:
    info = session(comfyui)
    assert info.actions_allowed, info.actions_refused_reason
    assert info.restart_kind == "exec"
    assert "main.py" in info.restart_description
    assert info.queue.running == 0

    status, body, _ = request(comfyui, "GET", "/api/swissarmyknife/restart")
    assert status == 405 and ErrorBody.model_validate(body).error == "method_not_allowed"
    status, body, _ = request(
        comfyui, "POST", "/api/swissarmyknife/restart", b"{}", headers={"Content-Type": "application/json"}
    )
    assert status == 403 and TOKEN_HEADER in ErrorBody.model_validate(body).message
    headers = token_headers(comfyui)
    status, body, _ = request(
        comfyui, "POST", "/swissarmyknife/restart", b"{}", headers={**headers, "Content-Type": "text/plain"}
    )
    assert status == 415 and ErrorBody.model_validate(body).error == "unsupported_media_type"
    status, body, _ = request(
        comfyui, "POST", "/swissarmyknife/restart", b"{}", headers={**headers, TOKEN_HEADER: "forged"}
    )
    assert status == 403
    # ComfyUI's own middleware refuses a cross-site request before the plugin sees it.
    status, _, _ = request(
        comfyui,
        "POST",
        "/api/swissarmyknife/restart",
        b"{}",
        headers={**headers, "Origin": "http://evil.example"},
    )
    assert status == 403
    assert session(comfyui).boot_id == info.boot_id, "nothing restarted"


# --- exposure from ComfyUI's real argument parser ------------------------------------------------

EXPOSURE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["main.py", *json.loads(sys.argv[1])]
    import comfy.options
    comfy.options.enable_args_parsing()  # as main.py does, so cli_args parses sys.argv
    from comfy.cli_args import args  # noqa: F401
    from backend.host.comfyui import ComfyHost
    exposure = ComfyHost(None).exposure()
    result = {"listen": exposure.listen, "cors": exposure.cors_origin, "ok": exposure.loopback_only}
    print(json.dumps(result))
    """
)


@pytest.mark.parametrize(
    ("argv", "listen", "cors", "loopback_only"),
    [
        ([], ["127.0.0.1"], None, True),
        (["--listen"], ["0.0.0.0", "::"], None, False),
        (["--listen", "0.0.0.0"], ["0.0.0.0"], None, False),
        (["--listen", "127.0.0.1,::1"], ["127.0.0.1", "::1"], None, True),
        (["--enable-cors-header"], ["127.0.0.1"], "*", False),
        (["--enable-cors-header", "http://x.test"], ["127.0.0.1"], "http://x.test", False),
    ],
)
def test_exposure_is_read_from_comfyui_arguments(
    argv: list[str], listen: list[str], cors: str | None, loopback_only: bool
) -> None:
    paths = comfyui_paths()
    if paths is None:
        pytest.skip("needs COMFYUI_DIR and COMFYUI_PYTHON")
    comfy_dir, python = paths
    out = subprocess.run(
        [str(python), "-c", EXPOSURE_SCRIPT, json.dumps(argv)],
        cwd=comfy_dir,
        # ComfyUI's modules from its folder (the working directory), the pack's from the checkout.
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(comfy_dir), str(ROOT)])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"listen": listen, "cors": cors, "ok": loopback_only}


# --- a ComfyUI of this module's own, restarted ---------------------------------------------------


@pytest.fixture(scope="module")
def own_comfyui() -> Iterator[ComfyServer]:
    paths = comfyui_paths()
    if paths is None:
        pytest.skip("integration tests need a real ComfyUI: set COMFYUI_DIR and COMFYUI_PYTHON")
    env = {**os.environ, ALLOW_REMOTE_ENV: "1", "PYTHONUNBUFFERED": "1"}
    try:
        server = start_comfyui(*paths, extra_args=["--enable-cors-header", CORS_ORIGIN], env=env)
    except RuntimeError as err:
        pytest.fail(str(err))
    try:
        yield server
    finally:
        stop_comfyui(server)


def test_with_cors_open_only_the_plugin_guard_refuses_cross_site(own_comfyui: ComfyServer) -> None:
    info = session(own_comfyui)
    assert info.actions_allowed, "the opt-in allows actions although CORS is open"
    headers = token_headers(own_comfyui)
    status, body, got = request(
        own_comfyui,
        "POST",
        "/api/swissarmyknife/restart",
        b"{}",
        headers={**headers, "Origin": "http://evil.example"},
    )
    assert got.get("Access-Control-Allow-Origin") == CORS_ORIGIN, "ComfyUI's CORS middleware is on"
    assert status == 403
    assert ErrorBody.model_validate(body).details[0].location == "header.Origin"
    status, body, _ = request(
        own_comfyui, "GET", "/api/swissarmyknife/session", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert status == 403 and info.token not in json.dumps(body)
    assert session(own_comfyui).boot_id == info.boot_id


def test_clear_vram_inside_comfyui(own_comfyui: ComfyServer) -> None:
    status, body, _ = request(
        own_comfyui,
        "POST",
        "/api/swissarmyknife/monitor/clear-vram",
        b"{}",
        headers=token_headers(own_comfyui),
    )
    assert status == 200, body
    result = ClearVramResult.model_validate(body)
    assert result.models_unloaded == 0  # nothing was loaded on this CPU host
    assert "Cleared VRAM" in own_comfyui.log()


def test_restart_brings_the_same_server_back(own_comfyui: ComfyServer) -> None:
    """Last in this module: it restarts the module's ComfyUI."""
    before = session(own_comfyui)
    pid = own_comfyui.process.pid
    args_before = cmdline(pid)
    status, body, _ = request(
        own_comfyui, "POST", "/api/swissarmyknife/restart", b"{}", headers=token_headers(own_comfyui)
    )
    assert status == 202, body
    assert body["kind"] == "exec"

    # Poll until another process answers (its boot id differs), the way the page does.
    deadline = time.monotonic() + RESTART_TIMEOUT_S
    after: SessionInfo | None = None
    while time.monotonic() < deadline:
        if own_comfyui.process.poll() is not None:
            pytest.fail(f"ComfyUI exited instead of restarting:\n{own_comfyui.log()[-4000:]}")
        if answers(own_comfyui):
            try:
                after = session(own_comfyui)
            except (AssertionError, OSError):
                after = None
            if after is not None and after.boot_id != before.boot_id:
                break
        time.sleep(0.5)
    else:
        pytest.fail(
            f"ComfyUI did not come back within {RESTART_TIMEOUT_S:.0f} s:\n{own_comfyui.log()[-4000:]}"
        )

    assert after is not None
    assert after.actions_allowed, "the opt-in survived the restart (same environment)"
    if sys.platform.startswith("linux"):
        assert own_comfyui.process.pid == pid
        assert cmdline(pid) == args_before, "same interpreter, script and arguments"
    log = own_comfyui.log()
    assert "Restarting: re-exec" in log
    assert log.count("ready (comfyui)") == 2, log[-4000:]
    # Same port: it answered on the URL the fixture knows; the plugin's routes are back too.
    assert own_comfyui.get("/api/swissarmyknife/monitor/status")[0] == 200
