"""The OOM capture turned into an event, and the recommendations that follow from events."""

from __future__ import annotations

from typing import Any

from backend.profiler import Recorder
from backend.profiler.oom import LoadedModel, OomCapture
from backend.profiler.oom_advice import recommendations
from backend.schemas.oom import OomEvent
from tests.support.oom import GIB, MESSAGE, loaded_info, make_oom_event

PROMPT: dict[str, Any] = {
    "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.safetensors"}},
    "2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "refiner.safetensors"}},
    "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "x"}},
    "4": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["3", 0]}},
    "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
    "6": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": "4x.pth"}},
}


def _model(name: str, node_id: str, loaded_gib: float) -> LoadedModel:
    return LoadedModel(
        model_type="SDXL",
        config=None,
        device="cuda:0",
        memory_bytes=int(loaded_gib * GIB),
        loaded_bytes=int(loaded_gib * GIB),
        file_name=name,
        loader_node_id=node_id,
        loader_class_type="CheckpointLoaderSimple",
    )


def _recorder_at_the_sampler(sunk: list[OomEvent]) -> Recorder:
    rec = Recorder(wall_clock=lambda: 100.0)
    rec.add_oom_sink(sunk.append)
    rec.name_workflow("p", "Portrait")
    rec.begin_workflow("p", PROMPT)
    for node_id in ("1", "2", "6", "3"):
        rec.node_started("p", node_id)
        rec.node_finished("p", node_id)
    rec.node_started("p", "4")
    return rec


def _capture(*loaded: LoadedModel) -> OomCapture:
    return OomCapture(
        exception_type="OutOfMemoryError",
        message=MESSAGE,
        loaded=list(loaded),
        allocated_bytes=20 * GIB,
        reserved_bytes=int(21.5 * GIB),
    )


def test_the_event_names_the_failing_node_and_what_the_rest_still_needs() -> None:
    sunk: list[OomEvent] = []
    rec = _recorder_at_the_sampler(sunk)
    event = rec.capture_oom(
        _capture(
            _model("base.safetensors", "1", 6.5),
            _model("refiner.safetensors", "2", 5.9),
            _model("4x.pth", "6", 0.1),
            LoadedModel("AutoencoderKL", None, "cuda:0", None, None),
            LoadedModel("SD15", None, "cuda:0", GIB, GIB, file_name="old.safetensors", in_prompt=False),
        )
    )
    assert sunk == [event] and event is not None
    assert (event.node_id, event.node_type, event.workflow_name) == ("4", "KSampler", "Portrait")
    assert event.captured_at == 100.0 and event.prompt_id == "p"
    assert [(m.name, m.needed_later) for m in event.loaded_models] == [
        ("base.safetensors", True),  # the sampler and the decoder still need it
        ("refiner.safetensors", False),  # nothing still to run uses it
        ("4x.pth", False),  # loaded, run, and nothing still to run takes it
        ("AutoencoderKL", None),  # no loader known: cannot tell
        ("old.safetensors", False),  # an earlier prompt's: no loader here gives it
    ]
    assert event.figures.requested_bytes == 2 * GIB and event.figures.free_bytes == GIB
    assert event.vram_allocated_bytes == 20 * GIB


def test_no_event_without_a_running_workflow_and_a_failing_sink_costs_nothing_else() -> None:
    assert Recorder().capture_oom(_capture()) is None
    sunk: list[OomEvent] = []
    rec = _recorder_at_the_sampler(sunk)

    def broken(_event: OomEvent) -> None:
        raise RuntimeError("sink boom")

    rec.add_oom_sink(broken)
    remove = rec.add_oom_sink(sunk.append)
    assert rec.capture_oom(_capture()) is not None
    assert len(sunk) == 2, "the sinks after a failing one are still told"
    remove()
    rec.capture_oom(_capture())
    assert len(sunk) == 3


