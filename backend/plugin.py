"""The composition root: builds the sampler and routes, wires them to a host, starts and stops them."""

from __future__ import annotations

import atexit
import threading
from typing import Any

from . import log
from .api import ApiServices, build_endpoints, route_specs
from .host.base import HostAdapter
from .schemas import MonitorEvent
from .telemetry import Sampler, TelemetrySources
from .version import __version__

MONITOR_EVENT = "swissarmyknife.monitor"


class Plugin:
    """One running instance of the pack inside one host."""

    def __init__(self, host: HostAdapter, sources: TelemetrySources | None = None) -> None:
        self.host = host
        self.sampler = Sampler(sources, client_count=host.client_count)
        self.endpoints = build_endpoints(ApiServices(version=__version__, sampler=self.sampler))
        self._unsubscribe: Any = None
        self._lock = threading.Lock()
        self._started = False

    def register_routes(self) -> None:
        self.host.register_routes(route_specs(self.endpoints))

    def start(self) -> None:
        """Start sampling; idempotent."""
        with self._lock:
            if self._started:
                return
            self._started = True
            self._unsubscribe = self.sampler.subscribe(self._broadcast)
            self.sampler.start()

    def stop(self) -> None:
        """Stop sampling and release NVML; idempotent."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            if self._unsubscribe is not None:
                self._unsubscribe()
            self.sampler.stop()

    def _broadcast(self, event: MonitorEvent) -> None:
        self.host.send_event(MONITOR_EVENT, event.model_dump(mode="json"))


def create_plugin(host: HostAdapter, sources: TelemetrySources | None = None) -> Plugin:
    plugin = Plugin(host, sources)
    plugin.register_routes()
    plugin.start()
    log.info(f"resource monitor {__version__} ready ({host.name})")
    return plugin


def load_into_comfyui() -> Plugin | None:
    """Create the plugin inside a running ComfyUI; None (with one log line) anywhere else."""
    from .host.comfyui import ComfyHost, prompt_server

    instance = prompt_server()
    if instance is None:
        log.info("ComfyUI's PromptServer is not running; routes not registered")
        return None
    plugin = create_plugin(ComfyHost(instance))
    atexit.register(plugin.stop)
    return plugin
