"""Against a real ComfyUI: Prometheus' scrape shows a real run, ComfyUI's version and the queue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.comfyui_server import ComfyServer, record_of, request

pytestmark = pytest.mark.comfyui


def test_a_real_run_shows_in_the_scrape(comfyui: ComfyServer) -> None:
    prompt = {
        "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 77}},
        "2": {"class_type": "SAKSleep", "inputs": {"image": ["1", 0], "seconds": 0.05}},
        "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
    }
    record = record_of(comfyui, comfyui.queue(prompt))
    assert record.status == "success"
    status, body, headers = request(comfyui, "GET", "/api/swissarmyknife/metrics")
    if status == 503 and "prometheus_client" in str(body):
        pytest.fail(
            f"ComfyUI's Python lacks prometheus_client: pip install -r requirements.txt there ({body})"
        )
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    assert samples[("comfyui_workflows_total", (("status", "success"),))] >= 1
    sleep = (("class_type", "SAKSleep"),)
    assert samples[("comfyui_node_duration_seconds_count", sleep)] >= 1
    assert samples[("comfyui_node_duration_seconds_sum", sleep)] >= 0.05
    assert samples[("comfyui_queue_running", ())] == 0
    builds = [dict(labels) for name, labels in samples if name == "comfyui_swissarmyknife_build_info"]
    version = (Path(os.environ["COMFYUI_DIR"]) / "comfyui_version.py").read_text().split('"')[1]
    assert builds and builds[0]["comfyui_version"] == version and builds[0]["host"] == "comfyui"
    assert ("comfyui_memory_total_bytes", ()) in samples, "the machine, from the sampler's latest snapshot"
    assert record.prompt_id not in body, "never a prompt id"
