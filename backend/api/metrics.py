"""``GET /swissarmyknife/metrics``: Prometheus' scrape (text format, OpenMetrics on request)."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from aiohttp import web

from .. import log
from ..metrics import MetricsExposition, available
from .endpoints import Call, Endpoint
from .errors import ApiError

METRICS_PATH = "/swissarmyknife/metrics"
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


class Demand(Protocol):
    """What a scrape tells the sampler: keep sampling at the interval between page visits."""

    def note_demand(self) -> None: ...


def metrics_endpoints(exposition: MetricsExposition | None, demand: Demand | None) -> list[Endpoint]:
    """The scrape route; 503 without the exposition (the document alone, or no prometheus_client)."""

    async def get_metrics(call: Call[Any, Any, Any]) -> web.Response:
        missing = available()
        if exposition is None or missing is not None:
            reason = missing or "metrics are not served by this host"
            log.warn_once("metrics-unavailable", f"GET {METRICS_PATH}: {reason}")
            raise ApiError(503, "unavailable", reason)
        if demand is not None:
            demand.note_demand()
        accept = call.request.headers.get("Accept")
        # Rendering is CPU work (thousands of lines with many node classes): off the server loop.
        body, content_type = await asyncio.get_running_loop().run_in_executor(None, exposition.render, accept)
        return web.Response(body=body, headers={"Content-Type": content_type})

    return [
        Endpoint(
            method="GET",
            path=METRICS_PATH,
            operation_id="getMetrics",
            summary="Prometheus metrics: the machine, the profiler's runs and the pack (text format)",
            description=(
                "OpenMetrics when Accept asks for application/openmetrics-text. A scrape never samples "
                "hardware (the latest sample is served) and counts as someone looking, so the sampler "
                "keeps its interval between page visits. Names start with comfyui_; labels are bounded."
            ),
            handler=get_metrics,
            response_model=None,
            tag="monitor",
            response_media_type=TEXT_FORMAT,
            error_statuses=(503,),
        )
    ]
