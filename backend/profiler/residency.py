"""Which models were on the device when, replayed from a run's model rows (``events.Models``): the
residency timeline (one stay per model and device), each node's model use, and the models put on
the device again although unchanged.

A row is attributed to the node running when it was logged (the host logs from inside ComfyUI's
model management, which nodes call); rows logged between nodes (the models on the device when the
run began, a cleanup) belong to no node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .events import ModelEntry, Models, WorkflowLog


@dataclass(slots=True)
class _Stay:
    name: str
    device: str | None
    loaded_bytes: int | None
    from_perf: float
    loaded_by: str | None
    until_perf: float | None = None
    used_by: list[str] = field(default_factory=list)

    def use(self, node_id: str | None, loaded_bytes: int | None) -> None:
        if loaded_bytes is not None and (self.loaded_bytes is None or loaded_bytes > self.loaded_bytes):
            self.loaded_bytes = loaded_bytes
        if node_id is not None and node_id != self.loaded_by and node_id not in self.used_by:
            self.used_by.append(node_id)


@dataclass
class ModelReplay:
    """The run's model rows as they arrive, each with the node running then (None: between nodes)."""

    rows: list[tuple[Models, str | None]] = field(default_factory=list)

    def add(self, event: Models, node_id: str | None) -> None:
        self.rows.append((event, node_id))


@dataclass
class ModelTimeline:
    """What a record carries: its stays, each node's model use, what was reloaded."""

    residency: list[dict[str, Any]]
    uses: dict[str, list[dict[str, Any]]]
    reloaded: list[str]


def model_timeline(run: WorkflowLog, replay: ModelReplay, now_perf: float) -> ModelTimeline:
    """The stays as ``ModelResidency`` fields (ms from the run's start), uses as ``ModelUse`` fields."""
    open_stays: dict[tuple[str, str | None], _Stay] = {}
    stays: list[_Stay] = []
    uses: dict[str, list[dict[str, Any]]] = {}
    reloaded: dict[str, None] = {}
    gone: set[str] = set()
    for event, node_id in replay.rows:
        for entry in event.models:
            name, device, size = entry
            key = (name, device)
            stay = open_stays.get(key)
            if event.action == "resident":
                if stay is None:
                    open_stays[key] = _new(stays, entry, run.start_perf, None)
                continue
            if event.action == "unloaded":
                if stay is not None:
                    stay.until_perf = event.perf
                    del open_stays[key]
                gone.add(name)
            elif stay is None:
                # Loaded now; or used while on the device since before the log says (logging starts
                # with the run): then it was there from the start.
                loaded = event.action == "loaded"
                if loaded and (name in run.previous_models or name in gone):
                    reloaded[name] = None
                start = event.perf if loaded else run.start_perf
                open_stays[key] = _new(stays, entry, start, node_id if loaded else None)
                if not loaded:
                    open_stays[key].use(node_id, size)
            else:
                stay.use(node_id, size)
            if node_id is not None:
                uses.setdefault(node_id, []).append(
                    {"name": name, "action": event.action, "device": device, "loaded_bytes": size}
                )
    residency = [
        {
            "name": stay.name,
            "device": stay.device,
            "loaded_bytes": stay.loaded_bytes,
            "from_ms": max(0.0, (stay.from_perf - run.start_perf) * 1000.0),
            "until_ms": None
            if stay.until_perf is None
            else max(0.0, (min(stay.until_perf, now_perf) - run.start_perf) * 1000.0),
            "loaded_by_node_id": stay.loaded_by,
            "used_by_node_ids": stay.used_by,
        }
        for stay in stays
    ]
    return ModelTimeline(residency, uses, list(reloaded))


def _new(stays: list[_Stay], entry: ModelEntry, from_perf: float, loaded_by: str | None) -> _Stay:
    name, device, size = entry
    stay = _Stay(name, device, size, from_perf, loaded_by)
    stays.append(stay)
    return stay
