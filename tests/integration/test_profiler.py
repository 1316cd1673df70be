"""Against a real ComfyUI: the profiler records real runs, node by node, and keeps them across a restart."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from backend.schemas.profiler import ProfilerStats, WorkflowRecord
from tests.support.comfyui_server import ComfyServer, comfyui_paths, record_of, start_comfyui, stop_comfyui

pytestmark = pytest.mark.comfyui

SLEEPS_S = {"2": 0.2, "3": 0.3, "4": 0.25}


def sleep_chain(color: int = 0) -> dict[str, Any]:
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": color},
        },
        "2": {"class_type": "SAKSleep", "inputs": {"image": ["1", 0], "seconds": SLEEPS_S["2"]}},
        "3": {"class_type": "SAKSleep", "inputs": {"image": ["2", 0], "seconds": SLEEPS_S["3"]}},
        "4": {"class_type": "SAKAsyncSleep", "inputs": {"image": ["3", 0], "seconds": SLEEPS_S["4"]}},
        "5": {"class_type": "PreviewImage", "inputs": {"images": ["4", 0]}},
    }


def test_sleep_durations_match_within_10_ms(comfyui: ComfyServer) -> None:
    record = record_of(comfyui, comfyui.queue(sleep_chain(color=11)))
    assert record.status == "success"
    by_id = {n.node_id: n for n in record.nodes}
    for node_id, seconds in SLEEPS_S.items():
        duration = by_id[node_id].duration_ms
        assert duration is not None
        assert seconds * 1000 <= duration <= seconds * 1000 + 10, f"node {node_id}: {duration:.1f} ms"
    assert by_id["4"].class_type == "SAKAsyncSleep", "async nodes are timed to their real finish"
    assert by_id["2"].input_shapes[0].shape == [1, 8, 8, 3]
    assert by_id["2"].output_shapes[0].shape == [1, 8, 8, 3]
    assert record.executed_count == 5 and record.cache_hits == 0
    assert record.peak_rss_bytes and record.peak_rss_bytes > 50 * 2**20


def test_requeued_prompt_is_all_cache_hits(comfyui: ComfyServer) -> None:
    first = record_of(comfyui, comfyui.queue(sleep_chain(color=22)))
    second = record_of(comfyui, comfyui.queue(sleep_chain(color=22)))
    assert first.workflow_hash == second.workflow_hash
    assert second.cache_hits == 5 and second.executed_count == 0
    assert all(n.cache_hit and n.status == "cached" for n in second.nodes)
    assert len(second.nodes) == 5


def test_error_is_recorded_with_its_node(comfyui: ComfyServer) -> None:
    prompt = sleep_chain(color=33)
    prompt["3"] = {"class_type": "SAKFail", "inputs": {"image": ["2", 0]}}
    record = record_of(comfyui, comfyui.queue(prompt))
    assert record.status == "error"
    assert record.error is not None and record.error.node_id == "3" and record.error.node_type == "SAKFail"
    assert "SAKFail failed on purpose" in record.error.message
    failed = next(n for n in record.nodes if n.node_id == "3")
    assert failed.status == "error" and failed.error and "SAKFail failed on purpose" in failed.error


def test_subgraph_nodes_are_recorded_with_their_parent(comfyui: ComfyServer) -> None:
    prompt = sleep_chain(color=55)
    prompt["3"] = {"class_type": "SAKExpand", "inputs": {"image": ["2", 0]}}
    record = record_of(comfyui, comfyui.queue(prompt))
    assert record.status == "success"
    children = [n for n in record.nodes if n.parent_node_id == "3"]
    assert [n.class_type for n in children] == ["ImageInvert", "ImageInvert"]
    assert all(n.status == "success" and n.duration_ms is not None for n in children)
    assert all(n.output_shapes and n.output_shapes[0].shape == [1, 8, 8, 3] for n in children)
    assert record.node_count == 5, "the graph the user queued"


def test_oom_is_recorded_as_oom(comfyui: ComfyServer) -> None:
    prompt = sleep_chain(color=44)
    prompt["3"] = {"class_type": "SAKOom", "inputs": {"image": ["2", 0]}}
    record = record_of(comfyui, comfyui.queue(prompt))
    assert record.status == "oom"
    assert "out of memory" in comfyui.log()


def test_stats_list_the_runs(comfyui: ComfyServer) -> None:
    prompt_id = comfyui.queue(sleep_chain(color=55))
    record_of(comfyui, prompt_id)
    status, body = comfyui.get("/swissarmyknife/profiler/stats?limit=5")
    assert status == 200
    stats = ProfilerStats.model_validate(body)
    assert stats.latest is not None
    assert prompt_id in [item.prompt_id for item in stats.history.items]
    assert any(avg.class_type == "SAKSleep" and avg.runs >= 2 for avg in stats.node_averages)


def test_history_survives_a_restart() -> None:
    paths = comfyui_paths()
    if paths is None:
        pytest.skip("needs COMFYUI_DIR and COMFYUI_PYTHON")
    server = start_comfyui(*paths)
    try:
        prompt_id = server.queue(sleep_chain(color=66))
        before = record_of(server, prompt_id)
        stop_comfyui(server, remove=False)
        server = start_comfyui(*paths, base=server.base_dir, port=int(server.url.rsplit(":", 1)[1]))
        status, body = server.get(f"/swissarmyknife/profiler/workflows/{prompt_id}")
        assert status == 200, body
        assert WorkflowRecord.model_validate(body) == before
    finally:
        stop_comfyui(server)


def test_a_run_takes_the_name_its_page_sends_before_or_after_it_runs(comfyui: ComfyServer) -> None:
    # The page names a prompt when it queues it; the name may arrive before the run starts...
    early = str(uuid.uuid4())  # newer ComfyUI takes a client's prompt id only as a UUID
    status, body = comfyui.post(
        f"/swissarmyknife/profiler/workflows/{early}/name", {"workflow_name": "Sleepers"}, method="PUT"
    )
    assert status == 200 and body["stored"] is False, body
    assert (
        record_of(comfyui, comfyui.queue(sleep_chain(color=91), prompt_id=early)).workflow_name == "Sleepers"
    )
    # ... or after it is stored.
    late = record_of(comfyui, comfyui.queue(sleep_chain(color=92)))
    assert late.workflow_name is None
    status, body = comfyui.post(
        f"/swissarmyknife/profiler/workflows/{late.prompt_id}/name",
        {"workflow_name": "Renamed"},
        method="PUT",
    )
    assert status == 200 and body["stored"] is True, body
    assert record_of(comfyui, late.prompt_id).workflow_name == "Renamed"
    status, stats = comfyui.get("/swissarmyknife/profiler/analytics/workflows")
    assert status == 200 and any(w["workflow_name"] == "Renamed" for w in stats["data"])


def test_the_profiler_can_be_turned_off_and_on_from_the_page(comfyui: ComfyServer) -> None:
    status, body = comfyui.post("/swissarmyknife/profiler/settings", {"enabled": False}, method="PUT")
    assert status == 200 and body["enabled"] is False, body
    try:
        unrecorded = comfyui.queue(sleep_chain(color=93))
        comfyui.wait_done(unrecorded)
        status, _ = comfyui.get(f"/swissarmyknife/profiler/workflows/{unrecorded}")
        assert status == 404, "off: the run is not recorded"
    finally:
        status, body = comfyui.post("/swissarmyknife/profiler/settings", {"enabled": True}, method="PUT")
        assert status == 200 and body["enabled"] is True, body
    assert record_of(comfyui, comfyui.queue(sleep_chain(color=94))).status == "success", "on again"
