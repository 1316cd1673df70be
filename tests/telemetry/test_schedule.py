"""The sampler's timing rules as plain arithmetic: back-off when idle, demand, drift correction."""

from __future__ import annotations

import math

import pytest

from backend.telemetry.schedule import Schedule, validate_interval_s


def schedule() -> Schedule:
    return Schedule(interval_s=2.0, idle_interval_s=30.0, demand_ttl_s=10.0)


def test_idle_backs_off_and_clients_speed_up() -> None:
    plan = schedule()
    assert not plan.is_active(100.0)
    assert plan.period_s(100.0) == 30.0
    plan.active_clients = 2
    assert plan.period_s(100.0) == 2.0
    plan.active_clients = 0
    assert plan.period_s(100.0) == 30.0


def test_demand_keeps_the_fast_period_for_its_ttl() -> None:
    plan = schedule()
    plan.note_demand(100.0)
    assert plan.period_s(100.0) == 2.0
    assert plan.period_s(109.9) == 2.0
    assert plan.period_s(110.0) == 30.0
    plan.note_demand(105.0)
    plan.note_demand(101.0)  # an older demand never shortens the window
    assert plan.is_active(114.9) and not plan.is_active(115.0)


def test_idle_period_is_never_faster_than_the_active_one() -> None:
    plan = Schedule(interval_s=10.0, idle_interval_s=5.0, demand_ttl_s=0.0)
    assert plan.period_s(0.0) == 10.0


def test_deadlines_stay_on_the_grid_despite_slow_samples() -> None:
    plan = schedule()
    plan.active_clients = 1
    anchor = 100.0
    ticks = []
    for late_s in (0.003, 0.001, 0.007, 0.002):  # the thread wakes a little late each time
        deadline = plan.deadline(anchor, anchor)
        ran_at = deadline + late_s
        anchor = Schedule.next_anchor(deadline, ran_at, plan.period_s(ran_at))
        ticks.append(anchor)
    assert ticks == [102.0, 104.0, 106.0, 108.0]  # no accumulated drift


def test_falling_a_whole_period_behind_restarts_the_grid() -> None:
    # A suspended machine wakes 95 s late: one sample now, not a burst of 47.
    assert Schedule.next_anchor(102.0, 197.0, 2.0) == 197.0
    assert Schedule.next_anchor(102.0, 103.9, 2.0) == 102.0


@pytest.mark.parametrize("value", [0.5, 2, 10.0])
def test_valid_intervals(value: float) -> None:
    assert validate_interval_s(value) == float(value)


@pytest.mark.parametrize("value", [0.49, 10.01, 0, -1, math.nan, math.inf, True, "2"])
def test_invalid_intervals(value: object) -> None:
    with pytest.raises(ValueError, match="interval_s"):
        validate_interval_s(value)  # type: ignore[arg-type]
