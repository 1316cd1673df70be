"""The recorder: turns host events into each running workflow's event log; knows nothing of ComfyUI.

Every node event is one append of a row to its workflow's log (``events.py``), inside the node's
own time;
what the log means is worked out when a record is built (``replay.py``): once after the workflow,
by whoever keeps it (the history writer thread: the execution thread only hands the finished log
over), or for the live view (``current()``) on the server's side. Measurements (memory, shapes)
are taken by the caller and passed in.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import log
from ..schemas.oom import OomEvent
from ..schemas.profiler import ErrorSummary, WorkflowRecord, WorkflowStatus
from . import replay
from .events import (
    CACHED,
    FAILED,
    FINISHED,
    MODELS,
    OUT_OF_MEMORY,
    OUTCOME,
    STARTED,
    ExpansionReader,
    MemorySample,
    ModelAction,
    ModelEntry,
    WorkflowLog,
)
from .oom import OomCapture, oom_event
from .pressure import VramPressure
from .replay import MAX_NODES_PER_WORKFLOW
from .shapes import RawShape

# A node logs a start and a finish (with its outputs), more for lazy and async re-entries; past this
# the node events of one workflow are dropped (its outcome never is).
MAX_EVENTS_PER_WORKFLOW = MAX_NODES_PER_WORKFLOW * 8
# Names the page sent for prompts, kept until their run is built (queued prompts wait a while).
MAX_PENDING_NAMES = 1000


@dataclass(frozen=True, eq=False)
class FinishedWorkflow:
    """A prompt whose execution returned, its record not built yet (``storage.PendingRecord``).

    Building it (replaying the log, naming shapes, validating: ~2-3 ms for 200 nodes) is left to
    the sink that keeps it, on its own thread, so that ComfyUI's execution thread does no more than
    hand it over before its next prompt. Each ``build()`` builds anew.
    """

    prompt_id: str
    _run: WorkflowLog
    _ended_wall: float
    _ended_perf: float
    _names: WorkflowNames

    def build(self) -> WorkflowRecord:
        """The workflow's record (raises if the log cannot make a valid one)."""
        # A name that arrived after the run ended (the page learns the prompt id late) still counts.
        self._run.name = self._names.take(self.prompt_id, self._run.name)
        return replay.build_record(self._run, self._ended_wall, self._ended_perf, final=True)


Sink = Callable[[FinishedWorkflow], None]
OomSink = Callable[[OomEvent], None]


def _add(sinks: list[Any], sink: Any) -> Callable[[], None]:
    sinks.append(sink)

    def remove() -> None:
        if sink in sinks:
            sinks.remove(sink)

    return remove


class WorkflowNames:
    """Names the page sent, by prompt id, for runs that have not been built yet (thread-safe)."""

    def __init__(self, limit: int = MAX_PENDING_NAMES) -> None:
        self._lock = threading.Lock()
        self._names: OrderedDict[str, str | None] = OrderedDict()
        self._limit = limit

    def put(self, prompt_id: str, name: str | None) -> None:
        with self._lock:
            self._names[prompt_id] = name
            self._names.move_to_end(prompt_id)
            while len(self._names) > self._limit:
                self._names.popitem(last=False)

    def take(self, prompt_id: str, default: str | None) -> str | None:
        """The name sent for ``prompt_id`` (forgotten once taken), else ``default``."""
        with self._lock:
            if prompt_id in self._names:
                return self._names.pop(prompt_id)
        return default


