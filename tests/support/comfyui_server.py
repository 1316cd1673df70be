"""A real ComfyUI on the CPU with this checkout linked into its custom_nodes/ (COMFYUI_DIR/PYTHON)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.api.guards import TOKEN_HEADER
from backend.schemas import SessionInfo
from backend.schemas.profiler import WorkflowRecord

ROOT = Path(__file__).resolve().parents[2]
PACK_NAME = "comfyui-swissarmyknife"
TEST_NODES = "swissarmyknife_test_nodes"
TEST_NODES_DIR = ROOT / "tests" / "integration" / "nodes"
START_TIMEOUT_S = 180.0
#: A frontend other than the one ComfyUI's requirements installed: the `static/` folder of a
#: `comfyui_frontend_package` (e.g. the newest from PyPI, `pip install --no-deps --target DIR
#: comfyui-frontend-package`, then DIR/comfyui_frontend_package/static), passed as `--front-end-root`.
FRONT_END_ROOT_ENV = "COMFYUI_FRONT_END_ROOT"


@dataclass
class ComfyServer:
    """A running ComfyUI: its base URL, base directory and log file."""

    url: str
    base_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def get(self, path: str, timeout_s: float = 10.0) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout_s) as resp:
                body = resp.read()
                status = resp.status
        except urllib.error.HTTPError as err:
            body, status = err.read(), err.code
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")

    def post(self, path: str, payload: Any, timeout_s: float = 10.0, method: str = "POST") -> tuple[int, Any]:
        """Send ``payload`` as JSON (POST, or ``method``); the status and the decoded reply."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as resp:
                body, status = resp.read(), resp.status
        except urllib.error.HTTPError as err:
            body, status = err.read(), err.code
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")

    def queue(self, prompt: dict[str, Any], prompt_id: str | None = None) -> str:
        """Queue an API-format prompt (under ``prompt_id`` when given); return its prompt id."""
        payload: dict[str, Any] = {"prompt": prompt}
        if prompt_id is not None:
            payload["prompt_id"] = prompt_id
        status, body = self.post("/prompt", payload)
        assert status == 200, body
        return str(body["prompt_id"])

    def wait_done(self, prompt_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
        """Wait until ComfyUI's own history has the prompt; return that entry."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status, body = self.get(f"/history/{prompt_id}")
            if status == 200 and isinstance(body, dict) and prompt_id in body:
                entry: dict[str, Any] = body[prompt_id]
                if entry.get("status", {}).get("completed") is not None:
                    return entry
            time.sleep(0.1)
        raise AssertionError(f"prompt {prompt_id} did not finish in {timeout_s} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def front_end_args() -> list[str]:
    """ComfyUI's `--front-end-root` when COMFYUI_FRONT_END_ROOT names a frontend, else nothing."""
    root = os.environ.get(FRONT_END_ROOT_ENV)
    if not root:
        return []
    if not (Path(root) / "index.html").is_file():
        raise RuntimeError(f"{FRONT_END_ROOT_ENV}={root} is not a frontend's static folder (no index.html)")
    return ["--front-end-root", root]


def comfyui_paths() -> tuple[Path, Path] | None:
    directory, python = os.environ.get("COMFYUI_DIR"), os.environ.get("COMFYUI_PYTHON")
    if not directory or not python:
        return None
    return Path(directory), Path(python)


def start_comfyui(
    comfy_dir: Path,
    python: Path,
    *,
    with_pack: bool = True,
    base: Path | None = None,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    extra_nodes: Sequence[Path] = (),
    pack_dir: Path = ROOT,
    launcher: Sequence[str] = (),
    start_timeout_s: float = START_TIMEOUT_S,
) -> ComfyServer:
    """Start ComfyUI on the CPU with this checkout (and the test nodes) linked in; wait until it answers.

    Pass the ``base`` and ``port`` of a stopped server to start "the same" ComfyUI again;
    ``extra_nodes`` are more custom-node folders to link in (the benchmarks' probe); ``pack_dir``
    replaces this checkout as the pack (a benchmark's variant of it); ``launcher`` is a command
    that runs ComfyUI's Python (a benchmark's ``valgrind ...``), which may need a longer
    ``start_timeout_s``.
    """
    if base is None:
        base = Path(tempfile.mkdtemp(prefix="swissarmyknife-comfyui-"))
        (base / "custom_nodes").mkdir()
        (base / "custom_nodes" / TEST_NODES).symlink_to(TEST_NODES_DIR / TEST_NODES)
        if with_pack:
            (base / "custom_nodes" / PACK_NAME).symlink_to(pack_dir, target_is_directory=True)
        for folder in extra_nodes:
            (base / "custom_nodes" / folder.name).symlink_to(folder, target_is_directory=True)
    port = port or _free_port()
    log_path = base / "comfyui.log"
    whitelist = [PACK_NAME, TEST_NODES] if with_pack else [TEST_NODES]
    whitelist += [folder.name for folder in extra_nodes]
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [
                *launcher,
                str(python),
                "main.py",
                "--cpu",
                "--listen",
                "127.0.0.1",
                "--port",
                str(port),
                "--disable-auto-launch",
                "--base-directory",
                str(base),
                "--disable-all-custom-nodes",
                "--whitelist-custom-nodes",
                *whitelist,
                "--database-url",
                "sqlite:///:memory:",
                *extra_args,
            ],
            cwd=comfy_dir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    server = ComfyServer(f"http://127.0.0.1:{port}", base, log_path, process)
    deadline = time.monotonic() + start_timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"ComfyUI exited with {process.returncode}:\n{server.log()[-4000:]}")
        try:
            if server.get("/system_stats", timeout_s=2)[0] == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_comfyui(server, remove=False)
            raise RuntimeError(
                f"ComfyUI did not answer within {start_timeout_s:.0f} s:\n{server.log()[-4000:]}"
            )
        time.sleep(0.25)


