"""The recorder against recorded ComfyUI event sequences: success, cached re-run, error, OOM, interrupt,
async re-entry, subgraph expansion, and the live view of a running workflow."""

from __future__ import annotations

from typing import Any

import pytest

from backend.profiler import FinishedWorkflow, MemorySample, Recorder
from backend.profiler import replay as replay_module
from backend.schemas.profiler import ErrorSummary, TensorShape, WorkflowRecord

PROMPT: dict[str, Any] = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
    "2": {
        "class_type": "SAKSleep",
        "inputs": {"image": ["1", 0], "seconds": 0.2},
        "_meta": {"title": "Sleep A"},
    },
    "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
}


class Clocks:
    """Deterministic wall and perf clocks advanced by the test."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def wall(self) -> float:
        return self.now

    def perf(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def recorder(clocks: Clocks) -> tuple[Recorder, list[WorkflowRecord]]:
    rec = Recorder(wall_clock=clocks.wall, perf_clock=clocks.perf)
    out: list[WorkflowRecord] = []
    rec.add_sink(lambda finished: out.append(finished.build()))
    return rec, out


def built(finished: FinishedWorkflow | None) -> WorkflowRecord:
    assert finished is not None
    return finished.build()


def run_node(
    rec: Recorder, clocks: Clocks, node_id: str, seconds: float, shapes: Any = None, **memory: Any
) -> None:
    rec.node_started("p", node_id, memory=MemorySample(vram_bytes=memory.get("before"), rss_bytes=100))
    clocks.advance(seconds)
    rec.node_finished(
        "p",
        node_id,
        memory=MemorySample(
            vram_bytes=memory.get("after"), vram_peak_bytes=memory.get("peak"), rss_bytes=150
        ),
        shapes=shapes,
    )


def test_success_records_every_node_with_durations_and_memory(recorder: Any, clocks: Clocks) -> None:
    rec, out = recorder
    rec.begin_workflow("p", PROMPT)
    rec.mark_cached("p", [])
    run_node(rec, clocks, "1", 0.01, [("out0", [1, 8, 8, 3], "float32", "cpu")], before=0, after=10, peak=30)
    run_node(rec, clocks, "2", 0.2, before=10, after=10, peak=1_000)
    run_node(rec, clocks, "3", 0.005)
    rec.workflow_outcome("p", "success")
    record = built(rec.end_workflow("p"))
    assert record is not None and out == [record]
    assert record.status == "success"
    assert [n.node_id for n in record.nodes] == ["1", "2", "3"]
    assert [n.order for n in record.nodes] == [0, 1, 2]
    sleep = record.nodes[1]
    assert sleep.class_type == "SAKSleep" and sleep.title == "Sleep A"
    assert sleep.duration_ms == pytest.approx(200.0)
    assert sleep.vram_peak_delta_bytes == 990
    assert sleep.rss_before_bytes == 100 and sleep.rss_after_bytes == 150
    assert sleep.input_shapes == [
        TensorShape(path="image", shape=[1, 8, 8, 3], dtype="float32", device="cpu")
    ]
    assert record.executed_count == 3 and record.cache_hits == 0 and record.cache_misses == 3
    assert record.peak_vram_bytes == 1_000
    assert record.duration_ms == pytest.approx(215.0)
    assert record.node_count == 3


def test_cached_rerun_reports_every_node_as_a_cache_hit(recorder: Any) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    rec.mark_cached("p", ["1", "2", "3"])
    rec.node_finished("p", "3")  # ComfyUI finishes cached output nodes without a start
    rec.workflow_outcome("p", "success")
    record = built(rec.end_workflow("p"))
    assert record is not None
    assert [(n.node_id, n.status, n.cache_hit) for n in record.nodes] == [
        ("1", "cached", True),
        ("2", "cached", True),
        ("3", "cached", True),
    ]
    assert all(n.duration_ms is None for n in record.nodes)
    assert record.cache_hits == 3 and record.executed_count == 0


def test_error_marks_the_failing_node_and_summarises(recorder: Any, clocks: Clocks) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    rec.mark_cached("p", ["1"])
    rec.node_started("p", "2")
    clocks.advance(0.05)
    rec.node_failed("p", "2", "ValueError: boom")
    error = ErrorSummary(node_id="2", node_type="SAKSleep", exception_type="ValueError", message="boom")
    rec.workflow_outcome("p", "error", error)
    record = built(rec.end_workflow("p"))
    assert record is not None and record.status == "error" and record.error == error
    failed = record.nodes[1]
    assert failed.status == "error" and failed.error == "ValueError: boom"
    assert failed.duration_ms == pytest.approx(50.0)
    assert [n.node_id for n in record.nodes] == ["1", "2"], "nodes that never ran are not invented"


def test_oom_is_its_own_status(recorder: Any) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    rec.node_started("p", "2")
    rec.node_failed("p", "2", "OutOfMemoryError: CUDA out of memory", oom=True)
    rec.workflow_outcome(
        "p",
        "error",
        ErrorSummary(node_id="2", node_type="X", exception_type="torch.OutOfMemoryError", message="m"),
    )
    record = built(rec.end_workflow("p"))
    assert record is not None and record.status == "oom"


def test_oom_recognised_from_the_message_alone(recorder: Any) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    rec.workflow_outcome(
        "p",
        "error",
        ErrorSummary(node_id=None, node_type=None, exception_type="torch.OutOfMemoryError", message="x"),
    )
    record = built(rec.end_workflow("p"))
    assert record is not None and record.status == "oom"


def test_interrupt_marks_the_running_node(recorder: Any, clocks: Clocks) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    run_node(rec, clocks, "1", 0.01)
    rec.node_started("p", "2")
    rec.workflow_outcome(
        "p",
        "interrupted",
        ErrorSummary(node_id="2", node_type="SAKSleep", exception_type="interrupted", message=""),
    )
    record = built(rec.end_workflow("p"))
    assert record is not None and record.status == "interrupted"
    assert [n.status for n in record.nodes] == ["success", "interrupted"]


def test_async_and_lazy_reentry_keep_the_first_start(recorder: Any, clocks: Clocks) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    rec.node_started("p", "2")
    clocks.advance(0.1)
    rec.node_started("p", "2")  # PENDING, then re-entered
    clocks.advance(0.2)
    rec.node_finished("p", "2")
    rec.workflow_outcome("p", "success")
    record = built(rec.end_workflow("p"))
    assert record is not None and record.nodes[0].duration_ms == pytest.approx(300.0)


def test_subgraph_expansion_records_ephemeral_nodes_with_their_parent(recorder: Any, clocks: Clocks) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    # What the host's DynamicPrompt says of the nodes it added; asked when the record is built.
    expansions = {"2.0.1": ("ImageInvert", "2")}
    rec.node_graph("p", expansions.get)
    rec.node_started("p", "2")
    rec.node_started("p", "2.0.1")
    clocks.advance(0.01)
    rec.node_finished("p", "2.0.1")
    rec.node_finished("p", "2")
    rec.workflow_outcome("p", "success")
    record = built(rec.end_workflow("p"))
    assert record is not None
    child = next(n for n in record.nodes if n.node_id == "2.0.1")
    assert child.parent_node_id == "2" and child.class_type == "ImageInvert"
    assert record.node_count == 3, "node_count counts the graph the user queued"


def test_current_is_a_live_view_and_none_when_idle(recorder: Any, clocks: Clocks) -> None:
    rec, out = recorder
    assert rec.current() is None
    rec.begin_workflow("p", PROMPT)
    rec.node_started("p", "1")
    live = rec.current()
    assert live is not None and live.status == "running" and live.ended_at is None
    assert live.nodes[0].status == "running"
    rec.node_finished("p", "1")
    rec.workflow_outcome("p", "success")
    rec.end_workflow("p")
    assert rec.current() is None
    assert [r.prompt_id for r in out] == ["p"], "the finished record goes to the sinks, not kept here"
    assert not hasattr(rec, "latest"), "the store keeps finished records; the recorder holds none"


def test_events_for_unknown_prompts_are_ignored(recorder: Any) -> None:
    rec, out = recorder
    rec.node_started("nope", "1")
    rec.node_finished("nope", "1")
    rec.mark_cached("nope", ["1"])
    rec.workflow_outcome("nope", "success")
    assert rec.end_workflow("nope") is None
    assert out == []


def test_a_failing_sink_does_not_stop_the_others(recorder: Any) -> None:
    rec, out = recorder

    def bad(_record: WorkflowRecord) -> None:
        raise RuntimeError("sink down")

    rec.add_sink(bad)
    later: list[WorkflowRecord] = []
    rec.add_sink(lambda finished: later.append(finished.build()))
    rec.begin_workflow("p", PROMPT)
    rec.workflow_outcome("p", "success")
    rec.end_workflow("p")
    assert len(out) == 1 and len(later) == 1


def test_execution_without_an_outcome_message_is_an_error(recorder: Any) -> None:
    rec, _ = recorder
    rec.begin_workflow("p", PROMPT)
    rec.node_started("p", "1")
    record = built(rec.end_workflow("p"))
    assert record is not None and record.status == "error"
    assert record.nodes[0].status == "error"


def test_a_runaway_workflow_is_bounded_and_keeps_its_outcome(
    recorder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.profiler import recorder as module

    monkeypatch.setattr(replay_module, "MAX_NODES_PER_WORKFLOW", 5)
    monkeypatch.setattr(module, "MAX_EVENTS_PER_WORKFLOW", 12)
    rec, _out = recorder
    rec.begin_workflow("p", PROMPT)
    for i in range(50):  # a subgraph expansion that never stops
        rec.node_started("p", f"x{i}")
        rec.node_finished("p", f"x{i}")
    rec.workflow_outcome(
        "p",
        "error",
        ErrorSummary(node_id=None, node_type=None, exception_type="RuntimeError", message="boom"),
    )
    record = built(rec.end_workflow("p"))
    assert record is not None and len(record.nodes) == 5
    assert [n.node_id for n in record.nodes] == ["x0", "x1", "x2", "x3", "x4"]
    assert record.status == "error" and record.error is not None, "the outcome is never dropped"


def test_shapes_are_named_when_the_record_is_built(recorder: Any, clocks: Clocks) -> None:
    import torch

    rec, _out = recorder
    rec.begin_workflow("p", PROMPT)
    image = torch.zeros(1, 8, 8, 3, dtype=torch.float16)
    # As the hooks log them: the library's own size, dtype and device objects.
    run_node(
        rec,
        clocks,
        "1",
        0.01,
        [("out0", image.shape, image.dtype, image.device), ("out1", ("n",), "x", None)],
    )
    run_node(rec, clocks, "2", 0.01)
    rec.workflow_outcome("p", "success")
    record = built(rec.end_workflow("p"))
    assert record is not None
    first, sleep = record.nodes[0], record.nodes[1]
    assert first.output_shapes == [
        TensorShape(path="out0", shape=[1, 8, 8, 3], dtype="float16", device="cpu")
    ]
    assert sleep.input_shapes == [
        TensorShape(path="image", shape=[1, 8, 8, 3], dtype="float16", device="cpu")
    ]


def test_a_live_view_leaves_the_run_as_it_was(recorder: Any, clocks: Clocks) -> None:
    rec, _out = recorder
    rec.begin_workflow("p", PROMPT)
    rec.node_started("p", "1")
    assert rec.current() is not None
    clocks.advance(0.5)
    rec.node_finished("p", "1")
    rec.workflow_outcome("p", "success")
    record = built(rec.end_workflow("p"))
    assert record is not None and record.nodes[0].status == "success"
    assert record.nodes[0].duration_ms == pytest.approx(500.0)


def test_an_oom_mark_ends_the_failed_node_before_models_unload(recorder: Any, clocks: Clocks) -> None:
    rec, _out = recorder
    rec.begin_workflow("p", PROMPT)
    rec.node_started("p", "2")
    clocks.advance(0.1)
    rec.out_of_memory(MemorySample(vram_bytes=7, rss_bytes=9))  # the hook, before ComfyUI unloads
    clocks.advance(2.0)  # unloading every model takes a while before ComfyUI reports the failure
    error = ErrorSummary(node_id="2", node_type="SAKSleep", exception_type="RuntimeError", message="alloc")
    rec.workflow_outcome("p", "error", error)
    record = built(rec.end_workflow("p"))
    assert record is not None and record.status == "oom", "the hook saw the OOM; the message need not say so"
    failed = record.nodes[0]
    assert failed.status == "error" and failed.duration_ms == pytest.approx(100.0)
    assert failed.vram_after_bytes == 7 and failed.rss_after_bytes == 9
    assert failed.error == "RuntimeError: alloc"


def test_ending_hands_the_log_over_and_building_it_is_left_to_the_sink(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The execution thread only hands the finished workflow over: no replay, no validation there."""
    rec = Recorder(wall_clock=clocks.wall, perf_clock=clocks.perf)
    handed: list[FinishedWorkflow] = []
    rec.add_sink(handed.append)
    builds: list[str] = []
    build = replay_module.build_record

    def counting(run: Any, *args: Any, **kwargs: Any) -> WorkflowRecord:
        builds.append(run.prompt_id)
        return build(run, *args, **kwargs)

    monkeypatch.setattr(replay_module, "build_record", counting)
    rec.begin_workflow("p", PROMPT)
    run_node(rec, clocks, "1", 0.25)
    rec.workflow_outcome("p", "success")
    finished = rec.end_workflow("p")
    assert finished is not None and handed == [finished] and finished.prompt_id == "p" and builds == []
    clocks.advance(5.0)  # built later, on another thread: the times are those of the end
    record = finished.build()
    assert builds == ["p"] and record.duration_ms == pytest.approx(250.0)
    assert record.ended_at == pytest.approx(record.started_at + 0.25)