class Recorder:
    """In-flight workflows and their logs; finished ones go to the sinks, which build their records."""

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
        self._runs: dict[str, WorkflowLog] = {}
        self._names = WorkflowNames()
        # Off: no new workflow is recorded (the plugin also detaches the hooks).
        self._enabled = True
        # Finished records are not kept here: the store has them, and the last one held until the next
        # finishes is memory (~65,000 objects for 5,000 nodes) that every full collection scans.
        self._sinks: list[Sink] = []
        self._oom_sinks: list[OomSink] = []
        # Before each node where the device tells its free memory: warnings at high use.
        self.pressure = VramPressure()

    def add_sink(self, sink: Sink) -> Callable[[], None]:
        """Call ``sink`` with every finished workflow (on the execution thread: it must only hand the
        workflow over, not build it there); returns a remover."""
        return _add(self._sinks, sink)

    def add_oom_sink(self, sink: OomSink) -> Callable[[], None]:
        """Call ``sink`` with every out-of-memory event captured (on the execution thread: it must
        only hand the event over); returns a remover."""
        return _add(self._oom_sinks, sink)

    # Lifecycle -------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Turn recording on or off; off also drops the workflows in flight (no half records)."""
        with self._lock:
            self._enabled = enabled
            if not enabled:
                self._runs.clear()

    def name_workflow(self, prompt_id: str, name: str | None) -> None:
        """What the page calls the workflow of ``prompt_id``: before, while or after it runs."""
        with self._lock:
            run = self._runs.get(prompt_id)
            if run is not None:
                run.name = name
                return
        self._names.put(prompt_id, name)

    def begin_workflow(self, prompt_id: str, prompt: Mapping[str, Any]) -> None:
        """A prompt starts executing (its graph as ComfyUI's API format)."""
        run = WorkflowLog(prompt_id, prompt, self._wall(), self._perf())
        run.name = self._names.take(prompt_id, None)
        with self._lock:
            if self._enabled:
                self._runs[prompt_id] = run

    def end_workflow(self, prompt_id: str) -> FinishedWorkflow | None:
        """The prompt's execution returned: hand it to the sinks, which build its record."""
        with self._lock:
            run = self._runs.pop(prompt_id, None)
        if run is None:
            return None
        self.pressure.run_ended(prompt_id)
        finished = FinishedWorkflow(prompt_id, run, self._wall(), self._perf(), self._names)
        for sink in list(self._sinks):
            try:
                sink(finished)
            except Exception:
                log.at_most_every("recorder-sink", 60.0, "a profiler sink failed; the record may be lost")
        return finished

    # Events (the execution thread; each one append) --------------------------------------------

    def mark_cached(self, prompt_id: str, node_ids: Iterable[str]) -> None:
        """ComfyUI's ``execution_cached``: these nodes' outputs come from the cache."""
        run = self._runs.get(prompt_id)
        if run is not None:
            run.events.append((CACHED, [str(n) for n in node_ids]))

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
        # These run inside every node's time: a dict read, a length check, one plain tuple (and where
        # the device tells its free memory, the pressure check: a multiplication and a comparison).
        run = self._runs.get(prompt_id)
        if run is not None and len(run.events) < MAX_EVENTS_PER_WORKFLOW:
            run.events.append((STARTED, node_id, self._perf(), memory, class_type, parent_node_id))
            if memory is not None and memory.vram_total_bytes and memory.vram_free_bytes is not None:
                self.pressure.observe(
                    prompt_id,
                    node_id,
                    memory.vram_free_bytes,
                    memory.vram_total_bytes,
                    prompt=run.prompt,
                    class_type=class_type,
                    device_index=memory.vram_device_index,
                )

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
            run.events.append((FINISHED, node_id, self._perf(), memory, shapes))

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
        run = self._runs.get(prompt_id)
        if run is not None and len(run.events) < MAX_EVENTS_PER_WORKFLOW:
            run.events.append((FAILED, node_id, self._perf(), message, interrupted, oom, memory))

    def models_resident(self, prompt_id: str, models: Sequence[ModelEntry], previous: Iterable[str]) -> None:
        """The models on the device as ``prompt_id`` begins, and those there when the previous run
        ended (one put back on the device during this run is flagged as reloaded)."""
        run = self._runs.get(prompt_id)
        if run is not None:
            run.previous_models = frozenset(previous)
            run.events.append((MODELS, self._perf(), "resident", tuple(models)))

    def models_changed(self, action: ModelAction, models: Sequence[ModelEntry]) -> None:
        """The host's model management loaded, used or unloaded ``models`` in the workflow running now
        (attributed to its running node when the record is built)."""
        if not models:
            return
        with self._lock:
            run = next(reversed(self._runs.values()), None)
        if run is not None and len(run.events) < MAX_EVENTS_PER_WORKFLOW:
            run.events.append((MODELS, self._perf(), action, tuple(models)))

    def out_of_memory(self, memory: MemorySample | None = None) -> None:
        """The host ran out of memory in the workflow running now (its failure is reported later)."""
        with self._lock:
            run = next(reversed(self._runs.values()), None)
        if run is not None:
            run.events.append((OUT_OF_MEMORY, self._perf(), memory))

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
            run.events.append((OUTCOME, status, error, self._perf(), memory))

    def capture_oom(self, capture: OomCapture) -> OomEvent | None:
        """The host ran out of memory in the workflow running now and saw ``capture`` loaded: the
        event (the failing node, what still needs each model), handed to the OOM sinks.

        Builds the live record (~1-3 ms for 200 nodes) on the failing thread: an OOM is rare and the
        models it names are unloaded right after, so it cannot wait for the writer."""
        with self._lock:
            if not self._runs:
                return None
            run = next(reversed(self._runs.values()))
        live = replay.build_record(run, self._wall(), self._perf(), final=False)
        event = oom_event(capture, live, run.prompt, captured_at=self._wall())
        for sink in list(self._oom_sinks):
            try:
                sink(event)
            except Exception:
                log.at_most_every("recorder-oom-sink", 60.0, "an OOM sink failed; the capture may be lost")
        return event

    # Reads -------------------------------------------------------------------------------------

    def current(self) -> WorkflowRecord | None:
        """The workflow running now, as a live record; None when idle."""
        with self._lock:
            if not self._runs:
                return None
            run = next(reversed(self._runs.values()))
        return replay.build_record(run, self._wall(), self._perf(), final=False)
