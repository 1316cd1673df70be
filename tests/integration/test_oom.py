"""Against a real ComfyUI: an out-of-memory error inside a node that loaded a real (small) model
through ComfyUI's model management is captured before ComfyUI unloads it, named by the file its
loader was given, ranked by oom_stats; a model left loaded is unloaded by name."""

from __future__ import annotations

import time
from typing import Any

import pytest

from backend.schemas.oom import OomEvent, OomEventPage, OomStats, UnloadResult
from tests.support.comfyui_server import ComfyServer, record_of, request, token_headers

pytestmark = pytest.mark.comfyui

MIB = 1024**2
MODEL_FILE = "sak-tiny-model.safetensors"


def model_graph(user_class: str, *, megabytes: int, color: int) -> dict[str, Any]:
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": color},
        },
        "2": {
            "class_type": "SAKTinyModelLoader",
            "inputs": {"ckpt_name": MODEL_FILE, "megabytes": megabytes},
        },
        "3": {"class_type": user_class, "inputs": {"image": ["1", 0], "model": ["2", 0]}},
        "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 0]}},
    }


def oom_event_of(server: ComfyServer, prompt_id: str, timeout_s: float = 10.0) -> OomEvent:
    server.wait_done(prompt_id)
    deadline = time.monotonic() + timeout_s
    while True:
        status, body = server.get("/swissarmyknife/profiler/oom_events?limit=50")
        assert status == 200, body
        found = [e for e in OomEventPage.model_validate(body).data if e.prompt_id == prompt_id]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no OOM event for {prompt_id}:\n{server.log()[-3000:]}"
        time.sleep(0.1)


def test_the_capture_names_the_node_and_the_loaded_model_by_its_file(comfyui: ComfyServer) -> None:
    prompt_id = comfyui.queue(model_graph("SAKUseModelThenOom", megabytes=6, color=61))
    event = oom_event_of(comfyui, prompt_id)
    assert (event.node_id, event.node_type) == ("3", "SAKUseModelThenOom")
    assert event.exception_type == "OutOfMemoryError"
    assert event.figures.requested_bytes == 20 * 1024**3 and event.figures.reserved_unallocated_bytes
    (model,) = [m for m in event.loaded_models if m.name == MODEL_FILE]
    assert (model.loader_node_id, model.loader_class_type) == ("2", "SAKTinyModelLoader")
    assert model.size_bytes is not None and 6 * MIB <= model.size_bytes < 7 * MIB
    assert model.needed_later is True, "the failing node itself uses it"
    assert model.used_by_node_ids == ["3"], "it loaded the model through ComfyUI before failing"
    # Captured before ComfyUI unloaded it: our line comes first, then ComfyUI's own report.
    log = comfyui.log()
    ours = log.find(
        f"out of memory: 1 model(s) were loaded ({6 * MIB / 2**30:.2f} GiB on devices: {MODEL_FILE})"
    )
    assert ours != -1, log[-3000:]

    status, body = comfyui.get("/swissarmyknife/profiler/oom_stats")
    assert status == 200, body
    stats = OomStats.model_validate(body)
    assert stats.total_oom_count >= 1
    assert "SAKUseModelThenOom" in [r.node_type for r in stats.node_type_ranking]
    assert MODEL_FILE in [c.name for c in stats.model_correlation]


def test_a_model_left_loaded_is_unloaded_by_its_name(comfyui: ComfyServer) -> None:
    prompt_id = comfyui.queue(model_graph("SAKUseModel", megabytes=3, color=62))
    entry = comfyui.wait_done(prompt_id)
    assert entry["status"]["status_str"] == "success", entry
    # Its record says which node put the model on the device (ComfyUI's load_models_gpu).
    record = record_of(comfyui, prompt_id)
    user = next(n for n in record.nodes if n.node_id == "3")
    assert [(m.name, m.action) for m in user.models] == [(MODEL_FILE, "loaded")]
    (stay,) = [s for s in record.model_residency if s.name == MODEL_FILE]
    assert (stay.loaded_by_node_id, stay.until_ms) == ("3", None)
    headers = token_headers(comfyui)
    status, body, _ = request(
        comfyui,
        "POST",
        "/swissarmyknife/profiler/unload",
        b'{"models": ["%s", "nope.gguf"]}' % MODEL_FILE.encode(),
        headers=headers,
    )
    assert status == 200, body
    result = UnloadResult.model_validate(body)
    assert [u.name for u in result.unloaded] == [MODEL_FILE]
    assert result.not_found == ["nope.gguf"]
    assert result.freed_bytes is not None and 3 * MIB <= result.freed_bytes < 4 * MIB
    # Gone from ComfyUI's loaded models: a second request finds nothing.
    status, body, _ = request(
        comfyui,
        "POST",
        "/swissarmyknife/profiler/unload",
        b'{"models": ["%s"]}' % MODEL_FILE.encode(),
        headers=headers,
    )
    assert status == 200 and UnloadResult.model_validate(body).unloaded == []
    # Every prompt here went through the plugin's on-prompt handler (the check before a run; off on
    # a CPU-only ComfyUI): queued as sent, never an error in ComfyUI's handler loop.
    assert "on_prompt_handler" not in comfyui.log()
