"""UnloadModels: names deduplicated, what matched nothing listed, refused while busy, one at a time."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from backend.actions import ActionConflictError, HostBusyError, UnloadModels
from backend.schemas import QueueState

GIB = 1024**3


@dataclass
class Host:
    loaded: dict[str, int | None] = field(default_factory=lambda: {"a.safetensors": GIB, "b.pth": None})
    queue: QueueState = field(default_factory=lambda: QueueState(running=0, queued=0))
    calls: list[list[str]] = field(default_factory=list)
    gate: threading.Event | None = None
    entered: threading.Event = field(default_factory=threading.Event)

    def queue_state(self) -> QueueState:
        return self.queue

    def unload_named_models(self, names: Sequence[str]) -> list[tuple[str, int | None]]:
        self.calls.append(list(names))
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(5.0)
        return [(n, self.loaded.pop(n)) for n in names if n in self.loaded]


def test_each_name_is_asked_once_and_the_result_says_what_was_freed() -> None:
    host = Host()
    result = UnloadModels(host).unload(["a.safetensors", "b.pth", "a.safetensors", "c.gguf"])
    assert host.calls == [["a.safetensors", "b.pth", "c.gguf"]]
    assert [(u.name, u.freed_bytes) for u in result.unloaded] == [("a.safetensors", GIB), ("b.pth", None)]
    assert result.not_found == ["c.gguf"]
    assert result.freed_bytes == GIB, "the known sizes; one unknown does not void the rest"


def test_nothing_known_freed_is_none_not_zero() -> None:
    result = UnloadModels(Host()).unload(["b.pth"])
    assert result.freed_bytes is None
    assert UnloadModels(Host()).unload(["zzz"]).freed_bytes is None


@pytest.mark.parametrize("queue", [QueueState(running=1, queued=0), QueueState(running=0, queued=1)])
def test_refused_while_a_workflow_runs_or_waits(queue: QueueState) -> None:
    host = Host(queue=queue)
    with pytest.raises(HostBusyError):
        UnloadModels(host).unload(["a.safetensors"])
    assert host.calls == []


def test_a_second_request_while_one_unloads_is_a_conflict() -> None:
    host = Host(gate=threading.Event())
    action = UnloadModels(host)
    first = threading.Thread(target=action.unload, args=(["a.safetensors"],))
    first.start()
    assert host.entered.wait(5.0)
    try:
        with pytest.raises(ActionConflictError):
            action.unload(["b.pth"])
    finally:
        assert host.gate is not None
        host.gate.set()
        first.join(5.0)
    assert host.calls == [["a.safetensors"]]
