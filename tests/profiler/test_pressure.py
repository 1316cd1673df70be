"""VRAM pressure before each node: levels against the thresholds, told once per change, logged at a
bounded rate, back to normal when the run ends; through the recorder onto the node records."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from backend import log
from backend.profiler import MemorySample, Recorder
from backend.profiler.pressure import PressureChange, VramPressure, used_percent

GIB = 1024**3
TOTAL = 24 * GIB
PROMPT: dict[str, Any] = {
    "1": {"class_type": "CheckpointLoaderSimple", "inputs": {}},
    "2": {"class_type": "KSampler", "inputs": {"model": ["1", 0]}},
    "3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0]}},
}


@pytest.fixture(autouse=True)
def _fresh_log_keys() -> None:
    log.reset_for_tests()


def _free_at(percent: float) -> int:
    return int(TOTAL * (100 - percent) / 100)


def _watch(pressure: VramPressure) -> list[tuple[str, str | None, str | None]]:
    seen: list[tuple[str, str | None, str | None]] = []

    def listener(change: PressureChange) -> None:
        seen.append((change.level, change.node_id, change.node_type))

    pressure.add_listener(listener)
    return seen


def test_levels_are_told_when_they_change_either_way() -> None:
    pressure = VramPressure()
    seen = _watch(pressure)
    for node_id, percent in [("1", 50), ("2", 86), ("2", 90), ("3", 96), ("3", 97), ("1", 60)]:
        pressure.observe("p", node_id, _free_at(percent), TOTAL, prompt=PROMPT)
    assert seen == [
        ("warning", "2", "KSampler"),
        ("critical", "3", "VAEDecode"),
        ("normal", "1", "CheckpointLoaderSimple"),
    ]
    pressure.run_ended("p")
    assert len(seen) == 3, "already normal: nothing to tell"


def test_a_raised_run_goes_back_to_normal_when_it_ends_and_runs_are_apart() -> None:
    pressure = VramPressure()
    seen = _watch(pressure)
    pressure.observe("a", "2", _free_at(99), TOTAL, prompt=PROMPT)
    pressure.observe("b", "2", _free_at(10), TOTAL, prompt=PROMPT)
    pressure.run_ended("a")
    assert seen == [("critical", "2", "KSampler"), ("normal", None, None)]


def test_a_long_run_at_96_percent_logs_a_line_not_one_per_node(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="swissarmyknife")
    pressure = VramPressure()
    for i in range(500):
        pressure.observe("p", "2", _free_at(96), TOTAL, prompt=PROMPT, class_type=None if i else "KSampler")
    lines = [r.getMessage() for r in caplog.records if "VRAM" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0] == (
        "[SwissArmyKnife] VRAM 96% in use before KSampler (node 2): 0.96 of 24.00 GiB free (critical: >= 95%)"
    )


def test_thresholds_follow_the_setting_and_refuse_nonsense() -> None:
    pressure = VramPressure()
    seen = _watch(pressure)
    pressure.set_thresholds(70, 80)
    pressure.observe("p", "2", _free_at(75), TOTAL, prompt=PROMPT)
    assert seen == [("warning", "2", "KSampler")] and pressure.thresholds == (70, 80)
    for warning, critical in [(80, 80), (0, 50), (90, 101)]:
        with pytest.raises(ValueError):
            pressure.set_thresholds(warning, critical)
    assert pressure.thresholds == (70, 80)


def test_a_failing_listener_costs_nothing_else() -> None:
    pressure = VramPressure()

    def broken(_change: PressureChange) -> None:
        raise RuntimeError("boom")

    pressure.add_listener(broken)
    seen = _watch(pressure)
    pressure.observe("p", "2", _free_at(99), TOTAL, prompt=PROMPT)
    assert seen == [("critical", "2", "KSampler")]


def test_used_percent() -> None:
    assert used_percent(6 * GIB, TOTAL) == 75.0
    assert (
        used_percent(None, TOTAL) is None and used_percent(GIB, 0) is None and used_percent(GIB, None) is None
    )


def test_the_recorder_checks_each_node_and_its_record_keeps_the_figures() -> None:
    recorder = Recorder()
    seen = _watch(recorder.pressure)
    devices: list[int | None] = []
    recorder.pressure.add_listener(lambda change: devices.append(change.device_index))
    recorder.begin_workflow("p", PROMPT)
    for node_id, percent in [("1", 40), ("2", 90)]:
        recorder.node_started("p", node_id, MemorySample(GIB, None, GIB, _free_at(percent), TOTAL, 1))
        recorder.node_finished("p", node_id, MemorySample(GIB, GIB, GIB))
    recorder.node_started("p", "3", MemorySample(GIB, None, GIB))  # a device that does not say
    recorder.node_finished("p", "3", MemorySample(GIB, GIB, GIB))
    recorder.workflow_outcome("p", "success")
    finished = recorder.end_workflow("p")
    assert finished is not None
    nodes = {n.node_id: n for n in finished.build().nodes}
    assert nodes["1"].vram_free_before_bytes == _free_at(40)
    assert nodes["2"].vram_percent_before == pytest.approx(90, abs=0.01)
    assert (nodes["3"].vram_free_before_bytes, nodes["3"].vram_percent_before) == (None, None)
    assert seen == [("warning", "2", "KSampler"), ("normal", None, None)], "the run's end resets it"
    assert devices == [1, 1], "both say which device (cuda:1): the raise and the reset"
