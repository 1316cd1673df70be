"""The recorder: turns host events into WorkflowRecords; knows nothing of ComfyUI or hardware.

Node events arrive on ComfyUI's execution thread, inside the nodes' own time: each is one append
of a tuple to its workflow's event log, with no lock (``dict.get`` and ``list.append`` are atomic)
and no decision. Which start counts, statuses, class types, titles, wall times, shape names and
validation are all worked out by replaying the log when a record is built: once after the
workflow, by whoever keeps it (the history writer thread: the execution thread only hands the
finished log over), or for the live view (``current()``) on the server's side. Measurements
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
from .shapes import RawShape, shape_fields

# A runaway subgraph expansion must not grow one record without bound.
MAX_NODES_PER_WORKFLOW = 5000
# A node logs a start and a finish (with its outputs), more for lazy and async re-entries; past this
# the node events of one workflow are dropped (its outcome never is).
MAX_EVENTS_PER_WORKFLOW = MAX_NODES_PER_WORKFLOW * 8


@dataclass(frozen=True, eq=False)
class FinishedWorkflow:
    """A prompt whose execution returned, its record not built yet.

    Building it (replaying the log, naming shapes, validating: ~2-3 ms for 200 nodes) is left to
    the sink that keeps it, on its own thread, so that ComfyUI's execution thread does no more than
    hand it over before its next prompt. Each ``build()`` builds anew.
    """

    prompt_id: str
    _run: _WorkflowRun
    _ended_wall: float
    _ended_perf: float

    def build(self) -> WorkflowRecord:
        """The workflow's record (raises if the log cannot make a valid one)."""
        return _build_record(self._run, self._ended_wall, self._ended_perf, final=True)


Sink = Callable[[FinishedWorkflow], None]

# What each logged tuple's first item says it is.
_CACHED, _START, _FINISH, _FAILED, _OOM, _OUTCOME = range(6)

# What a host can say of a node the prompt does not have (a subgraph expansion's): its class type
# and the node that expanded into it, or None when it knows nothing of it.
ExpansionReader = Callable[[str], "tuple[str | None, str | None] | None"]


class MemorySample(NamedTuple):
    """Memory at one instant: device bytes allocated, device peak since the last reset, process RSS.

    A NamedTuple: two are made around every node, and a tuple is the cheapest immutable record.
    """

    vram_bytes: int | None = None
    vram_peak_bytes: int | None = None
    rss_bytes: int | None = None


@dataclass(slots=True)
class _NodeRun:
    """One node as the replayed log leaves it; names and wall times are added by ``to_dict``."""

    node_id: str
    order: int
    status: NodeStatus
    cache_hit: bool
    class_type: str | None = None  # None: the prompt's
    parent_node_id: str | None = None
    start_perf: float | None = None
    end_perf: float | None = None
    vram_before: int | None = None
    vram_after: int | None = None
    vram_peak_delta: int | None = None
    rss_before: int | None = None
    rss_after: int | None = None
    output_shapes: list[RawShape] = field(default_factory=list)
    error: str | None = None

    def end(self, perf: float, memory: MemorySample | None) -> None:
        """Stop the node's clock and take its closing memory."""
        self.end_perf = perf
        if memory is not None:
            self.vram_after = memory.vram_bytes
            self.rss_after = memory.rss_bytes
            if memory.vram_peak_bytes is not None and self.vram_before is not None:
                self.vram_peak_delta = max(0, memory.vram_peak_bytes - self.vram_before)

    def to_dict(
        self,
        run: _WorkflowRun,
        has_titles: bool,
        input_shapes: list[dict[str, Any]],
        output_shapes: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """The NodeRecord's fields; validated once per workflow, not once per node."""
        start, end = self.start_perf, self.end_perf
        return {
            "node_id": self.node_id,
            "class_type": self.class_type or node_class_type(run.prompt, self.node_id) or "unknown",
            "title": node_title(run.prompt, self.node_id) if has_titles else None,
            "parent_node_id": self.parent_node_id,
            "order": self.order,
            "status": self.status,
            "cache_hit": self.cache_hit,
            "started_at": None if start is None else run.wall_at(start),
            "ended_at": None if end is None else run.wall_at(end),
            "duration_ms": None if start is None or end is None else (end - start) * 1000.0,
            "vram_before_bytes": self.vram_before,
            "vram_after_bytes": self.vram_after,
            "vram_peak_delta_bytes": self.vram_peak_delta,
            "rss_before_bytes": self.rss_before,
            "rss_after_bytes": self.rss_after,
            "input_shapes": input_shapes,
            "output_shapes": output_shapes,
            "error": self.error,
        }


def _named(shapes: list[RawShape]) -> list[dict[str, Any]]:
    named = (shape_fields(raw) for raw in shapes)
    return [fields for fields in named if fields is not None]


@dataclass
class _WorkflowRun:
    """A running workflow: its prompt, one wall and one perf reading, and the log of its events."""

    prompt_id: str
    prompt: Mapping[str, Any]
    started_at: float
    start_perf: float
    events: list[tuple[Any, ...]] = field(default_factory=list)
    hash: str | None = None  # worked out by the first build
    expansions: ExpansionReader | None = None

    def wall_at(self, perf: float) -> float:
        """The wall time of a perf-clock reading: one wall reading per workflow, none per node."""
        return self.started_at + (perf - self.start_perf)


@dataclass
class _Replayed:
    """What the event log says, in the order things happened."""

    nodes: dict[str, _NodeRun] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)
    outcome: WorkflowStatus | None = None
    error: ErrorSummary | None = None
    oom_node_id: str | None = None
    # When the host saw an out-of-memory error (it unloads models before it reports the failure).
    oom_at: tuple[float, MemorySample | None] | None = None


