"""The demo workload: seeded history and live runs through the real recorder and store."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from backend.__main__ import _add_test_controls
from backend.host.standalone.demo import DemoWorkload, SimulatedClock, demo_script
from backend.host.standalone.fake_models import FakeModels, FakeQueue
from backend.host.standalone.server import StandaloneHost
from backend.plugin import Plugin
from backend.profiler import Recorder
from backend.storage import HistoryStore
from backend.telemetry import TelemetrySources
from tests.support.hardware import wait_until


class Events:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        with self.lock:
            self.sent.append((event, data))

    def names(self) -> list[str]:
        with self.lock:
            return [name for name, _ in self.sent]


def _seeded(tmp_path: Path, runs: int) -> HistoryStore:
    store = HistoryStore(tmp_path)
    store.start()
    demo = DemoWorkload(FakeModels(), FakeQueue(), Events())

    def recorder(clock: SimulatedClock) -> Recorder:
        seeded = Recorder(wall_clock=clock.wall, perf_clock=clock.perf)
        seeded.add_sink(store.submit)
        seeded.add_oom_sink(store.submit_oom)
        return seeded

    assert demo.seed(recorder, hours=3.0, runs=runs, now=2_000_000_000.0) == runs
    assert store.flush(30)
    return store


def test_seeded_history_has_every_kind_of_run(tmp_path: Path) -> None:
    store = _seeded(tmp_path, runs=len(demo_script()) * 2)
    try:
        page = store.history(100)
        assert page.total == len(demo_script()) * 2
        statuses = Counter(item.status for item in page.items)
        assert set(statuses) == {"success", "error", "interrupted", "oom"}
        names = {item.workflow_name for item in page.items}
        assert names == {"Text to image (SDXL)", "Upscale 2x with face detail", None}, "one unsaved run"
        starts = sorted(item.started_at for item in page.items)
        assert starts[0] >= 2_000_000_000.0 - 3 * 3600 and starts[-1] < 2_000_000_000.0, "the past hours"
        assert any(item.cache_hits for item in page.items) and any(not item.cache_hits for item in page.items)
        assert len(store.workflow_averages()) == 2, "an edited prompt text keeps the graph's hash"
        upscale = next(
            i
            for i in page.items
            if i.workflow_name == "Upscale 2x with face detail" and i.status == "success"
        )
        record = store.get_workflow(upscale.prompt_id)
        assert record is not None
        grouped = [n for n in record.nodes if n.parent_node_id == "5"]
        assert [n.class_type for n in grouped] == ["FaceDetect", "CropFaces", "InpaintFaces"]
        sampler_runs = [
            n
            for item in page.items
            for n in (store.get_workflow(item.prompt_id) or record).nodes
            if n.class_type == "KSampler" and n.status == "success"
        ]
        assert sampler_runs and all((n.vram_peak_delta_bytes or 0) > 3 * 1024**3 for n in sampler_runs)
        assert all(len(n.output_shapes) == 1 for n in sampler_runs)
    finally:
        store.close()


def test_an_oom_unloads_every_model_and_is_recorded_as_one(tmp_path: Path) -> None:
    store = _seeded(tmp_path, runs=len(demo_script()))
    try:
        (oom,) = store.history(100, status="oom").items
        assert oom.error is not None and "out of memory" in oom.error.message.lower()
        record = store.get_workflow(oom.prompt_id)
        assert record is not None
        failed = [n for n in record.nodes if n.status == "error"]
        assert [n.class_type for n in failed] == ["KSampler"]
        # Captured before the models went: named by their files, the sampler's still needed, the
        # upscaler the other workflow left not.
        (event,) = store.oom_events(10)
        assert (event.prompt_id, event.node_type) == (oom.prompt_id, "KSampler")
        assert oom.started_at < event.captured_at <= oom.ended_at, "on the seeding's clock"
        assert {m.name: m.needed_later for m in event.loaded_models} == {
            "sd_xl_base_1.0.safetensors": True,
            "4x-UltraSharp.pth": False,
        }
        # The residency timeline: the checkpoint was on the device from the start, the encoders
        # and the sampler asked for it, and the OOM took everything off inside the sampler.
        base = next(s for s in record.model_residency if s.name == "sd_xl_base_1.0.safetensors")
        assert base.until_ms is not None and "3" in base.used_by_node_ids
        sampler = next(n for n in record.nodes if n.node_id == "3")
        assert {(m.name, m.action) for m in sampler.models} >= {("sd_xl_base_1.0.safetensors", "unloaded")}
        # Another program held 16.5 GiB: the sampler started critical, and its capture says so.
        assert sampler.vram_percent_before is not None and sampler.vram_percent_before >= 95
        assert event.vram_free_before_bytes == sampler.vram_free_before_bytes
        assert event.figures.requested_bytes is not None and event.figures.total_bytes == 24 * 1024**3
    finally:
        store.close()


def test_live_runs_play_comfyuis_events_through_the_plugins_recorder(tmp_path: Path) -> None:
    events = Events()
    models, queue = FakeModels(), FakeQueue()
    demo = DemoWorkload(models, queue, events, speed=200.0, interval_s=0.0)
    recorder = Recorder()
    finished: list[Any] = []
    recorder.add_sink(finished.append)
    demo.start(recorder)
    try:
        assert wait_until(lambda: len(finished) >= 2, timeout_s=20.0)
    finally:
        demo.stop()
    names = events.names()
    first_end = names.index("execution_success")
    assert names[:2] == ["status", "execution_start"]
    assert "progress" in names[:first_end] and names[first_end + 1] == "executing"
    assert "execution_cached" in names, "the second run reuses the loader's output"
    first = finished[0].build()
    assert first.status == "success" and first.workflow_name == "Text to image (SDXL)"
    assert any(m.name == "sd_xl_base_1.0.safetensors" for m in models.loaded()), "the checkpoint stays loaded"
    assert not any(m.name.endswith("working memory") for m in models.loaded())


def test_run_now_does_not_wait_for_the_interval(tmp_path: Path) -> None:
    demo = DemoWorkload(FakeModels(), FakeQueue(), Events(), speed=500.0, interval_s=3600.0)
    recorder = Recorder()
    finished: list[Any] = []
    recorder.add_sink(finished.append)
    demo.start(recorder)
    try:
        assert wait_until(lambda: len(finished) == 1, timeout_s=20.0)
        started = time.monotonic()
        demo.run_now()
        assert wait_until(lambda: len(finished) == 2, timeout_s=20.0)
        assert time.monotonic() - started < 60, "not an hour's interval"
    finally:
        demo.stop()


async def test_the_demo_route_starts_a_run_or_says_there_is_no_demo(
    aiohttp_client: Any, tmp_path: Path
) -> None:

    for with_demo in (False, True):
        host = StandaloneHost(tmp_path / str(with_demo))
        sources = TelemetrySources.fake()
        plugin = Plugin(host, sources)
        demo = DemoWorkload(host.models, host.queue, host.send_event, interval_s=3600.0)
        plugin.register_routes()
        _add_test_controls(host, plugin, sources, demo if with_demo else None)
        client = await aiohttp_client(host.build_app())
        resp = await client.post("/swissarmyknife/standalone/demo/run", json={})
        assert resp.status == (200 if with_demo else 404), await resp.text()
        assert demo._wake.is_set() is with_demo, "the next run starts now"
        plugin.close()


def test_seeding_a_large_history_waits_for_the_writer_and_loses_nothing(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path, queue_size=250)
    store.start()
    demo = DemoWorkload(FakeModels(), FakeQueue(), Events())

    def recorder(clock: SimulatedClock) -> Recorder:
        seeded = Recorder(wall_clock=clock.wall, perf_clock=clock.perf)
        seeded.add_sink(store.submit)
        seeded.add_oom_sink(store.submit_oom)
        return seeded

    paced: list[bool] = []
    try:
        # 1,000 runs handed over at once would overflow a queue of 250: seeding waits every 200.
        demo.seed(recorder, runs=1000, pace=lambda: paced.append(store.flush(30)))
        assert store.flush(30)
        assert paced == [True] * 5
        assert store.count() == 1000 and store.counters().dropped == 0
    finally:
        store.close()
