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
    POST /sak-bench/callgrind-window  under valgrind's callgrind (bench/comfyui_chain_cycles.py):
                           each prompt's ``PromptExecutor.execute`` becomes a counted window,
                           dumped at execution_success and at its end (needs
                           SAK_BENCH_CALLGRIND_LIB, the library built from callgrind_window.c)
    GET  /sak-bench/window  the last window's wall seconds (to execution_success, to the end)
    POST /sak-bench/rss    {"dilation": D}: count the pack's RSS reads, its wall-clock read limits
                           stretched by D (a process under valgrind runs ~200x slower)
    GET  /sak-bench/rss    the pack's RSS reads since the last call
"""

from __future__ import annotations

import abc
import ctypes
import functools
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


_WINDOW_MARK = "_sak_bench_callgrind_window"
# The last prompt's window, in wall seconds: (execute -> execution_success, execute as a whole).
_window_s: list[float] = [0.0, 0.0]


def _wrap_once(owner: Any, name: str, make: Any) -> None:
    original = getattr(owner, name)
    if getattr(original, _WINDOW_MARK, False):
        return
    wrapper = functools.wraps(original)(make(original))
    setattr(wrapper, _WINDOW_MARK, True)
    setattr(owner, name, wrapper)


@PromptServer.instance.routes.post("/sak-bench/callgrind-window")
async def callgrind_window(request: web.Request) -> web.Response:
    # Installed on request, after every custom node has loaded, so that these wrappers are the
    # outermost: the windows hold everything the prompt costs, the pack's own wrappers included.
    # Two dumps per prompt: "success" when add_message("execution_success") returns (the window
    # ComfyUI's own execution time measures, plus the set-up before execution_start), "end" when
    # execute returns (what the worker does after it: ComfyUI's clean-up, the pack handing its
    # finished log to the history writer).
    path = os.environ.get("SAK_BENCH_CALLGRIND_LIB")
    if not path:
        return web.json_response({"error": "SAK_BENCH_CALLGRIND_LIB is not set"}, status=409)
    library = ctypes.CDLL(path)
    if not library.sak_running_on_valgrind():
        return web.json_response({"error": "not running under valgrind"}, status=409)
    import execution  # noqa: TID251 (ComfyUI's module; this is a bench node)

    opened = [0.0]

    def make_execute(original: Any) -> Any:
        def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            library.sak_window_open()
            opened[0] = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                _window_s[1] = time.perf_counter() - opened[0]
                library.sak_window_close(b"end")

        return execute

    def make_add_message(original: Any) -> Any:
        def add_message(self: Any, event: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return original(self, event, *args, **kwargs)
            finally:
                if event == "execution_success":
                    _window_s[0] = time.perf_counter() - opened[0]
                    library.sak_window_mark(b"success")

        return add_message

    _wrap_once(execution.PromptExecutor, "execute", make_execute)
    _wrap_once(execution.PromptExecutor, "add_message", make_add_message)
    return web.json_response({"installed": True})


@PromptServer.instance.routes.get("/sak-bench/window")
async def window(request: web.Request) -> web.Response:
    return web.json_response({"success_s": _window_s[0], "end_s": _window_s[1]})


_rss_reads = [0]


def _memory_module() -> Any | None:
    for name, module in list(sys.modules.items()):
        if name.endswith("backend.profiler.memory") and hasattr(module, "RSS_MIN_INTERVAL_S"):
            return module
    return None


@PromptServer.instance.routes.post("/sak-bench/rss")
async def rss(request: web.Request) -> web.Response:
    # The pack reads the process's RSS at most every RSS_MIN_INTERVAL_S of wall time, so how
    # often it reads depends on how fast the process runs: under valgrind (~200x slower) it would
    # read around every node, which it does not natively. {"dilation": D} stretches its two
    # wall-clock limits by D (how much slower this process runs than natively), so that it reads
    # as often per run as natively; the reads are counted either way (GET /sak-bench/rss).
    hooks, memory = _hooks_module(), _memory_module()
    if hooks is None or memory is None or hooks.STATE.probe is None:
        return web.json_response({"error": "the pack's profiler is not running"}, status=409)
    dilation = float((await request.json()).get("dilation", 1.0))
    if not hasattr(memory, "_sak_bench_limits"):
        memory._sak_bench_limits = (memory.RSS_MIN_INTERVAL_S, memory.RSS_REUSE_S)
    interval_s, reuse_s = memory._sak_bench_limits
    memory.RSS_MIN_INTERVAL_S, memory.RSS_REUSE_S = interval_s * dilation, reuse_s * dilation
    probe = hooks.STATE.probe
    if not getattr(probe._rss, _WINDOW_MARK, False):
        read = probe._rss

        def counted() -> Any:
            _rss_reads[0] += 1
            return read()

        setattr(counted, _WINDOW_MARK, True)
        probe._rss = counted
    return web.json_response({"interval_s": memory.RSS_MIN_INTERVAL_S, "reuse_s": memory.RSS_REUSE_S})


@PromptServer.instance.routes.get("/sak-bench/rss")
async def rss_reads(request: web.Request) -> web.Response:
    reads, _rss_reads[0] = _rss_reads[0], 0
    return web.json_response({"reads": reads})


NODE_CLASS_MAPPINGS: dict[str, Any] = {}
