"""A typed Python client of the pack's API, on the same pydantic schemas the server answers with.

For scripts and integrators driving ComfyUI (or the standalone host) from outside::

    from backend.client import SwissArmyKnifeClient
    with SwissArmyKnifeClient("http://127.0.0.1:8188") as sak:
        print(sak.status().snapshot)
        print(sak.stats(limit=1).latest)

``SwissArmyKnifeClient`` is synchronous (the standard library only); ``AsyncSwissArmyKnifeClient``
uses aiohttp and adds ``events()``, ComfyUI's websocket read as the typed events of
``backend.schemas.events`` (monitor snapshots, finished runs, VRAM pressure, OOMs...). A refusal
raises ``ClientError`` with the server's ``ErrorBody`` (its code, its sentence, its details).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..schemas import MonitorSettings, MonitorStatus
from ..schemas.baselines import Baseline, BaselinePage
from ..schemas.environment import Environment
from ..schemas.errors import ErrorBody
from ..schemas.events import SERVER_EVENTS, AnyServerEvent
from ..schemas.oom import OomEventPage, OomStats
from ..schemas.profiler import HistoryPage, ProfilerSettings, ProfilerStats, WorkflowRecord
from ..schemas.regressions import RegressionReport

M = TypeVar("M", bound=BaseModel)
# ComfyUI serves the pack's routes under /api too, which survives a proxy that maps /api only.
PREFIX = "/api/swissarmyknife"


class ClientError(Exception):
    """The server refused (4xx/5xx): ``status`` and its ``ErrorBody`` (None when it sent none)."""

    def __init__(self, status: int, body: ErrorBody | None, text: str) -> None:
        self.status = status
        self.body = body
        super().__init__(f"{status}: {body.message if body is not None else text[:200]}")


def _query(params: Mapping[str, object | None]) -> str:
    given = {k: v for k, v in params.items() if v is not None}
    return ("?" + urllib.parse.urlencode(given)) if given else ""


def _error(status: int, text: str) -> ClientError:
    try:
        body: ErrorBody | None = ErrorBody.model_validate_json(text)
    except ValidationError:
        body = None
    return ClientError(status, body, text)


class _Paths:
    """What each call asks for: one place, shared by both clients."""

    @staticmethod
    def status() -> str:
        return f"{PREFIX}/monitor/status"

    @staticmethod
    def stats(limit: int, before: float | None) -> str:
        return f"{PREFIX}/profiler/stats{_query({'limit': limit, 'before': before})}"

    @staticmethod
    def workflow(prompt_id: str) -> str:
        return f"{PREFIX}/profiler/workflows/{urllib.parse.quote(prompt_id, safe='')}"

    @staticmethod
    def history(limit: int, before: float | None, workflow_hash: str | None, status: str | None) -> str:
        query = _query({"limit": limit, "before": before, "workflow_hash": workflow_hash, "status": status})
        return f"{PREFIX}/profiler/history{query}"


class SwissArmyKnifeClient:
    """Synchronous client (urllib): each call one request, the reply validated into its model."""

    def __init__(self, base_url: str = "http://127.0.0.1:8188", *, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def __enter__(self) -> SwissArmyKnifeClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def _send(self, method: str, path: str, body: Any = None) -> str:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:
                return str(resp.read().decode())
        except urllib.error.HTTPError as err:
            raise _error(err.code, err.read().decode(errors="replace")) from None

    def _get(self, path: str, model: type[M]) -> M:
        return model.model_validate_json(self._send("GET", path))

    def status(self) -> MonitorStatus:
        """The machine's capabilities and the latest snapshot."""
        return self._get(_Paths.status(), MonitorStatus)

    def monitor_settings(self) -> MonitorSettings:
        return self._get(f"{PREFIX}/monitor/settings", MonitorSettings)

    def stats(self, limit: int = 50, before: float | None = None) -> ProfilerStats:
        """The running workflow, the latest one, averages and a page of history."""
        return self._get(_Paths.stats(limit, before), ProfilerStats)

    def workflow(self, prompt_id: str) -> WorkflowRecord:
        """One run with every node (ClientError 404 when unknown)."""
        return self._get(_Paths.workflow(prompt_id), WorkflowRecord)

    def history(
        self,
        limit: int = 50,
        before: float | None = None,
        *,
        workflow_hash: str | None = None,
        status: str | None = None,
    ) -> HistoryPage:
        return self._get(_Paths.history(limit, before, workflow_hash, status), HistoryPage)

    def profiler_settings(self) -> ProfilerSettings:
        return self._get(f"{PREFIX}/profiler/settings", ProfilerSettings)

    def regressions(self, workflow_hash: str | None = None, limit: int = 50) -> RegressionReport:
        query = _query({"workflow_hash": workflow_hash, "limit": limit})
        return self._get(f"{PREFIX}/profiler/regressions{query}", RegressionReport)

    def baselines(self) -> BaselinePage:
        return self._get(f"{PREFIX}/profiler/baselines", BaselinePage)

    def pin_baseline(self, workflow_hash: str, prompt_id: str) -> Baseline:
        """Pin a stored successful run as its workflow's baseline."""
        text = self._send("PUT", f"{PREFIX}/profiler/baselines/{workflow_hash}", {"prompt_id": prompt_id})
        return Baseline.model_validate_json(text)

    def environment(self, environment_id: int) -> Environment:
        return self._get(f"{PREFIX}/profiler/environments/{environment_id}", Environment)

    def oom_stats(self) -> OomStats:
        return self._get(f"{PREFIX}/profiler/oom_stats", OomStats)

    def oom_events(self, limit: int = 20) -> OomEventPage:
        return self._get(f"{PREFIX}/profiler/oom_events{_query({'limit': limit})}", OomEventPage)

    def metrics(self) -> str:
        """Prometheus' text exposition."""
        return self._send("GET", f"{PREFIX}/metrics")


