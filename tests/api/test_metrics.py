"""GET /swissarmyknife/metrics, parsed with prometheus_client's own parsers: names, units and labels
as specified, values following a known snapshot and a known history, OpenMetrics on request, a
scrape counted as demand, cardinality bounded whatever the prompts, 503 without prometheus_client."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from backend.metrics import MetricsExposition, RunMetrics
from backend.metrics import exposition as exposition_module
from backend.schemas.profiler import WorkflowRecord
from tests.support.api import build_app, error_of
from tests.support.hardware import wait_until
from tests.support.metrics import exposition_of, metric_sources
from tests.support.records import make_record
from tests.support.telemetry import FakeSampler

PATH = "/swissarmyknife/metrics"
GIB = 1024**3


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _history(runs: RunMetrics) -> list[WorkflowRecord]:
    records = [make_record(i, status="oom" if i == 3 else "success", nodes=8) for i in range(5)]
    for record in records:
        runs.observe(record)
    runs.observe_oom("KSampler")
    return records


async def test_the_scrape_follows_the_snapshot_and_the_stored_runs(aiohttp_client: Any) -> None:
    sampler, runs = FakeSampler(gpu_count=2), RunMetrics()
    records = _history(runs)
    client = await aiohttp_client(build_app(sampler, metrics=exposition_of(sampler, runs)))
    resp = await client.get("/api" + PATH)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    got = _samples(await resp.text())
    gpu0 = (("gpu", "0"), ("model", "NVIDIA Test 0"), ("uuid", "GPU-00000000"))
    assert got[("comfyui_cpu_utilization_ratio", ())] == 0.125
    assert got[("comfyui_cpu_frequency_hertz", ())] == 3.6e9
    assert got[("comfyui_memory_used_bytes", ())] == 8 * GIB
    assert got[("comfyui_memory_total_bytes", ())] == 32 * GIB
    assert got[("comfyui_gpu_utilization_ratio", gpu0)] == 0.4
    assert got[("comfyui_gpu_memory_used_bytes", gpu0)] == 4 * GIB
    assert got[("comfyui_gpu_memory_total_bytes", gpu0)] == 24 * GIB
    assert got[("comfyui_gpu_temperature_celsius", gpu0)] == 55
    assert got[("comfyui_gpu_power_watts", gpu0)] == 120
    assert got[("comfyui_gpu_power_limit_watts", gpu0)] == 350
    assert (
        "comfyui_gpu_memory_used_bytes",
        (("gpu", "1"), ("model", "NVIDIA Test 1"), ("uuid", "GPU-00000001")),
    ) in got
    assert ("comfyui_cpu_temperature_celsius", ()) not in got, "no sensor: no sample, never a made-up 0"
    assert got[("comfyui_queue_running", ())] == 1 and got[("comfyui_queue_pending", ())] == 3
    # The runs: by status, durations, nodes by class, cache use, OOMs.
    assert got[("comfyui_workflows_total", (("status", "success"),))] == 4
    assert got[("comfyui_workflows_total", (("status", "oom"),))] == 1
    successes = [r for r in records if r.status == "success"]
    assert got[("comfyui_workflow_duration_seconds_count", ())] == 4
    assert got[("comfyui_workflow_duration_seconds_sum", ())] == pytest.approx(
        sum(r.duration_ms or 0 for r in successes) / 1000
    )
    sampler_times = [
        n.duration_ms / 1000
        for r in records
        for n in r.nodes
        if n.class_type == "KSampler" and not n.cache_hit and n.status == "success" and n.duration_ms
    ]
    ksampler = (("class_type", "KSampler"),)
    assert got[("comfyui_node_duration_seconds_count", ksampler)] == len(sampler_times)
    assert got[("comfyui_node_duration_seconds_sum", ksampler)] == pytest.approx(sum(sampler_times))
    assert got[("comfyui_node_duration_seconds_bucket", (*ksampler, ("le", "+Inf")))] == len(sampler_times)
    assert got[("comfyui_node_duration_seconds_bucket", (*ksampler, ("le", "0.05")))] == sum(
        t <= 0.05 for t in sampler_times
    )
    assert got[("comfyui_node_cache_hits_total", ())] == sum(r.cache_hits for r in records)
    assert got[("comfyui_node_cache_misses_total", ())] == sum(r.cache_misses for r in records)
    assert got[("comfyui_oom_total", (("class_type", "KSampler"),))] == 1
    # The pack itself.
    assert got[("comfyui_swissarmyknife_hook_errors_total", (("hook", "PromptExecutor.execute"),))] == 2
    assert got[("comfyui_swissarmyknife_samples_total", ())] == 40
    assert got[("comfyui_swissarmyknife_sample_cpu_seconds_total", ())] == 0.02
    assert got[("comfyui_swissarmyknife_history_writes_total", (("outcome", "written"),))] == 5
    build = (("comfyui_version", "0.27.0"), ("pack_version", "0.1.0"), ("torch_version", "2.13.0"))
    assert got[("comfyui_swissarmyknife_build_info", build)] == 1
    # Names: the prefix, base units, _total on every counter.
    families = list(text_string_to_metric_families(await resp.text()))
    assert all(f.name.startswith("comfyui_") for f in families)
    assert all(s.name.endswith("_total") for f in families if f.type == "counter" for s in f.samples)
    assert sampler.demand_notes == 1, "a scrape counts as someone looking"


async def test_openmetrics_on_request_is_one_valid_document(aiohttp_client: Any) -> None:
    sampler, runs = FakeSampler(), RunMetrics()
    _history(runs)
    client = await aiohttp_client(build_app(sampler, metrics=exposition_of(sampler, runs)))
    resp = await client.get(PATH, headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
    text = await resp.text()
    assert text.count("# EOF") == 1 and text.endswith("# EOF\n")
    names = {f.name for f in parse_openmetrics(text)}
    assert {"comfyui_workflows", "comfyui_node_duration_seconds", "comfyui_swissarmyknife_build"} <= names


async def test_a_new_run_shows_in_the_next_scrape_and_series_stay_bounded_over_1000_prompts(
    aiohttp_client: Any,
) -> None:
    sampler, runs = FakeSampler(), RunMetrics()
    client = await aiohttp_client(build_app(sampler, metrics=exposition_of(sampler, runs)))
    first = _samples(await (await client.get(PATH)).text())
    assert first[("comfyui_workflows_total", (("status", "success"),))] == 0
    for i in range(1000):
        runs.observe(make_record(i, nodes=8, prompt_id=f"prompt-{i}", workflow_hash=f"{i:016x}"))
    text = await (await client.get(PATH)).text()
    after = _samples(text)
    assert after[("comfyui_workflows_total", (("status", "success"),))] == 1000
    assert "prompt-" not in text and "0000000000000" not in text, "no prompt ids, no workflow hashes"
    # Series: the 8 node classes' histograms, the rest fixed; 1,000 prompts add none.
    runs.observe(make_record(5000, nodes=8))
    assert len(_samples(await (await client.get(PATH)).text())) == len(after)


def test_node_classes_beyond_the_bound_share_one_label() -> None:
    runs = RunMetrics(max_class_types=3)
    record = make_record(0, nodes=8, cached=0)
    runs.observe(record)
    classes = set(runs.totals().node_duration)
    assert len(classes) == 4 and "_other" in classes


async def test_without_prometheus_client_or_an_exposition_the_scrape_is_503(
    aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await aiohttp_client(build_app(FakeSampler()))
    resp = await client.get(PATH)
    assert resp.status == 503 and "not served" in (await error_of(resp))["message"]
    sampler, runs = FakeSampler(), RunMetrics()
    monkeypatch.setattr(
        "backend.api.metrics.available",
        lambda: "prometheus_client is not installed; pip install prometheus_client",
    )
    client = await aiohttp_client(build_app(sampler, metrics=exposition_of(sampler, runs)))
    resp = await client.get(PATH)
    assert resp.status == 503 and "pip install prometheus_client" in (await error_of(resp))["message"]
    assert exposition_module.available() is None, "installed here"


def test_after_a_run_the_histograms_are_rendered_ahead_only_while_someone_scrapes() -> None:
    sampler, runs = FakeSampler(), RunMetrics()
    now = [1000.0]
    exposition = MetricsExposition(metric_sources(sampler, runs), clock=lambda: now[0])
    renders: list[int] = []
    original = exposition._render_runs

    def counted(openmetrics: bool) -> bytes:
        renders.append(runs.generation)
        return original(openmetrics)

    exposition._render_runs = counted  # type: ignore[method-assign]
    runs.observe(make_record(0, nodes=4))
    exposition.runs_changed()
    assert renders == [], "nobody scraped yet: nothing rendered"
    exposition.render(None)
    assert renders == [1]
    runs.observe(make_record(1, nodes=4))
    exposition.runs_changed()
    assert wait_until(lambda: renders == [1, 2]), renders
    body, _ = exposition.render(None)
    assert renders == [1, 2], "the scrape served what was rendered ahead"
    assert b'comfyui_workflows_total{status="success"} 2.0' in body
    now[0] += 601  # ten minutes without a scrape: runs are counted, nothing is rendered
    runs.observe(make_record(2, nodes=4))
    exposition.runs_changed()
    assert not wait_until(lambda: len(renders) > 2, timeout_s=0.3)


def test_the_pack_loads_and_serves_everything_else_without_prometheus_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import builtins
    import sys

    from backend.host.standalone.server import StandaloneHost
    from backend.plugin import Plugin
    from backend.telemetry import TelemetrySources

    real_import = builtins.__import__

    def without(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "prometheus_client" or name.startswith("prometheus_client."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    for module in [m for m in sys.modules if m.startswith("prometheus_client")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", without)
    plugin = Plugin(StandaloneHost(tmp_path / "user"), TelemetrySources.fake())  # ComfyUI's start
    try:
        plugin.metrics.runs_changed()  # a stored run: nothing to render, nothing raised
        assert exposition_module.available() is not None
    finally:
        plugin.close()