def _max(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


class Recorder:
    """In-flight workflows and their nodes; finished ones go to the sinks, which build their records."""

    def __init__(
        self,
        *,
        wall_clock: Callable[[], float] = time.time,
        perf_clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._wall = wall_clock
        self._perf = perf_clock
        # Guards adding and removing runs; node events only read the dict (atomic) and append.
        self._lock = threading.Lock()
        self._runs: dict[str, _WorkflowRun] = {}
        # Finished records are not kept here: the store has them, and the last one held until the next
        # finishes is memory (~65,000 objects for 5,000 nodes) that every full collection scans.
        self._sinks: list[Sink] = []

    def add_sink(self, sink: Sink) -> Callable[[], None]:
        """Call ``sink`` with every finished workflow (on the execution thread: it must only hand the
        workflow over, not build it there); returns a remover."""
        self._sinks.append(sink)

        def remove() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)

        return remove

    # Lifecycle -------------------------------------------------------------------------------

    def begin_workflow(self, prompt_id: str, prompt: Mapping[str, Any]) -> None:
        """A prompt starts executing (its graph as ComfyUI's API format)."""
        run = _WorkflowRun(prompt_id, prompt, self._wall(), self._perf())
        with self._lock:
            self._runs[prompt_id] = run

    def end_workflow(self, prompt_id: str) -> FinishedWorkflow | None:
        """The prompt's execution returned: hand it to the sinks, which build its record."""
        with self._lock:
            run = self._runs.pop(prompt_id, None)
        if run is None:
            return None
        finished = FinishedWorkflow(prompt_id, run, self._wall(), self._perf())
        for sink in list(self._sinks):
            try:
                sink(finished)
            except Exception:
                log.at_most_every("recorder-sink", 60.0, "a profiler sink failed; the record may be lost")
        return finished

    # Events (the execution thread; each one append) --------------------------------------------

    def _log(self, prompt_id: str, event: tuple[Any, ...]) -> None:
        run = self._runs.get(prompt_id)
        if run is not None and len(run.events) < MAX_EVENTS_PER_WORKFLOW:
            run.events.append(event)

    def mark_cached(self, prompt_id: str, node_ids: Iterable[str]) -> None:
        """ComfyUI's ``execution_cached``: these nodes' outputs come from the cache."""
        run = self._runs.get(prompt_id)
        if run is not None:
            run.events.append((_CACHED, [str(n) for n in node_ids]))

    def node_started(
        self,
        prompt_id: str,
        node_id: str,
        memory: MemorySample | None = None,
        *,
        class_type: str | None = None,
        parent_node_id: str | None = None,
    ) -> None:
        """A node begins (again, for lazy or async re-entry: only the first start counts)."""
        # _log() inlined here and in node_finished: these two run inside every node's time.
        run = self._runs.get(prompt_id)
        if run is not None and len(run.events) < MAX_EVENTS_PER_WORKFLOW:
            run.events.append((_START, node_id, self._perf(), memory, class_type, parent_node_id))

    def node_graph(self, prompt_id: str, expansions: ExpansionReader) -> None:
        """How to learn, when the record is built, what the prompt does not say of a node."""
        run = self._runs.get(prompt_id)
        if run is not None:
            run.expansions = expansions

    def node_finished(
        self,
        prompt_id: str,
        node_id: str,
        memory: MemorySample | None = None,
        shapes: list[RawShape] | None = None,
    ) -> None:
        """A node reached its real end (async nodes included), with its outputs' raw shapes."""
        run = self._runs.get(prompt_id)
        if run is not None and len(run.events) < MAX_EVENTS_PER_WORKFLOW:
            run.events.append((_FINISH, node_id, self._perf(), memory, shapes))

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
        self._log(prompt_id, (_FAILED, node_id, self._perf(), message, interrupted, oom, memory))

    def out_of_memory(self, memory: MemorySample | None = None) -> None:
        """The host ran out of memory in the workflow running now (its failure is reported later)."""
        with self._lock:
            run = next(reversed(self._runs.values()), None)
        if run is not None:
            run.events.append((_OOM, self._perf(), memory))

    def workflow_outcome(
        self,
        prompt_id: str,
        status: WorkflowStatus,
        error: ErrorSummary | None = None,
        *,
        memory: MemorySample | None = None,
    ) -> None:
        """What ComfyUI reported (execution_success / _error / _interrupted); never dropped.

        ``memory``: taken as the report arrives, the failed node's closing memory."""
        run = self._runs.get(prompt_id)
        if run is not None:
            run.events.append((_OUTCOME, status, error, self._perf(), memory))

    # Reads -------------------------------------------------------------------------------------

    def current(self) -> WorkflowRecord | None:
        """The workflow running now, as a live record; None when idle."""
        with self._lock:
            if not self._runs:
                return None
            run = next(reversed(self._runs.values()))
        return _build_record(run, self._wall(), self._perf(), final=False)


# Building --------------------------------------------------------------------------------------


def _build_record(run: _WorkflowRun, now_wall: float, now_perf: float, *, final: bool) -> WorkflowRecord:
    # A copy (atomic): the execution thread may append while a live view is built.
    state = _replay(run.events[:])
    if run.expansions is not None:
        _add_expansions(state, run.prompt, run.expansions)
    if run.hash is None:
        run.hash = workflow_hash(run.prompt)
    has_titles = any(isinstance(n, dict) and "_meta" in n for n in run.prompt.values())
    # Each output named once; a node's inputs are its sources' outputs under the input's name.
    outputs = {n.node_id: _named(n.output_shapes) for n in state.nodes.values() if n.output_shapes}
    nodes = []
    peak_vram: int | None = None
    peak_rss: int | None = None
    for node in sorted(state.nodes.values(), key=lambda n: n.order):
        if final and node.status == "running":
            # ComfyUI sends no finish for a node that failed or was cut short.
            node.status = "interrupted" if state.outcome == "interrupted" else "error"
        inputs = _input_shapes(run.prompt, node.node_id, outputs)
        nodes.append(node.to_dict(run, has_titles, inputs, outputs.get(node.node_id, [])))
        if node.vram_before is not None and node.vram_peak_delta is not None:
            peak_vram = _max(peak_vram, node.vram_before + node.vram_peak_delta)
        peak_vram = _max(peak_vram, node.vram_after)
        peak_rss = _max(_max(peak_rss, node.rss_before), node.rss_after)
    status: WorkflowStatus = state.outcome or ("error" if final else "running")
    if not final:
        status = "running"
    executed = [n for n in state.nodes.values() if not n.cache_hit and n.start_perf is not None]
    return WorkflowRecord.model_validate(
        {
            "prompt_id": run.prompt_id,
            "workflow_hash": run.hash,
            "status": status,
            "started_at": run.started_at,
            "ended_at": now_wall if final else None,
            "duration_ms": (now_perf - run.start_perf) * 1000.0 if final else None,
            "node_count": len(run.prompt),
            "executed_count": len(executed),
            "cache_hits": len(state.cached),
            "cache_misses": len(executed),
            "peak_vram_bytes": peak_vram,
            "peak_rss_bytes": peak_rss,
            "error": state.error,
            "nodes": nodes,
        }
    )


def _replay(events: list[tuple[Any, ...]]) -> _Replayed:
    """Apply a workflow's events in order: what the nodes and the outcome are by now."""
    state = _Replayed()
    nodes = state.nodes
    for event in events:
        kind = event[0]
        if kind == _START:
            _, node_id, perf, memory, class_type, parent_node_id = event
            node = nodes.get(node_id)
            if node is None:
                if len(nodes) >= MAX_NODES_PER_WORKFLOW:
                    continue
                node = _NodeRun(node_id, len(nodes), "running", False, class_type, parent_node_id)
                nodes[node_id] = node
            elif node.start_perf is not None:
                continue  # a lazy or async re-entry: the first start is the real one
            if node.cache_hit:
                continue
            node.status = "running"
            node.start_perf = perf
            if memory is not None:
                node.vram_before = memory.vram_bytes
                node.rss_before = memory.rss_bytes
        elif kind == _FINISH:
            _, node_id, perf, memory, shapes = event
            node = nodes.get(node_id)
            if node is None or node.cache_hit or node.start_perf is None or node.end_perf is not None:
                continue
            node.end(perf, memory)
            node.status = "success"
            if shapes:
                node.output_shapes = shapes
        elif kind == _CACHED:
            for node_id in event[1]:
                state.cached.add(node_id)
                if node_id not in nodes and len(nodes) < MAX_NODES_PER_WORKFLOW:
                    nodes[node_id] = _NodeRun(node_id, len(nodes), "cached", True)
        elif kind == _FAILED:
            _, node_id, perf, message, interrupted, oom, memory = event
            node = nodes.get(node_id)
            if node is None:
                continue
            if node.end_perf is None:
                node.end(perf, memory)
            node.status = "interrupted" if interrupted else "error"
            node.error = message[:2000]
            if oom:
                state.oom_node_id = node_id
        elif kind == _OOM:
            state.oom_at = (event[1], event[2])
        elif kind == _OUTCOME:
            _apply_outcome(state, *event[1:])
    return state


def _apply_outcome(
    state: _Replayed,
    status: WorkflowStatus,
    error: ErrorSummary | None,
    perf: float,
    memory: MemorySample | None,
) -> None:
    if status == "error" and (
        state.oom_node_id is not None or state.oom_at is not None or _looks_like_oom(error)
    ):
        status = "oom"
    if status == "oom" and state.oom_at is not None:
        # The node failed when memory ran out, before the host unloaded its models and reported it.
        perf, memory = state.oom_at
    state.outcome = status
    state.error = error
    if error is None or error.node_id is None:
        return
    node = state.nodes.get(error.node_id)
    if node is None or node.status not in ("running", "success"):
        return
    if status == "interrupted":
        if node.status != "running":
            return
        node.status = "interrupted"
        node.error = node.error or "interrupted"
    else:
        node.status = "error"
        node.error = node.error or f"{error.exception_type}: {error.message}"[:2000]
    if node.end_perf is None:
        node.end(perf, memory)


def _add_expansions(state: _Replayed, prompt: Mapping[str, Any], read: ExpansionReader) -> None:
    """Class types and parents of the nodes a subgraph expansion added (the prompt lacks them)."""
    for node in state.nodes.values():
        if node.node_id in prompt or (node.class_type is not None and node.parent_node_id is not None):
            continue
        try:
            found = read(node.node_id)
        except Exception:  # the host's graph is its own: a failing read costs a name, not the record
            log.at_most_every("recorder-expansions", 300.0, "reading a subgraph node's origin failed")
            return
        if found is not None:
            class_type, parent = found
            node.class_type = node.class_type or class_type
            node.parent_node_id = node.parent_node_id or parent


def _looks_like_oom(error: ErrorSummary | None) -> bool:
    if error is None:
        return False
    return "OutOfMemoryError" in error.exception_type or "out of memory" in error.message.lower()


def _input_shapes(
    prompt: Mapping[str, Any], node_id: str, outputs: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    shapes: list[dict[str, Any]] = []
    for name, source, slot in input_links(prompt, node_id):
        prefix = f"out{slot}"
        for fields in outputs.get(source, ()):
            path = fields["path"]
            if path == prefix or path.startswith((prefix + ".", prefix + "[")):
                shapes.append({**fields, "path": name + path[len(prefix) :]})
    return shapes
