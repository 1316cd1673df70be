"""The profiler's counters for Prometheus: workflows by status, durations as histograms, cache use
and OOMs, since this process started (Prometheus expects counters that only reset with it).

Fed on the history writer's thread after each stored run (``observe``) and on the OOM listener
(``observe_oom``); ComfyUI's execution thread never pays. A scrape reads ``families()``, which is
rebuilt only when something was observed since the last one (``generation``).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..schemas.profiler import WorkflowRecord

# Seconds. Workflows: a fast SD1.5 image to a long video; nodes: a cheap encode to a long sampler.
WORKFLOW_BUCKETS_S: tuple[float, ...] = (0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
# Few buckets on purpose: one histogram per node class, hundreds of classes, every scrape.
NODE_BUCKETS_S: tuple[float, ...] = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300)
# Node classes are ComfyUI's registered ones (bounded by the packs installed); past this many, the
# rest share one label, so no workflow can grow the series without bound.
MAX_CLASS_TYPES = 1000
OTHER_CLASS = "_other"
STATUSES = ("success", "error", "interrupted", "oom")


@dataclass
class Histogram:
    """Bucket counts (non-cumulative, one past the last bound for +Inf), their sum and count."""

    bounds: Sequence[float]
    counts: list[int] = field(default_factory=list)
    sum_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value_s: float) -> None:
        # bisect_left: a value equal to a bound falls in that bound's bucket (le is inclusive).
        self.counts[bisect_left(self.bounds, value_s)] += 1
        self.sum_s += value_s

    def cumulative(self) -> list[tuple[str, int]]:
        """Prometheus' buckets: (le, count of values <= le), +Inf last."""
        out: list[tuple[str, int]] = []
        total = 0
        for bound, count in zip([*(repr(float(b)) for b in self.bounds), "+Inf"], self.counts, strict=True):
            total += count
            out.append((bound, total))
        return out

    @property
    def count(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class RunTotals:
    """A consistent copy of the counters, for one scrape."""

    workflows: dict[str, int]
    workflow_duration: Histogram
    node_duration: dict[str, Histogram]
    cache_hits: int
    cache_misses: int
    ooms: dict[str, int]


class RunMetrics:
    """Thread-safe counters of the runs stored since start."""

    def __init__(self, max_class_types: int = MAX_CLASS_TYPES) -> None:
        self._lock = threading.Lock()
        self._max_classes = max_class_types
        self._workflows = dict.fromkeys(STATUSES, 0)
        self._workflow_duration = Histogram(WORKFLOW_BUCKETS_S)
        self._nodes: dict[str, Histogram] = {}
        self._cache_hits = 0
        self._cache_misses = 0
        self._ooms: dict[str, int] = {}
        self.generation = 0

    def _class(self, class_type: str, known: Mapping[str, object]) -> str:
        if class_type in known or len(known) < self._max_classes:
            return class_type
        return OTHER_CLASS

    def observe(self, record: WorkflowRecord) -> None:
        """Count one stored run: its status, its time when it succeeded, its executed nodes' times."""
        with self._lock:
            self._workflows[record.status] = self._workflows.get(record.status, 0) + 1
            if record.status == "success" and record.duration_ms is not None:
                self._workflow_duration.observe(record.duration_ms / 1000.0)
            self._cache_hits += record.cache_hits
            self._cache_misses += record.cache_misses
            for node in record.nodes:
                if node.cache_hit or node.status != "success" or node.duration_ms is None:
                    continue
                name = self._class(node.class_type, self._nodes)
                histogram = self._nodes.get(name)
                if histogram is None:
                    histogram = self._nodes[name] = Histogram(NODE_BUCKETS_S)
                histogram.observe(node.duration_ms / 1000.0)
            self.generation += 1

    def observe_oom(self, class_type: str | None) -> None:
        """Count one captured out-of-memory error by the node class it happened in."""
        with self._lock:
            name = self._class(class_type or "unknown", self._ooms)
            self._ooms[name] = self._ooms.get(name, 0) + 1
            self.generation += 1

    def totals(self) -> RunTotals:
        with self._lock:
            return RunTotals(
                workflows=dict(self._workflows),
                workflow_duration=Histogram(
                    WORKFLOW_BUCKETS_S, list(self._workflow_duration.counts), self._workflow_duration.sum_s
                ),
                node_duration={
                    name: Histogram(NODE_BUCKETS_S, list(h.counts), h.sum_s)
                    for name, h in self._nodes.items()
                },
                cache_hits=self._cache_hits,
                cache_misses=self._cache_misses,
                ooms=dict(self._ooms),
            )
