"""The pack's __init__.py inside a simulated ComfyUI: routes at import, never raises, degrades loudly once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: a fake `server` module stands in for ComfyUI's PromptServer, and the
# listed libraries are made unimportable (sys.modules[name] = None makes `import name` raise).
SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, logging, sys, types
    from aiohttp import web

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for name in BLOCKED:
        sys.modules[name] = None

    class PromptServer:
        instance = None
        def __init__(self):
            self.routes = web.RouteTableDef()
            self.sockets = {}
            self.sent = []
        def send_sync(self, event, data, sid=None):
            self.sent.append(event)

    server = types.ModuleType("server")
    server.PromptServer = PromptServer
    PromptServer.instance = PromptServer()
    sys.modules["server"] = server
    # ComfyUI's user directory: the plugin keeps its files (history.sqlite) there, never in the checkout.
    import atexit, shutil, tempfile
    folder_paths = types.ModuleType("folder_paths")
    USER_DIR = tempfile.mkdtemp(prefix="swissarmyknife-entry-")
    atexit.register(shutil.rmtree, USER_DIR, True)  # runs after the plugin's own atexit close
    folder_paths.get_user_directory = lambda: USER_DIR
    sys.modules["folder_paths"] = folder_paths

    spec = importlib.util.spec_from_file_location(
        "comfyui_swissarmyknife_pack", ROOT + "/__init__.py", submodule_search_locations=[ROOT])
    pack = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = pack
    spec.loader.exec_module(pack)
    plugin = pack._PLUGIN
    snapshot = plugin.sampler.sample_once()
    caps = plugin.sampler.capabilities()
    plugin.stop()
    print(json.dumps({
        "web_directory": pack.WEB_DIRECTORY,
        "nodes": pack.NODE_CLASS_MAPPINGS,
        "routes": sorted({(r.method, r.path) for r in PromptServer.instance.routes}),
        "ram_total": snapshot.ram_total_bytes,
        "psutil": caps[0].psutil_available if caps else None,
        "gpus": len(caps[1].devices) if caps else None,
    }))
    """
)


def _run(blocked: list[str]) -> tuple[dict[str, object], str]:
    code = f"BLOCKED = {blocked!r}\nROOT = {str(ROOT)!r}\n" + SCRIPT
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_import_registers_routes_and_names_comfyui_needs() -> None:
    result, log = _run([])
    assert result["web_directory"] == "./dist"
    assert result["nodes"] == {}
    assert ["*", "/swissarmyknife/monitor/status"] in result["routes"]
    assert ["*", "/swissarmyknife/openapi.json"] in result["routes"]
    assert result["psutil"] is True
    assert "[SwissArmyKnife] resource monitor" in log


def test_import_survives_every_optional_library_missing() -> None:
    result, log = _run(["psutil", "pynvml", "torch", "cpuinfo"])
    assert ["*", "/swissarmyknife/monitor/status"] in result["routes"]
    assert result["psutil"] is False
    assert result["ram_total"] is None, "without psutil RAM is unknown (None), never 0"
    assert result["gpus"] == 0
    for library in ("psutil", "pynvml", "torch", "cpuinfo"):
        lines = [line for line in log.splitlines() if "[SwissArmyKnife]" in line and library in line]
        assert len(lines) == 1, f"{library}: expected one log line, got {lines}"
    assert "Traceback" not in log


def test_import_outside_comfyui_registers_nothing_and_does_not_raise() -> None:
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('pack', {str(ROOT)!r} + '/__init__.py', "
        f"submodule_search_locations=[{str(ROOT)!r}])\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['pack'] = m; spec.loader.exec_module(m)\n"
        "print(m._PLUGIN)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None"
