"""Workflow spans with the SDK's in-memory exporter: one per run, a child per node from the
recorded times; what turns them on; an absent SDK costs nothing and says so once."""

from __future__ import annotations

import builtins
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from backend import log
from backend.tracing import WorkflowSpans, _wanted, workflow_span_sink
from tests.support.records import make_record


@pytest.fixture
def exported() -> tuple[WorkflowSpans, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return WorkflowSpans(provider.get_tracer("test")), exporter


def test_a_run_is_a_span_with_a_child_per_node_at_the_recorded_times(
    exported: tuple[WorkflowSpans, InMemorySpanExporter],
) -> None:
    spans, exporter = exported
    record = make_record(3, nodes=5, cached=2).model_copy(update={"workflow_name": "Portrait"})
    spans.emit(record)
    finished = exporter.get_finished_spans()
    (root,) = [s for s in finished if s.parent is None]
    children = [s for s in finished if s.parent is not None]
    assert root.name == "Portrait"
    assert root.start_time == int(record.started_at * 1e9) and root.end_time == int(record.ended_at * 1e9)  # type: ignore[operator]
    assert root.attributes["comfyui.workflow.hash"] == record.workflow_hash
    assert root.attributes["comfyui.workflow.status"] == "success"
    assert root.status.status_code is StatusCode.UNSET
    assert len(children) == 5 and all(c.parent.span_id == root.context.span_id for c in children)  # type: ignore[union-attr]
    by_id = {c.attributes["comfyui.node.id"]: c for c in children}
    for node in record.nodes:
        span = by_id[node.node_id]
        assert span.name == f"{node.class_type} #{node.node_id}"
        assert span.attributes["comfyui.node.class_type"] == node.class_type
        assert span.attributes["comfyui.node.cache_hit"] is node.cache_hit
        if node.cache_hit:
            assert span.start_time == span.end_time == root.start_time, "a cached node ran no code"
        else:
            assert span.start_time == int(node.started_at * 1e9)  # type: ignore[operator]
            assert span.end_time == int(node.ended_at * 1e9)  # type: ignore[operator]
            assert span.attributes["comfyui.node.vram_peak_delta_bytes"] == node.vram_peak_delta_bytes


def test_a_failed_run_and_its_node_carry_an_error_status(
    exported: tuple[WorkflowSpans, InMemorySpanExporter],
) -> None:
    spans, exporter = exported
    spans.emit(make_record(1, nodes=3, cached=0, status="oom"))
    finished = {s.name: s for s in exporter.get_finished_spans()}
    root = next(s for s in finished.values() if s.parent is None)
    assert root.status.status_code is StatusCode.ERROR and "out of memory" in (root.status.description or "")
    assert [
        s.attributes["comfyui.node.status"]
        for s in finished.values()
        if s.status.status_code is StatusCode.ERROR and s.parent
    ] == ["error"]


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        ({}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, "otlp"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, None),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"}, None),
    ],
)
def test_only_the_standard_variables_turn_spans_on(environ: dict[str, str], kind: str | None) -> None:
    assert _wanted(environ) == kind


def test_the_console_exporter_works_end_to_end_and_nothing_is_built_when_not_asked() -> None:
    assert workflow_span_sink({}) is None
    sink = workflow_span_sink({"OTEL_TRACES_EXPORTER": "console"})
    assert sink is not None
    sink(make_record(0, nodes=2))  # batched on the SDK's own thread
    sink.shutdown()  # flushed while the test still captures the console


def test_without_the_sdk_it_costs_nothing_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    log.reset_for_tests()
    real_import = builtins.__import__

    def no_sdk(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("opentelemetry.sdk"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sdk)
    environ = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
    with caplog.at_level("WARNING", logger="swissarmyknife"):
        assert workflow_span_sink(environ) is None
        assert workflow_span_sink(environ) is None
    lines = [r for r in caplog.records if "opentelemetry-sdk is not installed" in r.getMessage()]
    assert len(lines) == 1


def test_an_unknown_exporter_name_is_off_with_a_reason(caplog: pytest.LogCaptureFixture) -> None:
    log.reset_for_tests()
    with caplog.at_level("WARNING", logger="swissarmyknife"):
        assert workflow_span_sink({"OTEL_TRACES_EXPORTER": "zipkin"}) is None
    assert any("zipkin" in r.getMessage() for r in caplog.records)


def test_the_plugin_emits_a_stored_runs_spans_off_the_execution_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import threading

    from backend.host.standalone.server import StandaloneHost
    from backend.plugin import Plugin
    from backend.telemetry import TelemetrySources
    from backend.tracing import SpanSink

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    threads: list[str] = []

    class Noting(WorkflowSpans):
        def emit(self, record: Any) -> None:
            threads.append(threading.current_thread().name)
            super().emit(record)

    sink = SpanSink(Noting(provider.get_tracer("test")), provider)
    monkeypatch.setattr("backend.plugin.workflow_span_sink", lambda: sink)
    plugin = Plugin(StandaloneHost(tmp_path / "user"), TelemetrySources.fake())
    plugin.start()
    try:
        prompt = {
            "1": {"class_type": "EmptyImage", "inputs": {}},
            "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
        }
        plugin.recorder.begin_workflow("traced", prompt)
        for node_id in ("1", "2"):
            plugin.recorder.node_started("traced", node_id)
            plugin.recorder.node_finished("traced", node_id)
        plugin.recorder.workflow_outcome("traced", "success")
        plugin.recorder.end_workflow("traced")
        assert plugin.history.flush()
    finally:
        plugin.close()
    names = sorted(s.name for s in exporter.get_finished_spans())
    assert names[:2] == ["EmptyImage #1", "ImageInvert #2"] and len(names) == 3
    assert names[2].startswith("workflow "), "an unnamed run: by its graph hash"
    assert threads == ["swissarmyknife-history-writer"]