# Names and the on/off switch --------------------------------------------------------------------


@pytest.mark.parametrize("when", ["before", "during", "after the end, before the build"])
def test_a_name_sent_at_any_time_reaches_the_record(clocks: Clocks, when: str) -> None:
    rec = Recorder(wall_clock=clocks.wall, perf_clock=clocks.perf)
    handed: list[FinishedWorkflow] = []
    rec.add_sink(handed.append)
    if when == "before":
        rec.name_workflow("p", "Portrait")
    rec.begin_workflow("p", PROMPT)
    if when == "during":
        rec.name_workflow("p", "Portrait")
    run_node(rec, clocks, "1", 0.1)
    rec.workflow_outcome("p", "success")
    finished = rec.end_workflow("p")
    if when.startswith("after"):
        rec.name_workflow("p", "Portrait")
    assert built(finished).workflow_name == "Portrait"
    other = Recorder(wall_clock=clocks.wall, perf_clock=clocks.perf)
    other.begin_workflow("q", PROMPT)
    assert built(other.end_workflow("q")).workflow_name is None, "no name sent: unsaved"


def test_pending_names_are_bounded() -> None:
    from backend.profiler.recorder import WorkflowNames

    names = WorkflowNames(limit=3)
    for i in range(5):
        names.put(f"p{i}", f"n{i}")
    assert names.take("p0", None) is None and names.take("p1", None) is None, "the oldest went"
    assert names.take("p4", None) == "n4" and names.take("p4", "gone") == "gone", "taken once"


def test_off_records_nothing_and_drops_what_was_in_flight(clocks: Clocks) -> None:
    rec = Recorder(wall_clock=clocks.wall, perf_clock=clocks.perf)
    handed: list[FinishedWorkflow] = []
    rec.add_sink(handed.append)
    rec.begin_workflow("p", PROMPT)
    run_node(rec, clocks, "1", 0.1)
    rec.set_enabled(False)
    assert rec.current() is None and rec.end_workflow("p") is None, "no half record"
    rec.begin_workflow("q", PROMPT)
    run_node(rec, clocks, "1", 0.1)
    assert rec.end_workflow("q") is None and handed == []
    rec.set_enabled(True)
    rec.begin_workflow("r", PROMPT)
    assert rec.end_workflow("r") is not None and len(handed) == 1
