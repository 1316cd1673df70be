"""The plugin's routes in an aiohttp application over fakes, and reading their JSON errors."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from backend.api import ApiServices, build_endpoints, route_specs
from backend.telemetry.settings import monitor_settings
from tests.support.telemetry import FakeSampler


def build_app(sampler: FakeSampler, **services: Any) -> web.Application:
    """The plugin's routes over ``sampler``, under both prefixes ComfyUI serves.

    ``services`` are further ApiServices fields (``profiler=``, ``actions=``, ``guard=``...); the
    monitor settings default to an in-memory group over the sampler.
    """
    services.setdefault("monitor_settings", monitor_settings(sampler, None))
    app = web.Application()
    for spec in route_specs(build_endpoints(ApiServices(version="9.9.9", sampler=sampler, **services))):
        app.router.add_route("*", spec.path, spec.handler)
        app.router.add_route("*", "/api" + spec.path, spec.handler)
    return app


async def error_of(resp: Any) -> dict[str, Any]:
    """A JSON error body, checked to carry exactly error, message and details."""
    assert resp.content_type == "application/json", await resp.text()
    body: dict[str, Any] = await resp.json()
    assert set(body) == {"error", "message", "details"}
    return body
