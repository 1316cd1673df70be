"""A bench-only ComfyUI custom node: garbage-collector figures, and the pack's hooks on or off.

Loaded into every server of ``bench/comfyui_chain.py`` (with and without the pack alike, so it
costs both the same). A 200-node chain in ComfyUI spends roughly half its time in full (gen 2)
collections of a ~770k-object heap, and whether a run holds one or two of them is most of the
run-to-run noise; these figures let the bench separate that from the hooks' own cost.

    GET  /sak-bench/gc     collections and their time since the last call, each full one with its
                           wall-clock start (epoch ms, as ComfyUI stamps its messages), heap size
    POST /sak-bench/collect  a full collection now, so the next run starts from the collector
                             state every run starts from (between runs only)
    POST /sak-bench/hooks  {"on": bool}: detach or re-attach the pack's hooks (between runs only)
    GET  /sak-bench/heap   live objects by type, functions and classes by the module that defines
                           them, and the loaded module names: what a pack adds to the heap every
                           full collection scans
"""

from __future__ import annotations

import abc
import gc
import os
import sys
import time
from typing import Any

from aiohttp import web
from server import PromptServer  # noqa: TID251 (a ComfyUI node of the bench, not the pack)

# The ballast treatment (SAK_BENCH_BALLAST=N): N inert objects held for the process's life, tracked
# by the collector like a plugin's classes, functions and state (a dict and a list per pair), so a
# run can tell what a heap the pack's size costs any plugin from what the pack's own work costs.
BALLAST = [{"value": [i]} for i in range(int(os.environ.get("SAK_BENCH_BALLAST", "0") or 0) // 2)]

_counts = [0, 0, 0]
_seconds = [0.0, 0.0, 0.0]
_started = [0.0, 0.0]
_full: list[tuple[float, float]] = []  # (start epoch ms, duration ms), newest last, bounded


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter(), time.time()]
        return
    generation = info["generation"]
    seconds = time.perf_counter() - _started[0]
    _counts[generation] += 1
    _seconds[generation] += seconds
    if generation == 2 and len(_full) < 10_000:
        _full.append((_started[1] * 1000, seconds * 1000))


gc.callbacks.append(_on_gc)


def _hooks_module() -> Any | None:
    for name, module in list(sys.modules.items()):
        if name.endswith("backend.host.comfyui_hooks") and hasattr(module, "STATE"):
            return module
    return None


_saved: list[Any] = []


@PromptServer.instance.routes.get("/sak-bench/gc")
async def gc_figures(request: web.Request) -> web.Response:
    body = {
        "collections": list(_counts),
        "ms": [round(s * 1000, 3) for s in _seconds],
        "full": list(_full),
        "objects": len(gc.get_objects()),
        # Bumped by every ABC.register(): each bump empties every ABC's negative isinstance cache.
        "abc_token": abc.get_cache_token(),
    }
    _counts[:] = [0, 0, 0]
    _seconds[:] = [0.0, 0.0, 0.0]
    _full.clear()
    return web.json_response(body)


@PromptServer.instance.routes.post("/sak-bench/collect")
async def collect(request: web.Request) -> web.Response:
    gc.collect()
    return web.json_response({"objects": len(gc.get_objects())})


@PromptServer.instance.routes.post("/sak-bench/hooks")
async def hooks(request: web.Request) -> web.Response:
    module = _hooks_module()
    if module is None:
        return web.json_response({"error": "the pack is not loaded"}, status=409)
    on = bool((await request.json())["on"])
    state = module.STATE
    if not on and state.recorder is not None:
        _saved[:] = [state.recorder, state.probe]
        module.detach()
    elif on and state.recorder is None and _saved:
        module.attach(*_saved)
    return web.json_response({"on": state.recorder is not None})


@PromptServer.instance.routes.get("/sak-bench/heap")
async def heap(request: web.Request) -> web.Response:
    gc.collect()
    objects = gc.get_objects()
    owners: dict[str, int] = {}
    types: dict[str, int] = {}
    for obj in objects:
        kind = type(obj)
        name = f"{kind.__module__}.{kind.__qualname__}"
        types[name] = types.get(name, 0) + 1
        owner = getattr(obj, "__module__", None) if isinstance(obj, type) or callable(obj) else None
        if isinstance(owner, str):
            owners[owner] = owners.get(owner, 0) + 1
    return web.json_response(
        {"objects": len(objects), "modules": sorted(sys.modules), "owned": owners, "types": types}
    )


NODE_CLASS_MAPPINGS: dict[str, Any] = {}
