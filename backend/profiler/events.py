"""The hot event log: what a running workflow's log holds, and one NamedTuple per kind of event.

Node events arrive on ComfyUI's execution thread, inside the nodes' own time: each is one append
to its workflow's log, with no lock (``dict.get`` and ``list.append`` are atomic) and no decision.
What they mean is worked out later by replaying the log (``replay.py``), which reads each row as
its kind's NamedTuple (``read``).

Why rows and not the NamedTuples themselves: a plain tuple comes from CPython's free list, any
tuple subclass is allocated afresh; in the miniature of ComfyUI's executor (``bench/hook_overhead.py``)
logging NamedTuples cost ~0.8 us more per node than logging rows (3.2 -> 4.1 us, in one process,
interleaved). So each kind's row is a plain tuple, typed exactly (its tag, then its fields in its
NamedTuple's order), and mypy narrows a row by its tag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NamedTuple

from ..schemas.profiler import ErrorSummary, WorkflowStatus
from .shapes import RawShape

# What a host can say of a node the prompt does not have (a subgraph expansion's): its class type
# and the node that expanded into it, or None when it knows nothing of it.
ExpansionReader = Callable[[str], "tuple[str | None, str | None] | None"]


class MemorySample(NamedTuple):
    """Memory at one instant: device bytes allocated, device peak since the last reset, process RSS,
    and (before a node) the device's free and total.

    A NamedTuple: two are made around every node, and a tuple is the cheapest immutable record.
    """

    vram_bytes: int | None = None
    vram_peak_bytes: int | None = None
    rss_bytes: int | None = None
    # The device's free and total memory (all processes), read before a node where the device says.
    vram_free_bytes: int | None = None
    vram_total_bytes: int | None = None
    # Which device those are of (torch's index, as the tiles label it).
    vram_device_index: int | None = None


class Cached(NamedTuple):
    """ComfyUI's ``execution_cached``: these nodes' outputs come from the cache."""

    node_ids: list[str]


class Started(NamedTuple):
    """A node began (again, for a lazy or async re-entry: replay keeps the first)."""

    node_id: str
    perf: float
    memory: MemorySample | None
    class_type: str | None
    parent_node_id: str | None


class Finished(NamedTuple):
    """A node reached its real end, with its outputs' raw shapes (None: unreadable)."""

    node_id: str
    perf: float
    memory: MemorySample | None
    shapes: list[RawShape] | None


class Failed(NamedTuple):
    """A node raised, or was interrupted."""

    node_id: str
    perf: float
    message: str
    interrupted: bool
    oom: bool
    memory: MemorySample | None


class OutOfMemory(NamedTuple):
    """The host ran out of memory, before it unloaded its models and reported the failure."""

    perf: float
    memory: MemorySample | None


class Outcome(NamedTuple):
    """What the host reported at the end (success, error, interrupted); never dropped."""

    status: WorkflowStatus
    error: ErrorSummary | None
    perf: float
    memory: MemorySample | None


# What happened to a model on the device: on it when the run began, put on it (loaded), asked for
# while already on it (used), taken off it (unloaded).
ModelAction = Literal["resident", "loaded", "used", "unloaded"]
# One model as the host names it: its name (the loader's file, else its class), device, bytes on it.
ModelEntry = tuple[str, str | None, int | None]


class Models(NamedTuple):
    """The host's loaded models changed (or were read, at the start): attributed to the node running."""

    perf: float
    action: ModelAction
    models: tuple[ModelEntry, ...]


Event = Cached | Started | Finished | Failed | OutOfMemory | Outcome | Models

# The rows: each kind's tag, then its NamedTuple's fields in order.
CACHED: Final = 0
STARTED: Final = 1
FINISHED: Final = 2
FAILED: Final = 3
OUT_OF_MEMORY: Final = 4
OUTCOME: Final = 5
MODELS: Final = 6
CachedRow = tuple[Literal[0], list[str]]
StartedRow = tuple[Literal[1], str, float, MemorySample | None, str | None, str | None]
FinishedRow = tuple[Literal[2], str, float, MemorySample | None, list[RawShape] | None]
FailedRow = tuple[Literal[3], str, float, str, bool, bool, MemorySample | None]
OutOfMemoryRow = tuple[Literal[4], float, MemorySample | None]
OutcomeRow = tuple[Literal[5], WorkflowStatus, ErrorSummary | None, float, MemorySample | None]
ModelsRow = tuple[Literal[6], float, ModelAction, tuple[ModelEntry, ...]]
Row = CachedRow | StartedRow | FinishedRow | FailedRow | OutOfMemoryRow | OutcomeRow | ModelsRow


def read(row: Row) -> Event:
    """A logged row as its kind's NamedTuple.

    Built with ``tuple.__new__`` from the row's fields: the NamedTuples' own constructor is a
    Python function, which made replaying a 200-node log ~12 % dearer (counted with callgrind).
    """
    if row[0] == STARTED:
        return _make(Started, row[1:])
    if row[0] == FINISHED:
        return _make(Finished, row[1:])
    if row[0] == CACHED:
        return _make(Cached, row[1:])
    if row[0] == FAILED:
        return _make(Failed, row[1:])
    if row[0] == OUT_OF_MEMORY:
        return _make(OutOfMemory, row[1:])
    if row[0] == MODELS:
        return _make(Models, row[1:])
    return _make(Outcome, row[1:])


_make = tuple.__new__


@dataclass
class WorkflowLog:
    """A running workflow: its prompt, one wall and one perf reading, and the log of its events."""

    prompt_id: str
    prompt: Mapping[str, Any]
    started_at: float
    start_perf: float
    events: list[Row] = field(default_factory=list)
    hash: str | None = None  # worked out by the first build
    expansions: ExpansionReader | None = None
    # What the page called the workflow (named when queued, or while it runs); None: unknown.
    name: str | None = None
    # The models on the device when the previous run ended (a model loaded again is flagged).
    previous_models: frozenset[str] = frozenset()

    def wall_at(self, perf: float) -> float:
        """The wall time of a perf-clock reading: one wall reading per workflow, none per node."""
        return self.started_at + (perf - self.start_perf)
