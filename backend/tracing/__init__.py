"""OpenTelemetry spans of stored runs: one span per workflow, a child per node (optional).

Built from the recorded timestamps on the history writer's thread after the run is stored, so
ComfyUI's execution pays nothing. On when ``opentelemetry-sdk`` is installed and the standard
variables ask for it (``OTEL_TRACES_EXPORTER`` or an ``OTEL_EXPORTER_OTLP_*ENDPOINT``; off with
``OTEL_SDK_DISABLED=true``); the pack's spans go through a tracer provider of its own, so another
pack's or ComfyUI's OpenTelemetry set-up is neither needed nor disturbed.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from .. import log
from ..schemas.profiler import WorkflowRecord

TRACER_NAME = "swissarmyknife"
_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def _wanted(environ: Mapping[str, str]) -> str | None:
    """The exporter the variables ask for (otlp, console), None when they ask for none."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if named:
        return None if named == "none" else named.split(",")[0].strip()
    return "otlp" if any(environ.get(v) for v in _ENDPOINTS) else None


def _exporter(kind: str) -> Any:
    if kind == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if kind != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER={kind} is not one the pack knows (otlp, console)")
    # The HTTP exporter first (no grpcio needed), else gRPC: optional packages, found at run time.
    for module in (
        "opentelemetry.exporter.otlp.proto.http.trace_exporter",
        "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    ):
        try:
            return importlib.import_module(module).OTLPSpanExporter()
        except ImportError:
            continue
    raise ImportError("no OTLP exporter installed (pip install opentelemetry-exporter-otlp-proto-http)")


def _ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


class WorkflowSpans:
    """Turns stored runs into spans on ``tracer`` (the SDK's; tests pass one over an in-memory
    exporter)."""

    def __init__(self, tracer: Any) -> None:
        self._tracer = tracer

    def emit(self, record: WorkflowRecord) -> None:
        from opentelemetry import trace
        from opentelemetry.trace import Status, StatusCode

        end = record.ended_at if record.ended_at is not None else record.started_at
        name = record.workflow_name or f"workflow {record.workflow_hash[:7]}"
        attributes: dict[str, Any] = {
            "comfyui.prompt_id": record.prompt_id,
            "comfyui.workflow.hash": record.workflow_hash,
            "comfyui.workflow.status": record.status,
            "comfyui.workflow.nodes": record.node_count,
            "comfyui.workflow.cache_hits": record.cache_hits,
        }
        if record.workflow_name:
            attributes["comfyui.workflow.name"] = record.workflow_name
        if record.peak_vram_bytes is not None:
            attributes["comfyui.workflow.peak_vram_bytes"] = record.peak_vram_bytes
        root = self._tracer.start_span(name, start_time=_ns(record.started_at), attributes=attributes)
        if record.status != "success":
            message = record.error.message if record.error is not None else record.status
            root.set_status(Status(StatusCode.ERROR, message))
        context = trace.set_span_in_context(root)
        for node in record.nodes:
            # Cached nodes ran no code: a zero-length span at the run's start says so.
            start = node.started_at if node.started_at is not None else record.started_at
            stop = node.ended_at if node.ended_at is not None else start
            node_attributes: dict[str, Any] = {
                "comfyui.node.id": node.node_id,
                "comfyui.node.class_type": node.class_type,
                "comfyui.node.cache_hit": node.cache_hit,
                "comfyui.node.status": node.status,
            }
            if node.title:
                node_attributes["comfyui.node.title"] = node.title
            if node.vram_peak_delta_bytes is not None:
                node_attributes["comfyui.node.vram_peak_delta_bytes"] = node.vram_peak_delta_bytes
            span = self._tracer.start_span(
                f"{node.class_type} #{node.node_id}",
                context=context,
                start_time=_ns(start),
                attributes=node_attributes,
            )
            if node.status == "error":
                span.set_status(Status(StatusCode.ERROR, node.error or "error"))
            span.end(end_time=_ns(stop))
        root.end(end_time=_ns(end))


class SpanSink:
    """The record listener (``sink(record)``) and the provider's ``shutdown`` (flushes the batch)."""

    def __init__(self, spans: WorkflowSpans, provider: Any) -> None:
        self._spans = spans
        self._provider = provider

    def __call__(self, record: WorkflowRecord) -> None:
        try:
            self._spans.emit(record)
        except Exception:
            log.at_most_every("otel-emit", 300.0, "could not emit a workflow's spans")

    def shutdown(self) -> None:
        try:
            self._provider.shutdown()
        except Exception:
            log.at_most_every("otel-shutdown", 300.0, "could not flush the last workflow spans")


def workflow_span_sink(
    environ: Mapping[str, str] | None = None, *, service_name: str = "comfyui"
) -> SpanSink | None:
    """A record listener emitting spans when OpenTelemetry is asked for and installed; None (and
    one log line) when it is asked for but cannot be had; None silently when it is not asked for."""
    env = os.environ if environ is None else environ
    kind = _wanted(env)
    if kind is None:
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warn_once(
            "otel-missing",
            "OpenTelemetry is configured (OTEL_* variables) but opentelemetry-sdk is not installed: "
            "no workflow spans (pip install opentelemetry-sdk opentelemetry-exporter-otlp)",
        )
        return None
    try:
        exporter = _exporter(kind)
    except (ImportError, ValueError) as exc:
        log.warn_once("otel-exporter", f"OpenTelemetry spans are off: {exc}")
        return None
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", service_name)})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    log.info(f"OpenTelemetry: one span per workflow and per node, exported by {kind}")
    return SpanSink(WorkflowSpans(provider.get_tracer(TRACER_NAME)), provider)
