"""The residency timeline replayed from model rows: stays per model and device, uses per node,
models put back although unchanged."""

from __future__ import annotations

from typing import Any

from backend.profiler import Recorder

PROMPT: dict[str, Any] = {
    "1": {"class_type": "KSampler", "inputs": {}},
    "2": {"class_type": "VAEDecode", "inputs": {"samples": ["1", 0]}},
}
GIB = 1024**3


def _clock() -> tuple[list[float], Recorder]:
    now = [100.0]
    return now, Recorder(wall_clock=lambda: 1_000.0, perf_clock=lambda: now[0])


def test_stays_uses_and_devices() -> None:
    now, rec = _clock()
    rec.begin_workflow("p", PROMPT)
    rec.models_resident("p", [("vae.safetensors", "cuda:0", GIB)], previous=["vae.safetensors"])
    now[0] = 100.5
    rec.node_started("p", "1")
    rec.models_changed(
        "loaded", [("base.safetensors", "cuda:0", 4 * GIB), ("base.safetensors", "cuda:1", 2 * GIB)]
    )
    rec.models_changed("loaded", [("base.safetensors", "cuda:0", 6 * GIB)])  # loaded further: one stay
    now[0] = 101.0
    rec.node_finished("p", "1")
    rec.models_changed("unloaded", [("base.safetensors", "cuda:1", 2 * GIB)])  # between nodes: no node's
    rec.node_started("p", "2")
    rec.models_changed("used", [("vae.safetensors", "cuda:0", GIB), ("clip.safetensors", "cuda:0", GIB)])
    now[0] = 102.0
    rec.node_finished("p", "2")
    rec.workflow_outcome("p", "success")
    finished = rec.end_workflow("p")
    assert finished is not None
    record = finished.build()
    stays = [
        (s.name, s.device, s.loaded_bytes, s.from_ms, s.until_ms, s.loaded_by_node_id, s.used_by_node_ids)
        for s in record.model_residency
    ]
    assert stays == [
        ("vae.safetensors", "cuda:0", GIB, 0.0, None, None, ["2"]),
        ("base.safetensors", "cuda:0", 6 * GIB, 500.0, None, "1", []),
        ("base.safetensors", "cuda:1", 2 * GIB, 500.0, 1000.0, "1", []),
        ("clip.safetensors", "cuda:0", GIB, 0.0, None, None, ["2"]),  # used, so there since before
    ]
    nodes = {n.node_id: n for n in record.nodes}
    assert [(m.name, m.action, m.device) for m in nodes["1"].models] == [
        ("base.safetensors", "loaded", "cuda:0"),
        ("base.safetensors", "loaded", "cuda:1"),
        ("base.safetensors", "loaded", "cuda:0"),
    ]
    assert [m.action for m in nodes["2"].models] == ["used", "used"]
    assert record.reloaded_models == [], "the VAE stayed from the last run: not loaded again"


def test_a_run_without_model_rows_has_no_timeline() -> None:
    _now, rec = _clock()
    rec.begin_workflow("p", PROMPT)
    rec.models_changed("loaded", [])
    rec.workflow_outcome("p", "success")
    finished = rec.end_workflow("p")
    assert finished is not None
    record = finished.build()
    assert (record.model_residency, record.reloaded_models) == ([], [])
    assert all(n.models == [] for n in record.nodes)
