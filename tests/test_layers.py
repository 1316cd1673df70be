"""Layer rules, enforced on the import graph (ruff's banned-api cannot see our own layers)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
COMFY_MODULES = {"server", "execution", "folder_paths", "comfy", "comfy_execution", "nodes", "comfy_api"}


def _imports(path: Path) -> list[tuple[str, int]]:
    """(absolute-ish module name, level) for each import; relative ones are resolved against the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
                found.append((name, node.level))
            else:
                found.append((node.module or "", 0))
    return found


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _top(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def test_only_host_imports_comfyui() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _modules(BACKEND)
        if "host" not in p.relative_to(BACKEND).parts[:1]
        for name, level in _imports(p)
        if level == 0 and _top(name) in COMFY_MODULES
    ]
    assert not offenders, offenders


def test_schemas_are_a_leaf() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _modules(BACKEND / "schemas")
        for name, level in _imports(p)
        if (level and not name.startswith("backend.schemas"))
        or (
            not level
            and _top(name)
            not in {"pydantic", "typing", "__future__", "enum", "datetime", "typing_extensions", "re"}
        )
    ]
    assert not offenders, offenders


def test_only_api_and_host_import_aiohttp() -> None:
    allowed = {"api", "host"}
    offenders = [
        f"{p.relative_to(ROOT)} imports aiohttp"
        for p in _modules(BACKEND)
        if p.relative_to(BACKEND).parts[0] not in allowed
        for name, level in _imports(p)
        if level == 0 and _top(name) == "aiohttp"
    ]
    assert not offenders, offenders


def test_hardware_libraries_only_in_telemetry_sources() -> None:
    hardware = {"psutil", "pynvml", "cpuinfo", "amdsmi"}
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _modules(BACKEND)
        if p.relative_to(BACKEND).parts[0] != "telemetry"
        for name, level in _imports(p)
        if level == 0 and _top(name) in hardware
    ]
    assert not offenders, offenders


def test_backend_never_imports_itself_absolutely() -> None:
    # ComfyUI loads the pack under its folder path, so `import backend` would not resolve there.
    offenders = [
        f"{p.relative_to(ROOT)}: import {name}"
        for p in _modules(BACKEND)
        for name, level in _imports(p)
        if level == 0 and _top(name) == "backend"
    ]
    assert not offenders, offenders


def test_layer_test_sees_relative_imports() -> None:
    # Guards the guard: the resolver must map `from ..schemas import X` to backend.schemas.
    names = [name for name, level in _imports(BACKEND / "api" / "monitor.py") if level]
    assert "backend.schemas" in names
