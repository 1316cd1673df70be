"""The recorder: turns host events into WorkflowRecords; knows nothing of ComfyUI or hardware.

Events arrive on ComfyUI's execution thread; ``current()`` is read from the server loop. One lock
guards the in-flight state, held for microseconds. Every public method is cheap: measurements
(memory, shapes) are taken by the caller and passed in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import log
from ..schemas.profiler import (
    ErrorSummary,
    NodeStatus,
    WorkflowRecord,
    WorkflowStatus,
)
from .graph import input_links, node_class_type, node_title, workflow_hash
from .shapes import RawShape

# A runaway subgraph expansion must not grow one record without bound.
MAX_NODES_PER_WORKFLOW = 5000

Sink = Callable[[WorkflowRecord], None]


class MemorySample(NamedTuple):
    """Memory at one instant: device bytes allocated, device peak since the last reset, process RSS.

    A NamedTuple: two are made around every node, and a tuple is the cheapest immutable record.
    """

    vram_bytes: int | None = None
    vram_peak_bytes: int | None = None
    rss_bytes: int | None = None


@dataclass(slots=True)
class _NodeRun:
    node_id: str
    class_type: str
    title: str | None
    parent_node_id: str | None
    order: int
    status: NodeStatus
    cache_hit: bool
    started_at: float | None = None
    start_perf: float | None = None
    ended_at: float | None = None
    duration_ms: float | None = None
    vram_before: int | None = None
    vram_after: int | None = None
    vram_peak_delta: int | None = None
    rss_before: int | None = None
    rss_after: int | None = None
    output_shapes: list[RawShape] = field(default_factory=list)
    error: str | None = None

    def to_dict(self, input_shapes: list[RawShape]) -> dict[str, Any]:
        """The NodeRecord's fields; validated once per workflow, not once per node."""
        return {
            "node_id": self.node_id,
            "class_type": self.class_type,
            "title": self.title,
            "parent_node_id": self.parent_node_id,
            "order": self.order,
            "status": self.status,
            "cache_hit": self.cache_hit,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_ms": self.duration_ms,
            "vram_before_bytes": self.vram_before,
            "vram_after_bytes": self.vram_after,
            "vram_peak_delta_bytes": self.vram_peak_delta,
            "rss_before_bytes": self.rss_before,
            "rss_after_bytes": self.rss_after,
            "input_shapes": [_shape_dict(s) for s in input_shapes],
            "output_shapes": [_shape_dict(s) for s in self.output_shapes],
            "error": self.error,
        }


def _shape_dict(raw: RawShape) -> dict[str, Any]:
    return {"path": raw[0], "shape": raw[1], "dtype": raw[2], "device": raw[3]}


@dataclass
class _WorkflowRun:
    prompt_id: str
    prompt: Mapping[str, Any]
    workflow_hash: str
    started_at: float
    start_perf: float
    nodes: dict[str, _NodeRun] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)
    outcome: WorkflowStatus | None = None
    error: ErrorSummary | None = None
    oom_node_id: str | None = None
    # Subgraph parents and class types learned before the node's first start.
    context: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    has_titles: bool = True


