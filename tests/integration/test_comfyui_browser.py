"""Against a real ComfyUI page in chromium: the bar mounts, shows tiles, and glows while a prompt runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, ComfyServer

pytestmark = pytest.mark.comfyui

SCRIPT = Path(__file__).parent / "browser" / "comfyui_page.mjs"
ARTIFACTS = ROOT / "artifacts" / "screenshots"


def test_bar_mounts_and_glows_in_comfyuis_own_frontend(comfyui: ComfyServer) -> None:
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (ROOT / "e2e" / "node_modules" / "playwright-core").exists() or not Path(chromium).exists():
        pytest.skip("needs `npm ci` in e2e/ and chromium (scripts/test sets both up)")
    node = shutil.which("node")
    assert node, "node is needed to drive chromium"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    version = comfyui.get("/system_stats")[1]["system"].get("comfyui_version", "unknown")
    shot = ARTIFACTS / f"comfyui-{version}.png"
    proc = subprocess.run(
        [node, str(SCRIPT), comfyui.url + "/", str(shot)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["state"] == "ready"
    assert report["tiles"][:2] == ["cpu", "ram"]
    assert report["glowWhileRunning"], "the bar glows while a prompt runs"
    assert report["glowCleared"], "and stops when it ends"
    assert report["errors"] == []
    assert shot.exists()
