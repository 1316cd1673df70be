"""When the sampler samples: the interval users may choose, and the fast/idle schedule with drift
correction (pure arithmetic on clock values; the sampler thread serialises access)."""

from __future__ import annotations

import math
from numbers import Real

MIN_INTERVAL_S = 0.5
MAX_INTERVAL_S = 10.0


def validate_interval_s(interval_s: float) -> float:
    """Return ``interval_s`` as a float if it is a sampling interval users may choose.

    Raises:
        ValueError: not a number, or outside 0.5..10 s.
    """
    if isinstance(interval_s, bool) or not isinstance(interval_s, Real):
        raise ValueError(f"interval_s must be a number of seconds, got {interval_s!r}")
    value = float(interval_s)
    if not math.isfinite(value) or not MIN_INTERVAL_S <= value <= MAX_INTERVAL_S:
        raise ValueError(
            f"interval_s must be between {MIN_INTERVAL_S} and {MAX_INTERVAL_S} s, got {interval_s!r}"
        )
    return value


class Schedule:
    """When to sample: every ``interval_s`` while someone looks, every ``idle_interval_s`` otherwise.

    Plain arithmetic on clock values; the sampler serialises access to it.
    """

    def __init__(self, *, interval_s: float, idle_interval_s: float, demand_ttl_s: float) -> None:
        """Create a schedule with no client and no recent demand (idle).

        Args:
            interval_s: period while a websocket client is connected or demand is recent.
            idle_interval_s: period when nobody looks (never shorter than ``interval_s``).
            demand_ttl_s: how long one REST read or scrape keeps the fast period.
        """
        self.interval_s = interval_s
        self.idle_interval_s = idle_interval_s
        self.demand_ttl_s = demand_ttl_s
        self.active_clients = 0
        self.demand_until = float("-inf")

    def is_active(self, now: float) -> bool:
        """Whether a client is connected or a reader asked within ``demand_ttl_s``."""
        return self.active_clients > 0 or now < self.demand_until

    def note_demand(self, now: float) -> None:
        """Keep the fast period until ``now + demand_ttl_s``."""
        self.demand_until = max(self.demand_until, now + self.demand_ttl_s)

    def period_s(self, now: float) -> float:
        """The sampling period that applies at ``now``."""
        if self.is_active(now):
            return self.interval_s
        return max(self.idle_interval_s, self.interval_s)

    def deadline(self, anchor: float, now: float) -> float:
        """When the tick after the one scheduled at ``anchor`` is due."""
        return anchor + self.period_s(now)

    @staticmethod
    def next_anchor(deadline: float, now: float, period_s: float) -> float:
        """Where the next period starts after a tick that was due at ``deadline`` ran at ``now``.

        Drift correction: ticks stay on the grid ``anchor + k * period`` however long a sample
        takes; after falling a whole period behind (a stalled NVML call, a suspended laptop) the
        grid restarts at ``now`` instead of firing a burst of catch-up samples.
        """
        return deadline if now - deadline < period_s else now
