"""HostAdapter: the few things the plugin asks of whatever server it runs in."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ..api import RouteSpec
from ..api.guards import Exposure
from ..schemas import QueueState


class HostAdapter(Protocol):
    """ComfyUI's PromptServer or the standalone host, seen through one small interface."""

    name: str

    def register_routes(self, specs: Sequence[RouteSpec]) -> None:
        """Attach the plugin's routes; ComfyUI needs this at import time."""

    def send_event(self, event: str, data: dict[str, Any]) -> None:
        """Broadcast a websocket event to every page; callable from any thread."""

    def client_count(self) -> int:
        """How many pages hold a websocket open now (cheap; read on the sampler thread)."""

    def data_directory(self) -> Path:
        """Where the plugin keeps its files (under ComfyUI's user directory)."""

    def exposure(self) -> Exposure:
        """Which addresses the server listens on and whether CORS is open (read per guarded request)."""

    def queue_state(self) -> QueueState:
        """How many workflows run and wait now; cheap, called on the server loop."""

    def unload_models(self) -> int | None:
        """Unload every model and free cached memory; return how many were loaded. Blocking.

        VRAM before and after is measured by the plugin through its telemetry (backend/vram.py).

        Raises:
            backend.api.actions.HostBusyError: A workflow is running or queued.
            backend.api.actions.HostActionError: The host could not do it.
        """
