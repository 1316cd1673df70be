"""HTTP and websocket surface: endpoints by resource, the OpenAPI builder, the broadcaster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..schemas import MonitorEvent
from .endpoints import Endpoint, RouteSpec, route_specs
from .meta import meta_endpoints
from .monitor import MonitorReader, monitor_endpoints
from .openapi import build_openapi

API_TITLE = "SwissArmyKnife Resource Monitor & Profiler"
# Websocket payloads have no route, but the frontend's generated types need them.
EVENT_MODELS = (MonitorEvent,)


@dataclass(frozen=True)
class ApiServices:
    """Everything the handlers read; built by the composition root (backend.plugin)."""

    version: str
    sampler: MonitorReader


def build_endpoints(services: ApiServices) -> list[Endpoint]:
    endpoints = monitor_endpoints(services.sampler, services.version)

    def document() -> dict[str, Any]:
        return build_openapi(
            all_endpoints, title=API_TITLE, version=services.version, extra_models=EVENT_MODELS
        )

    all_endpoints = endpoints + meta_endpoints(document)
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


def openapi_document(version: str) -> dict[str, Any]:
    """The OpenAPI document alone, without a running sampler (what the TypeScript generator reads)."""
    services = ApiServices(version=version, sampler=_DocumentOnly())
    return build_openapi(
        build_endpoints(services), title=API_TITLE, version=version, extra_models=EVENT_MODELS
    )


__all__ = [
    "ApiServices",
    "Endpoint",
    "RouteSpec",
    "build_endpoints",
    "openapi_document",
    "route_specs",
]