def test_unloading_what_is_not_needed_is_advised_largest_first_with_its_effect() -> None:
    event = make_oom_event(
        loaded_models=[
            loaded_info("base.safetensors", 6.5, True),
            loaded_info("lora.safetensors", 0.5, False),
            loaded_info("refiner.safetensors", 5.9, False),
        ]
    )
    (advice,) = recommendations([event])
    assert advice.kind == "unload_models" and advice.models == ["refiner.safetensors", "lora.safetensors"]
    assert advice.expected_freed_bytes == int(5.9 * GIB) + int(0.5 * GIB)
    # 23 GiB were in use (24 total, 1 free); 6.4 freed leaves 16.6 of 24.
    assert advice.resulting_percent is not None and round(advice.resulting_percent) == 69
    assert "refiner.safetensors (5.9 GiB)" in advice.detail and "Portrait" in advice.detail
    assert "less than" not in advice.detail, "6.4 GiB freed covers the 1 GiB it lacked"


def test_unload_advice_says_when_it_would_not_be_enough() -> None:
    figures = make_oom_event().figures.model_copy(update={"requested_bytes": 8 * GIB, "free_bytes": GIB})
    (advice,) = recommendations(
        [make_oom_event(figures=figures, loaded_models=[loaded_info("x.pth", 0.5, False)])]
    )
    assert advice.kind == "unload_models"
    assert "less than the 7.0 GiB it lacked (8.0 GiB asked, 1.0 GiB free)" in advice.detail


def test_a_request_larger_than_the_device_is_not_fixed_by_unloading() -> None:
    figures = make_oom_event().figures.model_copy(update={"requested_bytes": 30 * GIB})
    spare = [loaded_info("refiner.safetensors", 5.9, False)]
    kinds = [a.kind for a in recommendations([make_oom_event(figures=figures, loaded_models=spare)])]
    assert kinds == ["request_exceeds_device"], "no unload advice beside it: unloading cannot help"


def test_fragmentation_is_advised_when_much_is_reserved_but_unused() -> None:
    figures = make_oom_event().figures.model_copy(update={"reserved_unallocated_bytes": 3 * GIB})
    (advice,) = recommendations([make_oom_event(figures=figures)])
    assert advice.kind == "fragmentation" and "expandable_segments" in advice.detail


def test_nothing_to_advise_from_an_event_without_figures_or_spare_models() -> None:
    assert recommendations([make_oom_event(loaded_models=[loaded_info("base.safetensors", 6.5, True)])]) == []


def test_a_workflow_that_keeps_failing_is_advised_a_low_vram_mode_and_advice_is_not_repeated() -> None:
    spare = [loaded_info("refiner.safetensors", 5.9, False)]
    events = [make_oom_event(captured_at=float(t), loaded_models=spare) for t in range(3)]
    kinds = [a.kind for a in recommendations(events)]
    assert kinds == ["unload_models", "low_vram_mode"], "one unload advice for the same node, not three"


def test_the_event_says_which_nodes_of_the_run_used_each_model() -> None:
    sunk: list[OomEvent] = []
    now = [10.0]
    rec = Recorder(wall_clock=lambda: 1_000.0, perf_clock=lambda: now[0])
    rec.add_oom_sink(sunk.append)
    rec.begin_workflow("p", PROMPT)
    rec.models_resident("p", [], previous=[])
    for node_id in ("1", "3"):
        rec.node_started("p", node_id)
        rec.models_changed("loaded" if node_id == "1" else "used", [("base.safetensors", "cuda:0", 6 * GIB)])
        now[0] += 1.0
        rec.node_finished("p", node_id)
    rec.node_started("p", "4")
    event = rec.capture_oom(
        _capture(_model("base.safetensors", "1", 6.0), _model("refiner.safetensors", "2", 1))
    )
    assert event is not None
    by_name = {m.name: m for m in event.loaded_models}
    assert by_name["base.safetensors"].used_by_node_ids == ["1", "3"]
    assert by_name["base.safetensors"].last_used_at == 1_000.0 + 1.0, "node 3 started a second in"
    assert (by_name["refiner.safetensors"].used_by_node_ids, by_name["refiner.safetensors"].last_used_at) == (
        [],
        None,
    )
