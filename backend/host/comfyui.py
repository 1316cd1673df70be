"""The ComfyUI adapter: the only module that imports ComfyUI's server and folder_paths.

Route registration: https://github.com/comfyanonymous/ComfyUI/blob/master/server.py (add_routes copies
every RouteDef to /api/<path>, so routes must exist when packs import).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import log
from ..api import RouteSpec

PLUGIN_DIR_NAME = "swissarmyknife"


def prompt_server() -> Any | None:
    """PromptServer.instance, or None when not running inside ComfyUI."""
    try:
        import server
    except Exception:
        return None
    return getattr(getattr(server, "PromptServer", None), "instance", None)


class ComfyHost:
    """HostAdapter over ComfyUI's PromptServer."""

    name = "comfyui"

    def __init__(self, instance: Any) -> None:
        self._server = instance

    def register_routes(self, specs: Sequence[RouteSpec]) -> None:
        routes = self._server.routes
        for spec in specs:
            routes.route("*", spec.path)(spec.handler)

    def send_event(self, event: str, data: dict[str, Any]) -> None:
        # send_sync queues onto the server loop and is safe from any thread.
        self._server.send_sync(event, data)

    def client_count(self) -> int:
        sockets = getattr(self._server, "sockets", None)
        return len(sockets) if sockets is not None else 0

    def data_directory(self) -> Path:
        try:
            import folder_paths

            base = Path(folder_paths.get_user_directory())
        except Exception:
            log.warn_once("no-user-dir", "ComfyUI's user directory is unknown; using the pack's folder")
            base = Path(__file__).resolve().parents[2] / "user"
        return base / PLUGIN_DIR_NAME
