"""HTTP and websocket surface: endpoints by resource, the OpenAPI builder, the request guards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..actions import ActionServices
from ..metrics import MetricsExposition
from ..schemas.events import SERVER_EVENTS
from ..schemas.monitor import StoredMonitorSettings
from ..settings_file import SettingsFile
from .actions import actions_endpoints
from .analytics import analytics_endpoints
from .archives import archive_endpoints
from .endpoints import Endpoint, RouteSpec, route_specs
from .guards import RequestGuard
from .meta import meta_endpoints
from .metrics import metrics_endpoints
from .monitor import DeviceModels, MonitorReader, monitor_endpoints
from .oom import oom_endpoints
from .openapi import build_openapi
from .profiler import profiler_endpoints
from .profiler_services import LiveWorkflowSource, ProfilerHistory, ProfilerServices
from .regressions import regression_endpoints

API_TITLE = "SwissArmyKnife Resource Monitor & Profiler"


@dataclass(frozen=True)
class ApiServices:
    """Everything the handlers act through; built by the composition root (backend.plugin).

    A service left ``None`` is missing in this host: its routes are declared (and documented) all
    the same and answer 503 saying so. Only the OpenAPI document is built with none at all.
    """

    version: str
    sampler: MonitorReader | None = None
    monitor_settings: SettingsFile[StoredMonitorSettings] | None = None
    # The process's token and exposure policy, a step of every guarded endpoint. The default
    # (loopback, opt-in from the environment) suits tests; the plugin passes the host's exposure.
    guard: RequestGuard = field(default_factory=RequestGuard)
    actions: ActionServices | None = None
    profiler: ProfilerServices | None = None
    # ComfyUI's loaded models on a device, for the GPU inspector (the host's; None: none listed).
    device_models: DeviceModels | None = None
    # Prometheus' scrape (GET /swissarmyknife/metrics); None: the route answers 503.
    metrics: MetricsExposition | None = None


def build_endpoints(services: ApiServices) -> list[Endpoint]:
    endpoints = monitor_endpoints(
        services.sampler, services.version, services.monitor_settings, services.device_models
    )
    endpoints += actions_endpoints(services.guard, services.actions)
    endpoints += profiler_endpoints(services.profiler)
    endpoints += analytics_endpoints(services.profiler)
    endpoints += archive_endpoints(services.profiler, services.guard)
    endpoints += oom_endpoints(services.profiler, services.actions, services.guard)
    endpoints += regression_endpoints(services.profiler, services.guard)
    endpoints += metrics_endpoints(services.metrics, services.sampler)

    def document() -> dict[str, Any]:
        return build_openapi(endpoints, title=API_TITLE, version=services.version, events=SERVER_EVENTS)

    endpoints += meta_endpoints(document)
    return endpoints


def openapi_document(version: str) -> dict[str, Any]:
    """The OpenAPI document alone, without live services (what the TypeScript generator reads)."""
    return build_openapi(
        build_endpoints(ApiServices(version=version)), title=API_TITLE, version=version, events=SERVER_EVENTS
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