def stop_comfyui(server: ComfyServer, *, remove: bool = True) -> None:
    """Stop the server's whole process group; with ``remove`` also delete its base directory."""
    process = server.process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if remove:
        shutil.rmtree(server.base_dir, ignore_errors=True)


def request(
    server: ComfyServer,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout_s: float = 20.0,
) -> tuple[int, Any, dict[str, str]]:
    """Any request with raw bytes and headers; the status, the decoded reply and its headers."""
    req = urllib.request.Request(server.url + path, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            raw, status, got = resp.read(), resp.status, dict(resp.headers)
    except urllib.error.HTTPError as err:
        raw, status, got = err.read(), err.code, dict(err.headers)
    try:
        return status, json.loads(raw), got
    except ValueError:
        return status, raw.decode(errors="replace"), got


def session(server: ComfyServer) -> SessionInfo:
    status, body, _ = request(server, "GET", "/api/swissarmyknife/session")
    assert status == 200, body
    return SessionInfo.model_validate(body)


def token_headers(server: ComfyServer, **extra: str) -> dict[str, str]:
    """What the plugin's own page sends with an action: JSON and the session's token."""
    token = session(server).token
    assert token, "actions are allowed on this server"
    return {"Content-Type": "application/json", TOKEN_HEADER: token, **extra}


def record_of(server: ComfyServer, prompt_id: str, timeout_s: float = 10.0) -> WorkflowRecord:
    """The stored record, once the writer thread has it."""
    server.wait_done(prompt_id)
    deadline = time.monotonic() + timeout_s
    while True:
        status, body = server.get(f"/swissarmyknife/profiler/workflows/{prompt_id}")
        if status == 200:
            return WorkflowRecord.model_validate(body)
        assert status == 404, body
        assert time.monotonic() < deadline, f"no record for {prompt_id}"
        time.sleep(0.1)
