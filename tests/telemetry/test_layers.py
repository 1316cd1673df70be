"""Layering: which telemetry module may import which library, and that importing the package is free."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "backend" / "telemetry"

# Hardware libraries, each owned by one source module, imported inside a function only.
OWNERS = {
    "psutil": "cpu.py",
    "cpuinfo": "cpu.py",
    "pynvml": "nvml.py",
    "amdsmi": "amd.py",
    "torch": "torch_devices.py",
}
FORBIDDEN = {"aiohttp", "server", "execution", "folder_paths", "comfy", "comfy_execution", "nodes", "backend"}
ALLOWED_THIRD_PARTY: set[str] = set()  # schemas own pydantic; telemetry needs no other package


def imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level module, imported at module level) for every absolute import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = set(map(id, tree.body))
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], id(node) in top_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], id(node) in top_level))
    return found


def test_each_library_is_imported_only_by_its_source_module_and_lazily() -> None:
    problems: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        for module, at_top in imports(path):
            if module in FORBIDDEN:
                problems.append(
                    f"{path.name} imports {module} (use relative imports; no ComfyUI/aiohttp here)"
                )
            elif module in OWNERS:
                if OWNERS[module] != path.name:
                    problems.append(f"{path.name} imports {module}; only {OWNERS[module]} may")
                elif at_top:
                    problems.append(f"{path.name} imports {module} at module level; import it lazily")
            elif (
                module not in sys.stdlib_module_names
                and module != "__future__"
                and module not in ALLOWED_THIRD_PARTY
            ):
                problems.append(f"{path.name} imports third-party {module}")
    assert problems == []


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import psutil\nfrom aiohttp import web\n\ndef f():\n    import torch\n")
    assert imports(bad) == [("psutil", True), ("aiohttp", True), ("torch", False)]


def test_importing_the_package_imports_no_hardware_library() -> None:
    code = (
        "import json, sys, time\n"
        "start = time.perf_counter()\n"
        "import backend.telemetry\n"
        "from backend.telemetry import Sampler, TelemetrySources\n"
        "Sampler(TelemetrySources.default())\n"
        "elapsed = time.perf_counter() - start\n"
        "names = ('psutil', 'cpuinfo', 'pynvml', 'amdsmi', 'torch', 'aiohttp')\n"
        "print(json.dumps({'loaded': [m for m in names if m in sys.modules], 'elapsed_s': elapsed}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
    # Constructing the default sampler must not touch hardware (cpuinfo alone takes ~1 s).
    assert report["elapsed_s"] < 0.5