def parse_event(frame: Mapping[str, Any]) -> AnyServerEvent | None:
    """One websocket frame (``{"type": name, "data": payload}``) as the pack's typed event; None
    for ComfyUI's own events and anything else."""
    model = SERVER_EVENTS.get(str(frame.get("type")))
    if model is None:
        return None
    event: AnyServerEvent = model.model_validate(frame.get("data"))  # type: ignore[assignment]
    return event


class AsyncSwissArmyKnifeClient:
    """asyncio client (aiohttp); ``async with`` it, or ``close()`` when done."""

    def __init__(self, base_url: str = "http://127.0.0.1:8188", *, timeout_s: float = 10.0) -> None:
        import aiohttp

        self.base_url = base_url.rstrip("/")
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s))

    async def __aenter__(self) -> AsyncSwissArmyKnifeClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._session.close()

    async def _get(self, path: str, model: type[M]) -> M:
        async with self._session.get(self.base_url + path) as resp:
            text = await resp.text()
            if resp.status >= 400:
                raise _error(resp.status, text)
        return model.model_validate_json(text)

    async def status(self) -> MonitorStatus:
        return await self._get(_Paths.status(), MonitorStatus)

    async def stats(self, limit: int = 50, before: float | None = None) -> ProfilerStats:
        return await self._get(_Paths.stats(limit, before), ProfilerStats)

    async def workflow(self, prompt_id: str) -> WorkflowRecord:
        return await self._get(_Paths.workflow(prompt_id), WorkflowRecord)

    async def history(
        self,
        limit: int = 50,
        before: float | None = None,
        *,
        workflow_hash: str | None = None,
        status: str | None = None,
    ) -> HistoryPage:
        return await self._get(_Paths.history(limit, before, workflow_hash, status), HistoryPage)

    async def events(self) -> AsyncIterator[AnyServerEvent]:
        """The pack's events from ComfyUI's websocket (``/ws``), typed, until the socket closes.
        An open socket counts as a page looking: the monitor samples at its interval meanwhile."""
        import aiohttp

        url = self.base_url.replace("http", "ws", 1) + f"/ws?clientId={uuid.uuid4().hex}"
        async with self._session.ws_connect(url) as ws:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    event = parse_event(json.loads(message.data))
                except (ValueError, ValidationError):
                    continue  # a frame of another version or pack: not ours to fail on
                if event is not None:
                    yield event


__all__ = ["AsyncSwissArmyKnifeClient", "ClientError", "SwissArmyKnifeClient", "parse_event"]
