"""HostAdapter: the few things the plugin asks of whatever server it runs in."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ..api import RouteSpec


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
