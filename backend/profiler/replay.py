"""Replaying a workflow's event log into its WorkflowRecord: which start counts, statuses, names,
wall times, shape names, OOM classification and validation.

Off the hot path: once after the workflow, on the history writer's thread, or for the live view
from a copy of the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import log
from ..schemas.profiler import ErrorSummary, NodeStatus, WorkflowRecord, WorkflowStatus
from .events import (
    Cached,
    ExpansionReader,
    Failed,
    Finished,
    MemorySample,
    Models,
    Outcome,
    OutOfMemory,
    Row,
    Started,
    WorkflowLog,
    read,
)
from .graph import input_links, node_class_type, node_title, workflow_hash
from .oom import reads_as_oom
from .pressure import used_percent
from .residency import ModelReplay, model_timeline
from .shapes import RawShape, shape_fields

# A runaway subgraph expansion must not grow one record without bound.
MAX_NODES_PER_WORKFLOW = 5000


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
    vram_free_before: int | None = None
    vram_total: int | None = None
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
        run: WorkflowLog,
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
            "vram_free_before_bytes": self.vram_free_before,
            "vram_percent_before": used_percent(self.vram_free_before, self.vram_total),
            "vram_after_bytes": self.vram_after,
            "vram_peak_delta_bytes": self.vram_peak_delta,
            "rss_before_bytes": self.rss_before,
            "rss_after_bytes": self.rss_after,
            "input_shapes": input_shapes,
            "output_shapes": output_shapes,
            "error": self.error,
        }


@dataclass
class _Replayed:
    """What the event log says, in the order things happened."""

    nodes: dict[str, _NodeRun] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)
    outcome: WorkflowStatus | None = None
    error: ErrorSummary | None = None
    oom_node_id: str | None = None
    # When the host saw an out-of-memory error (it unloads models before it reports the failure).
    oom_at: OutOfMemory | None = None
    # The node running now (model rows are attributed to it) and the model rows.
    running: str | None = None
    models: ModelReplay = field(default_factory=ModelReplay)


def _max(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _named(shapes: list[RawShape]) -> list[dict[str, Any]]:
    named = (shape_fields(raw) for raw in shapes)
    return [fields for fields in named if fields is not None]


def build_record(run: WorkflowLog, now_wall: float, now_perf: float, *, final: bool) -> WorkflowRecord:
    """The record of ``run`` as its log stands; ``final``: the workflow has ended at ``now``.

    Raises:
        pydantic.ValidationError: The log cannot make a valid record (a bug; the caller logs it).
    """
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
    timeline = model_timeline(run, state.models, now_perf) if state.models.rows else None
    for node in sorted(state.nodes.values(), key=lambda n: n.order):
        if final and node.status == "running":
            # ComfyUI sends no finish for a node that failed or was cut short.
            node.status = "interrupted" if state.outcome == "interrupted" else "error"
        inputs = _input_shapes(run.prompt, node.node_id, outputs)
        fields = node.to_dict(run, has_titles, inputs, outputs.get(node.node_id, []))
        if timeline is not None and node.node_id in timeline.uses:
            fields["models"] = timeline.uses[node.node_id]
        nodes.append(fields)
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
            "workflow_name": run.name,
            "nodes": nodes,
            "model_residency": timeline.residency if timeline is not None else [],
            "reloaded_models": timeline.reloaded if timeline is not None else [],
        }
    )


def _replay(rows: list[Row]) -> _Replayed:
    """Apply a workflow's events in order: what the nodes and the outcome are by now."""
    state = _Replayed()
    for row in rows:
        event = read(row)
        if isinstance(event, Started):
            _started(state, event)
        elif isinstance(event, Finished):
            node = state.nodes.get(event.node_id)
            if node is None or node.cache_hit or node.start_perf is None or node.end_perf is not None:
                continue
            node.end(event.perf, event.memory)
            node.status = "success"
            if state.running == event.node_id:
                state.running = None
            if event.shapes:
                node.output_shapes = event.shapes
        elif isinstance(event, Cached):
            for node_id in event.node_ids:
                state.cached.add(node_id)
                if node_id not in state.nodes and len(state.nodes) < MAX_NODES_PER_WORKFLOW:
                    state.nodes[node_id] = _NodeRun(node_id, len(state.nodes), "cached", True)
        elif isinstance(event, Failed):
            _failed(state, event)
        elif isinstance(event, OutOfMemory):
            state.oom_at = event
        elif isinstance(event, Models):
            state.models.add(event, state.running)
        else:
            _apply_outcome(state, event)
    return state


def _started(state: _Replayed, event: Started) -> None:
    nodes = state.nodes
    node = nodes.get(event.node_id)
    if node is None:
        if len(nodes) >= MAX_NODES_PER_WORKFLOW:
            return
        node = _NodeRun(event.node_id, len(nodes), "running", False, event.class_type, event.parent_node_id)
        nodes[event.node_id] = node
    elif node.start_perf is not None:
        return  # a lazy or async re-entry: the first start is the real one
    if node.cache_hit:
        return
    node.status = "running"
    node.start_perf = event.perf
    state.running = event.node_id
    if event.memory is not None:
        node.vram_before = event.memory.vram_bytes
        node.rss_before = event.memory.rss_bytes
        node.vram_free_before = event.memory.vram_free_bytes
        node.vram_total = event.memory.vram_total_bytes


def _failed(state: _Replayed, event: Failed) -> None:
    node = state.nodes.get(event.node_id)
    if node is None:
        return
    if node.end_perf is None:
        node.end(event.perf, event.memory)
    node.status = "interrupted" if event.interrupted else "error"
    node.error = event.message
    if state.running == event.node_id:
        state.running = None
    if event.oom:
        state.oom_node_id = event.node_id


def _apply_outcome(state: _Replayed, outcome: Outcome) -> None:
    status, error, perf, memory = outcome
    if status == "error" and (
        state.oom_node_id is not None
        or state.oom_at is not None
        or (error is not None and reads_as_oom(error.exception_type, error.message))
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
        node.error = node.error or f"{error.exception_type}: {error.message}"
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
