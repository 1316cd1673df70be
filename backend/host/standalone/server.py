"""An aiohttp server that plays ComfyUI's part: routes (also under /api), /ws, /extensions, the shim."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import sys
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from ... import log
from ...actions import Exposure
from ...profiler.environment import HostFacts
from ...profiler.prevention import DeviceNow
from ...schemas import QueueState
from ...version import __version__
from ..base import PromptQueued, Route
from .fake_models import FakeModels, FakeQueue

WEB_DIR = Path(__file__).resolve().parent / "web"
REPO_DIR = Path(__file__).resolve().parents[3]
DIST_DIR = REPO_DIR / "dist"
# The folder name ComfyUI would give the pack; the bundle's ../../scripts/*.js imports rely on the depth only.
PACK_NAME = "comfyui-swissarmyknife"
NO_CACHE = {"Cache-Control": "no-cache"}


class StandaloneHost:
    """HostAdapter for ``python -m backend``: a websocket hub and a route table of its own."""

    name = "standalone"

    def __init__(
        self, data_dir: Path, dist_dir: Path = DIST_DIR, *, models: FakeModels | None = None
    ) -> None:
        # ComfyUI's model manager and prompt queue, played by fakes (backend/host/standalone/fake_models.py).
        self.models = models if models is not None else FakeModels()
        self.queue = FakeQueue()
        self._listen: tuple[str, ...] = ("127.0.0.1",)
        self._data_dir = data_dir
        self._dist_dir = dist_dir
        self._routes: list[Route] = []
        self._sockets: dict[str, web.WebSocketResponse] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: weakref.WeakSet[asyncio.Task[None]] = weakref.WeakSet()
        self._on_queued: list[PromptQueued] = []
        # With fake GPUs: the first one's free memory and models, for the check before a run.
        self.device_reader: Callable[[], DeviceNow | None] | None = None

    # HostAdapter
    def register_routes(self, routes: Sequence[Route]) -> None:
        self._routes.extend(routes)

    def add_test_routes(self, routes: Sequence[Route]) -> None:
        """Routes only this host serves (``--fake-gpus`` test controls); call before ``serve``."""
        self._routes.extend(routes)

    def send_event(self, event: str, data: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        message = json.dumps({"type": event, "data": data})
        loop.call_soon_threadsafe(self._broadcast, message)

    def client_count(self) -> int:
        return len(self._sockets)

    def data_directory(self) -> Path:
        return self._data_dir

    def exposure(self) -> Exposure:
        # --allow-remote only permits a non-loopback --host; server actions need their own opt-in.
        return Exposure(listen=self._listen, listen_option="--host")

    def queue_state(self) -> QueueState:
        return self.queue.state()

    def unload_models(self) -> int | None:
        return self.models.unload_all()

    def unload_named_models(self, names: Sequence[str]) -> list[tuple[str, int | None]]:
        wanted = [m for m in self.models.loaded() if m.name in set(names)]
        self.models.unload(wanted)
        return [(m.name, m.size_bytes) for m in wanted]

    def on_prompt_queued(self, callback: PromptQueued) -> None:
        self._on_queued.append(callback)

    def prompt_queued(
        self, prompt: Mapping[str, Any], prompt_id: str | None, client_id: str | None = None
    ) -> None:
        """What ComfyUI's /prompt does before queueing (the demo's runs call it); never raises."""
        for callback in list(self._on_queued):
            try:
                callback(prompt, prompt_id, client_id)
            except Exception:
                log.at_most_every("on-prompt", 60.0, "the check of a queued prompt failed")

    def models_on_device(self, index: int) -> list[tuple[str, int | None]]:
        return [
            (m.name, m.size_bytes)
            for m in self.models.loaded()
            if m.device_index == index and not m.is_working_memory
        ]

    def hook_failures(self) -> dict[str, int]:
        return {}  # no ComfyUI to hook

    def environment_facts(self) -> HostFacts:
        return HostFacts(host="standalone", argv=tuple(sys.argv))

    def device_now(self) -> DeviceNow | None:
        return self.device_reader() if self.device_reader is not None else None

    # The server
    def _broadcast(self, message: str) -> None:
        for ws in list(self._sockets.values()):
            if not ws.closed:
                task = asyncio.ensure_future(self._send(ws, message))
                self._pending.add(task)

    @staticmethod
    async def _send(ws: web.WebSocketResponse, message: str) -> None:
        # The socket may close between the check and the send; its handler cleans up.
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(message)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        sid = request.query.get("clientId") or secrets.token_hex(16)
        self._sockets[sid] = ws
        try:
            await ws.send_str(
                json.dumps(
                    {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": sid}}
                )
            )
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            if self._sockets.get(sid) is ws:
                del self._sockets[sid]
        return ws

    async def _index(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "index.html", headers=NO_CACHE)

    async def _extensions(self, _request: web.Request) -> web.Response:
        files = sorted(p.relative_to(self._dist_dir).as_posix() for p in self._dist_dir.rglob("*.js"))
        return web.json_response([f"/extensions/{PACK_NAME}/{f}" for f in files])

    async def _system_stats(self, _request: web.Request) -> web.Response:
        # The subset of ComfyUI's /system_stats the frontend's restart probe reads.
        return web.json_response(
            {
                "system": {
                    "os": "standalone",
                    "comfyui_version": None,
                    "swissarmyknife_version": __version__,
                },
                "devices": [],
            }
        )

    def build_app(self) -> web.Application:
        app = web.Application()
        for route in self._routes:
            app.router.add_route("*", route.path, route.handler)
            app.router.add_route("*", "/api" + route.path, route.handler)
        app.router.add_get("/", self._index)
        app.router.add_get("/ws", self._websocket)
        app.router.add_get("/extensions", self._extensions)
        app.router.add_get("/api/extensions", self._extensions)
        app.router.add_get("/system_stats", self._system_stats)
        app.router.add_get("/api/system_stats", self._system_stats)
        app.router.add_static("/scripts", WEB_DIR / "scripts", append_version=False)
        app.router.add_static(f"/extensions/{PACK_NAME}", self._dist_dir)

        async def on_startup(_app: web.Application) -> None:
            self._loop = asyncio.get_running_loop()

        async def on_shutdown(_app: web.Application) -> None:
            for ws in list(self._sockets.values()):
                await ws.close(code=1001, message=b"server shutdown")

        app.on_startup.append(on_startup)
        app.on_shutdown.append(on_shutdown)
        return app

    def serve(self, address: str, port: int) -> None:
        """Run until interrupted (blocking): the standalone host's main loop."""
        self._listen = (address,)
        web.run_app(self.build_app(), host=address, port=port, print=None, access_log=None)
