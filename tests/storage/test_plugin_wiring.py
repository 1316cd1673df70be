"""The plugin opens history under the host's data directory, feeds it from the recorder, closes it; its
events (VRAM pressure, OOM captures) reach the pages."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from backend.host.standalone.server import StandaloneHost
from backend.plugin import Plugin
from backend.profiler import MemorySample
from backend.profiler.oom import LoadedModel, OomCapture
from backend.profiler.prevention import DeviceNow
from backend.schemas.environment import Environment
from backend.schemas.oom import OomCapturedEvent, OomRiskEvent, VramPressureEvent
from backend.schemas.profiler import ProfilerStats, WorkflowRecord
from backend.storage import WRITER_THREAD_NAME
from backend.telemetry import TelemetrySources
from backend.version import __version__
from tests.support.hardware import wait_until
from tests.support.oom import MESSAGE

PROMPT = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
}


def _writers() -> int:
    return sum(1 for t in threading.enumerate() if t.name == WRITER_THREAD_NAME)


async def test_finished_workflows_reach_history_and_the_routes(aiohttp_client: Any, tmp_path: Path) -> None:
    before = _writers()
    host = StandaloneHost(tmp_path / "user")
    plugin = Plugin(host, TelemetrySources.fake())
    plugin.register_routes()
    plugin.start()
    try:
        assert plugin.history.path == tmp_path / "user" / "history.sqlite"
        assert _writers() == before + 1
        # The environment is read on a thread of its own at start; runs after it refer to it.
        assert wait_until(lambda: plugin.history.environment_id is not None)
        recorder = plugin.recorder
        recorder.begin_workflow("wired-1", PROMPT)
        for node_id in ("1", "2"):
            recorder.node_started("wired-1", node_id)
            recorder.node_finished("wired-1", node_id)
        recorder.workflow_outcome("wired-1", "success")
        finished = recorder.end_workflow("wired-1")
        assert finished is not None
        record = finished.build()  # what the history writer built from it
        assert plugin.history.flush()

        client = await aiohttp_client(host.build_app())
        resp = await client.get("/swissarmyknife/profiler/stats")
        assert resp.status == 200, await resp.text()
        stats = ProfilerStats.model_validate(await resp.json())
        stored = record.model_copy(update={"environment_id": plugin.history.environment_id})
        assert stats.latest == stored
        resp = await client.get(f"/swissarmyknife/profiler/environments/{plugin.history.environment_id}")
        assert resp.status == 200, await resp.text()
        environment = Environment.model_validate(await resp.json())
        assert environment.fingerprint.host == "standalone"
        assert environment.fingerprint.pack_version == __version__
        assert [a.class_type for a in stats.node_averages] != []
        resp = await client.get("/api/swissarmyknife/profiler/workflows/wired-1")
        assert WorkflowRecord.model_validate(await resp.json()) == stored
        # Prometheus sees the stored run, the fake machine and the pack's build.
        resp = await client.get("/swissarmyknife/metrics")
        assert resp.status == 200, await resp.text()
        scraped = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(await resp.text())
            for s in family.samples
        }
        assert scraped[("comfyui_workflows_total", (("status", "success"),))] == 1
        assert scraped[("comfyui_node_duration_seconds_count", (("class_type", "EmptyImage"),))] == 1
        builds = [labels for name, labels in scraped if name == "comfyui_swissarmyknife_build_info"]
        assert ("pack_version", __version__) in builds[0] and ("host", "standalone") in builds[0]
    finally:
        plugin.close()
    assert _writers() == before, "close() drains and stops the writer"
    plugin.close()


def test_vram_pressure_and_stored_oom_captures_reach_the_pages(tmp_path: Path) -> None:

    host = StandaloneHost(tmp_path / "user")
    sent: list[tuple[str, dict[str, Any]]] = []
    host.send_event = lambda event, data: sent.append((event, data))  # type: ignore[method-assign]
    plugin = Plugin(host, TelemetrySources.fake())
    plugin.start()
    try:
        gib = 1024**3
        recorder = plugin.recorder
        recorder.begin_workflow("hot", PROMPT)
        recorder.node_started("hot", "1", MemorySample(gib, None, gib, gib, 24 * gib))  # 96 % in use
        model = LoadedModel("SDXL", None, "cuda:0", 6 * gib, 6 * gib, file_name="base.safetensors")
        recorder.capture_oom(OomCapture("OutOfMemoryError", MESSAGE, [model]))
        recorder.workflow_outcome("hot", "oom")
        recorder.end_workflow("hot")
        assert plugin.history.flush()
    finally:
        plugin.close()
    pressure = [
        VramPressureEvent.model_validate(d) for e, d in sent if e == "swissarmyknife.profiler.vram_pressure"
    ]
    assert [(p.level, p.node_id, p.node_type) for p in pressure] == [
        ("critical", "1", "EmptyImage"),
        ("normal", None, None),
    ]
    assert (pressure[0].warning_percent, pressure[0].critical_percent) == (85.0, 95.0)
    (notice,) = [OomCapturedEvent.model_validate(d) for e, d in sent if e == "swissarmyknife.profiler.oom"]
    assert (notice.prompt_id, notice.node_type, notice.loaded_models) == (
        "hot",
        "EmptyImage",
        ["base.safetensors"],
    )
    assert notice.requested_bytes == 2 * gib


def test_a_queued_prompt_that_will_not_fit_is_warned_of_before_it_runs(tmp_path: Path) -> None:
    gib = 1024**3
    host = StandaloneHost(tmp_path / "user")
    sent: list[tuple[str, dict[str, Any]]] = []
    host.send_event = lambda event, data: sent.append((event, data))  # type: ignore[method-assign]
    host.device_reader = lambda: DeviceNow(
        free_bytes=4 * gib, total_bytes=24 * gib, loaded=(("flux1-dev.safetensors", 12 * gib),)
    )
    plugin = Plugin(host, TelemetrySources.fake())
    plugin.start()
    try:
        recorder = plugin.recorder
        recorder.name_workflow("before", "Portrait")
        recorder.begin_workflow("before", PROMPT)
        recorder.node_started("before", "1", MemorySample(2 * gib, None, gib))
        recorder.node_finished("before", "1", MemorySample(2 * gib, 16 * gib, gib))  # a 16 GiB peak
        recorder.workflow_outcome("before", "success")
        recorder.end_workflow("before")
        assert plugin.history.flush()
        host.prompt_queued(PROMPT, "next", "page-1")
        assert wait_until(lambda: any(e == "swissarmyknife.profiler.oom_risk" for e, _ in sent))
        host.prompt_queued({"9": {"class_type": "Never", "inputs": {}}}, "new")  # no history: no check
        assert plugin.check_oom_risk({"9": {"class_type": "Never", "inputs": {}}}) is None
    finally:
        plugin.close()
    (event,) = [OomRiskEvent.model_validate(d) for e, d in sent if e == "swissarmyknife.profiler.oom_risk"]
    assert (event.prompt_id, event.client_id) == ("next", "page-1")
    assert event.risk.workflow_name == "Portrait" and event.risk.needed_bytes == 16 * gib
    assert [m.name for m in event.risk.models_to_unload] == ["flux1-dev.safetensors"]
