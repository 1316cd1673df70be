"""Layer rules, enforced on the import graph (ruff's banned-api cannot see our own layers).

The table mirrors README.md's "Development" layers: each top-level unit of ``backend/`` and the
units of ours it may import. A unit missing from the table fails, so a new folder has to be placed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"

# Imported by everything: the prefixed logger.
EVERYWHERE = {"log"}
# unit -> the units of ours it may import (besides itself and EVERYWHERE).
LAYERS: dict[str, set[str]] = {
    "schemas": set(),
    "log": set(),
    "version": set(),
    "atomic_file": set(),
    "settings_file": {"atomic_file"},
    "actions": {"schemas"},
    "telemetry": {"schemas", "settings_file"},
    "profiler": {"schemas", "settings_file"},
    "storage": {"schemas", "atomic_file"},
    "metrics": {"schemas"},
    "tracing": {"schemas"},
    # The typed client for integrators: the schemas, nothing of the server.
    "client": {"schemas"},
    "api": {"schemas", "settings_file", "actions", "metrics", "profiler", "storage", "telemetry"},
    "host": {"schemas", "actions", "profiler", "telemetry", "version"},
    # The composition roots: the plugin inside a host, and the standalone host's entry.
    "plugin": {
        "schemas",
        "actions",
        "api",
        "host",
        "metrics",
        "profiler",
        "storage",
        "telemetry",
        "tracing",
        "version",
    },
    "__main__": {"api", "host", "plugin", "profiler", "telemetry"},
    "__init__": set(),
}
COMFY_MODULES = {"server", "execution", "folder_paths", "comfy", "comfy_execution", "nodes", "comfy_api"}
HARDWARE_MODULES = {"psutil", "pynvml", "cpuinfo", "amdsmi"}
# third-party module group -> the units that may import it.
THIRD_PARTY_OWNERS: list[tuple[set[str], set[str]]] = [
    (COMFY_MODULES, {"host"}),
    ({"aiohttp"}, {"api", "host", "client"}),
    (HARDWARE_MODULES, {"telemetry"}),
    ({"prometheus_client"}, {"metrics"}),
    ({"opentelemetry"}, {"tracing"}),
]
SCHEMA_LIBRARIES = {
    "pydantic",
    "pydantic_core",
    "typing",
    "__future__",
    "enum",
    "dataclasses",
    "datetime",
    "typing_extensions",
    "re",
}


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (not imported at run time)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            found.update(id(child) for child in ast.walk(node))
    return found


def _imports(path: Path, root: Path = ROOT) -> Iterator[tuple[str, int]]:
    """(absolute module name, level) per import; relative ones resolved against the file, and
    ``from . import name`` to the submodule ``name`` where there is one."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = path.relative_to(root).with_suffix("").parts[:-1]
    skipped = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                yield node.module or "", 0
                continue
            base = package[: len(package) - node.level + 1]
            name = ".".join([*base, node.module] if node.module else base)
            folder = root.joinpath(*name.split("."))
            for alias in node.names:
                if (folder / f"{alias.name}.py").exists() or (folder / alias.name / "__init__.py").exists():
                    yield f"{name}.{alias.name}", node.level
                else:
                    yield name, node.level


def _unit(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root / "backend").with_suffix("").parts
    return parts[0]


def _top(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def _our_unit(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "backend" and len(parts) > 1 else None


def layer_violations(paths: list[Path], root: Path = ROOT) -> list[str]:
    """Every import of one of our units that the table does not allow."""
    offenders = []
    for path in paths:
        unit = _unit(path, root)
        allowed = LAYERS.get(unit)
        where = path.relative_to(root).as_posix()
        if allowed is None:
            offenders.append(f"{where}: unit {unit!r} is not in the layer table")
            continue
        for name, level in _imports(path, root):
            target = _our_unit(name) if level else None
            if target is not None and target != unit and target not in allowed | EVERYWHERE:
                offenders.append(f"{where} ({unit}) imports {name}")
    return offenders


def test_each_unit_imports_only_the_layers_below_it() -> None:
    offenders = layer_violations(_modules(BACKEND))
    assert not offenders, offenders


def test_the_layer_test_fails_on_a_wrong_import(tmp_path: Path) -> None:
    # Guards the guard: host/ importing api/ (what issue 12 removed) must be reported, and a unit
    # the table does not know must be placed in it.
    offender = tmp_path / "backend" / "host" / "wrong.py"
    stray = tmp_path / "backend" / "misc" / "thing.py"
    for path in (offender, stray):
        path.parent.mkdir(parents=True)
    offender.write_text("from ..api import RouteSpec\nfrom ..actions import Exposure\nfrom .. import log\n")
    stray.write_text("")
    assert layer_violations([offender, stray], tmp_path) == [
        "backend/host/wrong.py (host) imports backend.api",
        "backend/misc/thing.py: unit 'misc' is not in the layer table",
    ]


@pytest.mark.parametrize(("libraries", "owners"), THIRD_PARTY_OWNERS)
def test_third_party_libraries_stay_in_their_units(libraries: set[str], owners: set[str]) -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _modules(BACKEND)
        if _unit(p) not in owners
        for name, level in _imports(p)
        if level == 0 and _top(name) in libraries
    ]
    assert not offenders, offenders


def test_schemas_are_a_leaf() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _modules(BACKEND / "schemas")
        for name, level in _imports(p)
        if (level and not name.startswith("backend.schemas"))
        or (not level and _top(name) not in SCHEMA_LIBRARIES)
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


def _import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _modules(BACKEND)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for target, level in _imports(path):
            if level and target in modules and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    # A package's __init__ re-exporting its modules is an edge down, never back up: a module that
    # imports its own package's __init__ (or a sibling importing it back) shows here.
    assert import_cycles(_import_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_layer_test_sees_relative_imports() -> None:
    # Guards the guard: the resolver must map `from ..schemas import X` to backend.schemas.
    names = [name for name, level in _imports(BACKEND / "api" / "monitor.py") if level]
    assert "backend.schemas" in names
