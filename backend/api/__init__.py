"""HTTP and websocket surface: endpoints by resource, the OpenAPI builder, the broadcaster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..monitor_settings import MonitorSettingsStore
from ..schemas import MonitorEvent, RestartEvent
from ..schemas.profiler import ProfilerEvent
from .actions import ActionServices, actions_endpoints
from .endpoints import Endpoint, RouteSpec, route_specs
from .guards import RequestGuard, attach_guard
from .meta import meta_endpoints
from .monitor import MonitorReader, MonitorSettingsService, monitor_endpoints
from .openapi import build_openapi
from .profiler import LiveWorkflowSource, ProfilerHistory, ProfilerServices, profiler_endpoints

API_TITLE = "SwissArmyKnife Resource Monitor & Profiler"
# Websocket payloads have no route, but the frontend's generated types need them.
EVENT_MODELS = (MonitorEvent, RestartEvent, ProfilerEvent)


@dataclass(frozen=True)
class ApiServices:
    """Everything the handlers read; built by the composition root (backend.plugin)."""

    version: str
    sampler: MonitorReader
    # None: the interval is changed in memory only (tests, code generation); the plugin passes a
    # store that saves it under the host's data directory. Keyword-only, so fields added later
    # need no default.
    monitor_settings: MonitorSettingsService | None = field(default=None, kw_only=True)
    # The process's token and exposure policy, attached to every destructive endpoint. The default
    # (loopback, opt-in from the environment) suits tests; the plugin passes the host's exposure.
    guard: RequestGuard = field(default_factory=RequestGuard, kw_only=True)
    # None: restart and clear VRAM answer 503 (tests, code generation).
    actions: ActionServices | None = field(default=None, kw_only=True)
    # None: the profiler routes answer 503 (monitor-only tests, code generation).
    profiler: ProfilerServices | None = field(default=None, kw_only=True)


def build_endpoints(services: ApiServices) -> list[Endpoint]:
    settings = services.monitor_settings or MonitorSettingsStore(services.sampler, None)
    endpoints = monitor_endpoints(services.sampler, services.version, settings)

    def document() -> dict[str, Any]:
        return build_openapi(
            all_endpoints, title=API_TITLE, version=services.version, extra_models=EVENT_MODELS
        )

    endpoints += actions_endpoints(services.guard, services.actions)
    endpoints += profiler_endpoints(services.profiler)
    all_endpoints = attach_guard(endpoints + meta_endpoints(document), services.guard)
    return all_endpoints


class _DocumentOnly:
    """Stands in for live services when only the OpenAPI document is wanted (code generation)."""

    interval_s = 0.0

    def latest(self) -> None:
        raise RuntimeError("document-only services")

    def capabilities(self) -> None:
        raise RuntimeError("document-only services")

    def wait_for_first(self, timeout_s: float) -> bool:
        raise RuntimeError("document-only services")

    def note_demand(self) -> None:
        raise RuntimeError("document-only services")

    def set_interval(self, interval_s: float) -> None:
        raise RuntimeError("document-only services")


def openapi_document(version: str) -> dict[str, Any]:
    """The OpenAPI document alone, without a running sampler (what the TypeScript generator reads)."""
    services = ApiServices(version=version, sampler=_DocumentOnly())
    return build_openapi(
        build_endpoints(services), title=API_TITLE, version=version, extra_models=EVENT_MODELS
    )


__all__ = [
    "ApiServices",
    "Endpoint",
    "LiveWorkflowSource",
    "ProfilerHistory",
    "ProfilerServices",
    "RouteSpec",
    "build_endpoints",
    "openapi_document",
    "route_specs",
]
