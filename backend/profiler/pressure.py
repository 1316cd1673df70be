"""VRAM pressure before each node: the device's use (all processes) against the warning and critical
thresholds, logged at a bounded rate and told to listeners when a run's level changes.

The probe reads the device's free and total memory before each node (``memory.py``); the recorder
hands them here. A node below the warning threshold in a run that has been below it costs one
multiplication and two comparisons.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import log
from ..schemas.oom import VramPressureLevel as PressureLevel
from ..schemas.profiler import DEFAULT_VRAM_CRITICAL_PERCENT, DEFAULT_VRAM_WARNING_PERCENT
from .graph import node_class_type

# A 500-node run at 96 % logs a line now and then, not one per node.
LOG_EVERY_S = 60.0
GIB = 1024**3


def used_percent(free_bytes: int | None, total_bytes: int | None) -> float | None:
    """The device's memory in use, 0..100; None when it did not say."""
    if free_bytes is None or not total_bytes:
        return None
    return max(0.0, min(100.0, (total_bytes - free_bytes) * 100.0 / total_bytes))


@dataclass(frozen=True)
class PressureChange:
    """A run's VRAM pressure changed level before ``node_id`` (None: the run ended, back to normal)."""

    prompt_id: str
    level: PressureLevel
    node_id: str | None
    node_type: str | None
    percent: float | None
    free_bytes: int | None
    total_bytes: int | None
    device_index: int | None = None


PressureListener = Callable[[PressureChange], None]


class VramPressure:
    """Each running prompt's level; the thresholds are the profiler's settings."""

    def __init__(
        self,
        warning_percent: float = DEFAULT_VRAM_WARNING_PERCENT,
        critical_percent: float = DEFAULT_VRAM_CRITICAL_PERCENT,
        *,
        log_lines: bool = True,
    ) -> None:
        """``log_lines``: False where the runs are not happening now (the demo's seeded past)."""
        self._log_lines = log_lines
        self._warning = warning_percent
        self._critical = critical_percent
        # Only runs above normal are here (with their device): the common case is a miss.
        self._levels: dict[str, tuple[PressureLevel, int | None]] = {}
        self._listeners: list[PressureListener] = []
        self._lock = threading.Lock()

    @property
    def thresholds(self) -> tuple[float, float]:
        return self._warning, self._critical

    def set_thresholds(self, warning_percent: float, critical_percent: float) -> None:
        """From the next node on."""
        if not 0 < warning_percent < critical_percent <= 100:
            raise ValueError("the warning threshold must be above 0 and below the critical one (at most 100)")
        self._warning, self._critical = warning_percent, critical_percent

    def add_listener(self, listener: PressureListener) -> Callable[[], None]:
        """Told of every level change (on the execution thread: hand it over, do not block)."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def observe(
        self,
        prompt_id: str,
        node_id: str,
        free_bytes: int,
        total_bytes: int,
        *,
        prompt: Mapping[str, Any],
        class_type: str | None = None,
        device_index: int | None = None,
    ) -> None:
        """The device's memory before ``node_id`` starts (``device_index``: torch's index of it)."""
        used = total_bytes - free_bytes
        if used * 100.0 < self._warning * total_bytes and prompt_id not in self._levels:
            return
        percent = used * 100.0 / total_bytes
        level: PressureLevel = (
            "critical" if percent >= self._critical else "warning" if percent >= self._warning else "normal"
        )
        node_type = class_type or node_class_type(prompt, node_id)
        if level != "normal" and self._log_lines:
            threshold = self._critical if level == "critical" else self._warning
            log.at_most_every(
                f"vram-pressure-{level}",
                LOG_EVERY_S,
                f"VRAM {percent:.0f}% in use before {node_type or 'a node'} (node {node_id}): "
                f"{free_bytes / GIB:.2f} of {total_bytes / GIB:.2f} GiB free ({level}: >= {threshold:g}%)",
            )
        with self._lock:
            previous = self._levels.get(prompt_id, ("normal", None))[0]
            if level == previous:
                return
            if level == "normal":
                self._levels.pop(prompt_id, None)
            else:
                self._levels[prompt_id] = (level, device_index)
        self._tell(
            PressureChange(
                prompt_id, level, node_id, node_type, percent, free_bytes, total_bytes, device_index
            )
        )

    def run_ended(self, prompt_id: str) -> None:
        """The run is over: a raised level goes back to normal."""
        with self._lock:
            raised = self._levels.pop(prompt_id, None)
        if raised is not None:
            self._tell(PressureChange(prompt_id, "normal", None, None, None, None, None, raised[1]))

    def _tell(self, change: PressureChange) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.at_most_every("vram-pressure-listener", 60.0, "a VRAM pressure listener failed")
