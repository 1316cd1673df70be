"""HostAdapter: the few things the plugin asks of whatever server it runs in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from ..actions import Exposure
from ..profiler.environment import HostFacts
from ..profiler.prevention import DeviceNow
from ..schemas import QueueState

RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A prompt was queued: its graph (ComfyUI's API format), its prompt id and the queuing page's client
# id when they were given.
PromptQueued = Callable[[Mapping[str, Any], str | None, str | None], None]


class Route(Protocol):
    """One path and the handler that answers every method on it (``backend.api.RouteSpec``)."""

    @property
    def path(self) -> str: ...

    @property
    def handler(self) -> RequestHandler: ...


class HostAdapter(Protocol):
    """ComfyUI's PromptServer or the standalone host, seen through one small interface."""

    name: str

    def register_routes(self, routes: Sequence[Route]) -> None:
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

        VRAM before and after is measured by the plugin through its telemetry
        (``backend.actions.clear_vram``).

        Raises:
            backend.actions.HostBusyError: A workflow is running or queued.
            backend.actions.HostActionError: The host could not do it.
        """

    def unload_named_models(self, names: Sequence[str]) -> list[tuple[str, int | None]]:
        """Unload the loaded models that go by ``names`` (their loader's file, else their class);
        return (name, bytes freed) for each one unloaded. Blocking.

        Raises:
            backend.actions.HostBusyError: A workflow is running or queued.
            backend.actions.HostActionError: The host could not do it.
        """

    def on_prompt_queued(self, callback: PromptQueued) -> None:
        """Call ``callback`` as each prompt is queued, before it runs (on the server loop: it must
        only hand the work over; an exception in it never reaches the queue)."""

    def environment_facts(self) -> HostFacts:
        """What only the host knows of the environment runs are recorded in (its version, its
        frontend's, the command line). Cheap."""

    def models_on_device(self, index: int) -> list[tuple[str, int | None]]:
        """The host's loaded models on the GPU of torch index ``index``: (name, bytes on it)."""

    def hook_failures(self) -> Mapping[str, int]:
        """How often each of the host's hooks failed (the workflow went on); cheap."""

    def device_now(self) -> DeviceNow | None:
        """The device the next run uses: free memory as the host counts it, its total, the models on
        it; None without a GPU. Blocking (it asks the driver): call it off the server loop."""