def _max(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


class Recorder:
    """In-flight workflows and their nodes; finished ones go to the sinks as WorkflowRecords."""

    def __init__(
        self,
        *,
        wall_clock: Callable[[], float] = time.time,
        perf_clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._wall = wall_clock
        self._perf = perf_clock
        self._lock = threading.Lock()
        self._runs: dict[str, _WorkflowRun] = {}
        # Finished records are not kept here: the store has them, and the last one held until the next
        # finishes is memory (~65,000 objects for 5,000 nodes) that every full collection scans.
        self._sinks: list[Sink] = []

    def add_sink(self, sink: Sink) -> Callable[[], None]:
        """Call ``sink`` with every finished workflow (on the execution thread); returns a remover."""
        self._sinks.append(sink)

        def remove() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)

        return remove

    # Lifecycle -------------------------------------------------------------------------------

    def begin_workflow(self, prompt_id: str, prompt: Mapping[str, Any]) -> None:
        """A prompt starts executing (its graph as ComfyUI's API format)."""
        run = _WorkflowRun(
            prompt_id=prompt_id,
            prompt=prompt,
            workflow_hash=workflow_hash(prompt),
            started_at=self._wall(),
            start_perf=self._perf(),
            has_titles=any(isinstance(n, dict) and "_meta" in n for n in prompt.values()),
        )
        with self._lock:
            self._runs[prompt_id] = run

    def mark_cached(self, prompt_id: str, node_ids: Iterable[str]) -> None:
        """ComfyUI's ``execution_cached``: these nodes' outputs come from the cache."""
        with self._lock:
            run = self._runs.get(prompt_id)
            if run is None:
                return
            for raw_id in node_ids:
                node_id = str(raw_id)
                run.cached.add(node_id)
                if node_id not in run.nodes and len(run.nodes) < MAX_NODES_PER_WORKFLOW:
                    run.nodes[node_id] = _NodeRun(
                        node_id=node_id,
                        class_type=node_class_type(run.prompt, node_id) or "unknown",
                        title=node_title(run.prompt, node_id),
                        parent_node_id=None,
                        order=len(run.nodes),
                        status="cached",
                        cache_hit=True,
                    )

    def node_started(
        self,
        prompt_id: str,
        node_id: str,
        *,
        class_type: str | None = None,
        parent_node_id: str | None = None,
        memory: MemorySample | None = None,
    ) -> None:
        """A node begins (again, for lazy or async re-entry: only the first start counts)."""
        with self._lock:
            run = self._runs.get(prompt_id)
            if run is None:
                return
            node = run.nodes.get(node_id)
            if node is None:
                if len(run.nodes) >= MAX_NODES_PER_WORKFLOW:
                    return
                if run.context:
                    known_class, known_parent = run.context.pop(node_id, (None, None))
                    class_type = class_type or known_class
                    parent_node_id = parent_node_id or known_parent
                node = _NodeRun(
                    node_id=node_id,
                    class_type=class_type or node_class_type(run.prompt, node_id) or "unknown",
                    title=node_title(run.prompt, node_id) if run.has_titles else None,
                    parent_node_id=parent_node_id,
                    order=len(run.nodes),
                    status="running",
                    cache_hit=False,
                )
                run.nodes[node_id] = node
            elif node.started_at is not None:
                return
            if node.cache_hit:
                return
            node.status = "running"
            node.started_at = self._wall()
            node.start_perf = self._perf()
            if memory is not None:
                node.vram_before = memory.vram_bytes
                node.rss_before = memory.rss_bytes

    def node_context(
        self, prompt_id: str, node_id: str, *, class_type: str | None, parent_node_id: str | None
    ) -> None:
        """Fill in what only the execute() wrapper knows (subgraph parent, ephemeral class type)."""
        with self._lock:
            run = self._runs.get(prompt_id)
            if run is None:
                return
            node = run.nodes.get(node_id)
            if node is None:
                run.context[node_id] = (class_type, parent_node_id)
                return
            if parent_node_id is not None:
                node.parent_node_id = parent_node_id
            if class_type and node.class_type == "unknown":
                node.class_type = class_type

    def node_finished(self, prompt_id: str, node_id: str, *, memory: MemorySample | None = None) -> None:
        """A node reached its real end (async nodes included)."""
        with self._lock:
            run = self._runs.get(prompt_id)
            node = run.nodes.get(node_id) if run else None
            if node is None or node.cache_hit or node.start_perf is None or node.ended_at is not None:
                return
            self._end(node, memory)
            node.status = "success"

    def node_outputs(self, prompt_id: str, node_id: str, shapes: list[RawShape]) -> None:
        with self._lock:
            run = self._runs.get(prompt_id)
            node = run.nodes.get(node_id) if run else None
            if node is not None:
                node.output_shapes = shapes

    def node_failed(
        self,
        prompt_id: str,
        node_id: str,
        message: str,
        *,
        interrupted: bool = False,
        oom: bool = False,
        memory: MemorySample | None = None,
    ) -> None:
        """A node raised (or was interrupted): it ends now, with its error."""
        with self._lock:
            run = self._runs.get(prompt_id)
            if run is None:
                return
            node = run.nodes.get(node_id)
            if node is None:
                return
            if node.ended_at is None:
                self._end(node, memory)
            node.status = "interrupted" if interrupted else "error"
            node.error = message[:2000]
            if oom:
                run.oom_node_id = node_id

    def workflow_outcome(
        self, prompt_id: str, status: WorkflowStatus, error: ErrorSummary | None = None
    ) -> None:
        """What ComfyUI reported (execution_success / _error / _interrupted)."""
        with self._lock:
            run = self._runs.get(prompt_id)
            if run is None:
                return
            if status == "error" and (run.oom_node_id is not None or _looks_like_oom(error)):
                status = "oom"
            run.outcome = status
            run.error = error
            if error is not None and error.node_id is not None and status != "interrupted":
                node = run.nodes.get(error.node_id)
                if node is not None and node.status in ("running", "success"):
                    node.status = "error"
                    node.error = node.error or error.message[:2000]
                    if node.ended_at is None:
                        self._end(node, None)
            elif status == "interrupted" and error is not None and error.node_id is not None:
                node = run.nodes.get(error.node_id)
                if node is not None and node.status == "running":
                    node.status = "interrupted"

    def _end(self, node: _NodeRun, memory: MemorySample | None) -> None:
        """Stop a node's clock and take its closing memory (caller holds the lock)."""
        node.ended_at = self._wall()
        if node.start_perf is not None:
            node.duration_ms = (self._perf() - node.start_perf) * 1000.0
        if memory is not None:
            node.vram_after = memory.vram_bytes
            node.rss_after = memory.rss_bytes
            if memory.vram_peak_bytes is not None and node.vram_before is not None:
                node.vram_peak_delta = max(0, memory.vram_peak_bytes - node.vram_before)

    def end_workflow(self, prompt_id: str) -> WorkflowRecord | None:
        """The prompt's execution returned: build its record and hand it to the sinks."""
        with self._lock:
            run = self._runs.pop(prompt_id, None)
        if run is None:
            return None
        record = self._build(run, self._wall(), self._perf(), final=True)
        for sink in list(self._sinks):
            try:
                sink(record)
            except Exception:
                log.at_most_every("recorder-sink", 60.0, "a profiler sink failed; the record may be lost")
        return record

    # Reads -------------------------------------------------------------------------------------

    def current(self) -> WorkflowRecord | None:
        """The workflow running now, as a live record; None when idle."""
        with self._lock:
            if not self._runs:
                return None
            run = next(reversed(self._runs.values()))
            return self._build(run, self._wall(), self._perf(), final=False)

    # Building ----------------------------------------------------------------------------------

    def _build(self, run: _WorkflowRun, now_wall: float, now_perf: float, *, final: bool) -> WorkflowRecord:
        outputs = {n.node_id: n.output_shapes for n in run.nodes.values()}
        nodes = []
        peak_vram: int | None = None
        peak_rss: int | None = None
        for node in sorted(run.nodes.values(), key=lambda n: n.order):
            if final and node.status == "running":
                # ComfyUI sends no finish for a node that failed or was cut short.
                node.status = "interrupted" if run.outcome == "interrupted" else "error"
            nodes.append(node.to_dict(_input_shapes(run.prompt, node.node_id, outputs)))
            if node.vram_before is not None and node.vram_peak_delta is not None:
                peak_vram = _max(peak_vram, node.vram_before + node.vram_peak_delta)
            peak_vram = _max(peak_vram, node.vram_after)
            peak_rss = _max(_max(peak_rss, node.rss_before), node.rss_after)
        status: WorkflowStatus = run.outcome or ("error" if final else "running")
        if not final:
            status = "running"
        executed = [n for n in run.nodes.values() if not n.cache_hit and n.started_at is not None]
        return WorkflowRecord.model_validate(
            {
                "prompt_id": run.prompt_id,
                "workflow_hash": run.workflow_hash,
                "status": status,
                "started_at": run.started_at,
                "ended_at": now_wall if final else None,
                "duration_ms": (now_perf - run.start_perf) * 1000.0 if final else None,
                "node_count": len(run.prompt),
                "executed_count": len(executed),
                "cache_hits": len(run.cached),
                "cache_misses": len(executed),
                "peak_vram_bytes": peak_vram,
                "peak_rss_bytes": peak_rss,
                "error": run.error,
                "nodes": nodes,
            }
        )


def _looks_like_oom(error: ErrorSummary | None) -> bool:
    if error is None:
        return False
    return "OutOfMemoryError" in error.exception_type or "out of memory" in error.message.lower()


def _input_shapes(
    prompt: Mapping[str, Any], node_id: str, outputs: Mapping[str, list[RawShape]]
) -> list[RawShape]:
    shapes: list[RawShape] = []
    for name, source, slot in input_links(prompt, node_id):
        prefix = f"out{slot}"
        for path, dims, dtype, device in outputs.get(source, ()):
            if path == prefix or path.startswith((prefix + ".", prefix + "[")):
                shapes.append((name + path[len(prefix) :], dims, dtype, device))
    return shapes
