"""ComfyHost exposure, queue state and unload, against stand-ins for comfy.* and the PromptQueue."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest

from backend.actions import Exposure, HostActionError, HostBusyError
from backend.host.comfyui import ComfyHost
from backend.schemas import QueueState


class FakeQueue:
    """The parts of execution.PromptQueue the adapter reads (0.3.64 and 0.27 alike)."""

    def __init__(self, running: int = 0, queued: int = 0) -> None:
        self.mutex = threading.RLock()
        self.currently_running = {i: object() for i in range(running)}
        self.queue = [object() for _ in range(queued)]
        self.held_during_unload: bool | None = None

    def get_current_queue_volatile(self) -> tuple[list[Any], list[Any]]:
        with self.mutex:
            return list(self.currently_running.values()), list(self.queue)


class FakeServer:
    def __init__(self, queue: Any) -> None:
        self.prompt_queue = queue


@pytest.fixture
def comfy(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    """Fake ``comfy``, ``comfy.cli_args`` and ``comfy.model_management`` modules; returns their state."""
    state = types.SimpleNamespace(calls=[], unload_error=None, cache_error=None, queue=None)
    cli_args = types.ModuleType("comfy.cli_args")
    cli_args.args = types.SimpleNamespace(listen="127.0.0.1", enable_cors_header=None)  # type: ignore[attr-defined]
    mm = types.ModuleType("comfy.model_management")
    mm.current_loaded_models = [object(), object(), object()]  # type: ignore[attr-defined]

    def unload_all_models() -> None:
        if state.queue is not None:
            # Probe whether the queue lock is held by this thread: a non-blocking acquire from
            # another thread must fail while we unload.
            result: list[bool] = []
            probe = threading.Thread(target=lambda: result.append(state.queue.mutex.acquire(blocking=False)))
            probe.start()
            probe.join()
            state.queue.held_during_unload = not result[0]
            if result[0]:
                state.queue.mutex.release()
        state.calls.append("unload_all_models")
        if state.unload_error:
            raise state.unload_error
        mm.current_loaded_models.clear()  # type: ignore[attr-defined]

    def soft_empty_cache(force: bool = False) -> None:
        state.calls.append("soft_empty_cache")
        if state.cache_error:
            raise state.cache_error

    mm.unload_all_models = unload_all_models  # type: ignore[attr-defined]
    mm.soft_empty_cache = soft_empty_cache  # type: ignore[attr-defined]
    package = types.ModuleType("comfy")
    package.cli_args = cli_args  # type: ignore[attr-defined]
    package.model_management = mm  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "comfy", package)
    monkeypatch.setitem(sys.modules, "comfy.cli_args", cli_args)
    monkeypatch.setitem(sys.modules, "comfy.model_management", mm)
    state.args = cli_args.args  # type: ignore[attr-defined]
    yield state


@pytest.mark.parametrize(
    ("listen", "cors", "loopback"),
    [
        ("127.0.0.1", None, True),
        ("127.0.0.1,::1", None, True),
        ("0.0.0.0,::", None, False),  # bare --listen
        ("0.0.0.0", None, False),
        ("127.0.0.1", "*", False),  # bare --enable-cors-header
        ("127.0.0.1", "http://x.test", False),
        ("", None, False),
    ],
)
def test_exposure_comes_from_comfyui_arguments(
    comfy: types.SimpleNamespace, listen: str, cors: str | None, loopback: bool
) -> None:
    comfy.args.listen, comfy.args.enable_cors_header = listen, cors
    exposure = ComfyHost(FakeServer(FakeQueue())).exposure()
    assert isinstance(exposure, Exposure)
    assert exposure.loopback_only is loopback
    assert exposure.cors_origin == cors
    assert exposure.listen_option == "--listen"


def test_queue_state_counts_running_and_queued(comfy: types.SimpleNamespace) -> None:
    host = ComfyHost(FakeServer(FakeQueue(running=1, queued=4)))
    assert host.queue_state() == QueueState(running=1, queued=4)


def test_queue_state_falls_back_to_older_queue_methods(comfy: types.SimpleNamespace) -> None:
    class OldQueue:
        def get_current_queue(self) -> tuple[list[Any], list[Any]]:
            return [object()], []

    class OnlyRemaining:
        def get_tasks_remaining(self) -> int:
            return 3

    assert ComfyHost(FakeServer(OldQueue())).queue_state() == QueueState(running=1, queued=0)
    assert ComfyHost(FakeServer(OnlyRemaining())).queue_state() == QueueState(running=None, queued=3)
    assert ComfyHost(FakeServer(None)).queue_state() == QueueState(running=None, queued=None)
    assert ComfyHost(FakeServer(object())).queue_state() == QueueState(running=None, queued=None)


def test_unload_uses_comfyui_model_management_under_the_queue_lock(comfy: types.SimpleNamespace) -> None:
    queue = FakeQueue()
    comfy.queue = queue
    assert ComfyHost(FakeServer(queue)).unload_models() == 3
    assert comfy.calls == ["unload_all_models", "soft_empty_cache"]
    assert queue.held_during_unload is True, "no workflow may start while models unload"
    assert queue.mutex.acquire(blocking=False), "the lock is released afterwards"
    queue.mutex.release()


@pytest.mark.parametrize(("running", "queued"), [(1, 0), (0, 1)])
def test_unload_refuses_when_a_workflow_is_there(
    comfy: types.SimpleNamespace, running: int, queued: int
) -> None:
    with pytest.raises(HostBusyError, match="clear VRAM when the queue is empty"):
        ComfyHost(FakeServer(FakeQueue(running, queued))).unload_models()
    assert comfy.calls == []


def test_unload_failures_become_host_action_errors(comfy: types.SimpleNamespace) -> None:
    comfy.unload_error = RuntimeError("device lost")
    with pytest.raises(HostActionError, match="device lost"):
        ComfyHost(FakeServer(FakeQueue())).unload_models()
    comfy.unload_error, comfy.cache_error = None, RuntimeError("cache busy")
    with pytest.raises(HostActionError, match="cache busy"):
        ComfyHost(FakeServer(FakeQueue())).unload_models()


def test_unload_without_a_prompt_queue_still_works(comfy: types.SimpleNamespace) -> None:
    assert ComfyHost(FakeServer(None)).unload_models() == 3


# --- unloading named models (an OOM recommendation's button) ------------------------------------


class _Weights:
    pass


class _Patcher:
    def __init__(self) -> None:
        self.model = _Weights()

    def model_size(self) -> int:
        return 0


class _Loaded:
    """comfy.model_management.LoadedModel's part the adapter uses."""

    def __init__(self, loaded_bytes: int | None, fail: bool = False) -> None:
        self.model = _Patcher()
        self.loaded_bytes = loaded_bytes
        self.fail = fail
        self.unloaded = False

    def model_loaded_memory(self) -> int:
        if self.loaded_bytes is None:
            raise AttributeError("older ComfyUI")
        return self.loaded_bytes

    def model_unload(self) -> None:
        if self.fail:
            raise RuntimeError("device lost")
        self.unloaded = True


def _named(comfy: types.SimpleNamespace, *models: tuple[str, _Loaded]) -> list[_Loaded]:
    from backend.host.comfyui_hooks import STATE

    mm = sys.modules["comfy.model_management"]
    mm.current_loaded_models[:] = [loaded for _name, loaded in models]  # type: ignore[attr-defined]
    for i, (name, loaded) in enumerate(models):
        if name != "unnamed":
            STATE.origins.note(str(i), "CheckpointLoaderSimple", name, (loaded.model,))
    return [loaded for _name, loaded in models]


def test_named_unload_frees_only_the_named_models_under_the_queue_lock(comfy: types.SimpleNamespace) -> None:
    base, refiner, other = _named(
        comfy,
        ("base.safetensors", _Loaded(6)),
        ("refiner.safetensors", _Loaded(None)),
        ("unnamed", _Loaded(1)),
    )
    queue = FakeQueue()
    done = ComfyHost(FakeServer(queue)).unload_named_models(["refiner.safetensors", "_Weights", "x"])
    assert done == [("refiner.safetensors", None), ("_Weights", 1)], "an unnamed model goes by its class"
    mm = sys.modules["comfy.model_management"]
    assert mm.current_loaded_models == [base]  # type: ignore[attr-defined]
    assert (base.unloaded, refiner.unloaded, other.unloaded) == (False, True, True)
    assert comfy.calls == ["soft_empty_cache"]
    assert queue.mutex.acquire(blocking=False)
    queue.mutex.release()


def test_named_unload_refuses_when_busy_and_reports_a_failure(comfy: types.SimpleNamespace) -> None:
    (base,) = _named(comfy, ("base.safetensors", _Loaded(6, fail=True)))
    with pytest.raises(HostBusyError):
        ComfyHost(FakeServer(FakeQueue(running=1))).unload_named_models(["base.safetensors"])
    with pytest.raises(HostActionError, match="device lost"):
        ComfyHost(FakeServer(FakeQueue())).unload_named_models(["base.safetensors"])
    assert not base.unloaded
    assert ComfyHost(FakeServer(FakeQueue())).unload_named_models(["nothing"]) == []
    assert "soft_empty_cache" not in comfy.calls, "nothing unloaded: no cache emptied"


# --- the check before a run: ComfyUI's on-prompt handlers ---------------------------------------


class PromptServer:
    """The part of ComfyUI's PromptServer that queues (server.py's trigger_on_prompt)."""

    def __init__(self) -> None:
        self.on_prompt_handlers: list[Any] = []

    def add_on_prompt_handler(self, handler: Any) -> None:
        self.on_prompt_handlers.append(handler)

    def trigger_on_prompt(self, json_data: Any) -> Any:
        for handler in self.on_prompt_handlers:
            json_data = handler(json_data)
        return json_data


def test_a_queued_prompt_is_handed_over_and_queued_exactly_as_sent() -> None:
    server = PromptServer()
    seen: list[tuple[Any, ...]] = []
    ComfyHost(server).on_prompt_queued(
        lambda prompt, prompt_id, client_id: seen.append((prompt, prompt_id, client_id))
    )
    body = {"prompt": {"1": {"class_type": "X", "inputs": {}}}, "prompt_id": "abc", "client_id": "page"}
    assert server.trigger_on_prompt(body) is body
    assert seen == [(body["prompt"], "abc", "page")]
    assert server.trigger_on_prompt({"prompt": "not a graph"}) == {"prompt": "not a graph"}
    assert server.trigger_on_prompt(None) is None
    assert len(seen) == 1


def test_a_failing_check_never_reaches_the_queue() -> None:
    server = PromptServer()

    def broken(*_args: Any) -> None:
        raise RuntimeError("history is closed")

    ComfyHost(server).on_prompt_queued(broken)
    body = {"prompt": {}}
    assert server.trigger_on_prompt(body) is body


def test_without_on_prompt_handlers_the_check_is_off() -> None:
    ComfyHost(object()).on_prompt_queued(lambda *_a: None)  # an old or odd server: nothing to attach


def test_device_now_reads_comfyuis_free_memory_and_the_models_on_that_device(
    comfy: types.SimpleNamespace,
) -> None:
    mm = sys.modules["comfy.model_management"]

    class Device:
        type = "cuda"

        def __str__(self) -> str:
            return "cuda:0"

    mm.get_torch_device = Device  # type: ignore[attr-defined]
    mm.get_free_memory = lambda device: 5 * 1024**3  # type: ignore[attr-defined]
    mm.get_total_memory = lambda device: 24 * 1024**3  # type: ignore[attr-defined]
    (base,) = _named(comfy, ("base.safetensors", _Loaded(6)))
    base.device = "cuda:0"  # type: ignore[attr-defined]
    device = ComfyHost(FakeServer(FakeQueue())).device_now()
    assert device is not None
    assert (device.free_bytes, device.total_bytes, device.loaded) == (
        5 * 1024**3,
        24 * 1024**3,
        (("base.safetensors", 6),),
    )
    mm.get_torch_device = lambda: types.SimpleNamespace(type="cpu")  # type: ignore[attr-defined]
    assert ComfyHost(FakeServer(FakeQueue())).device_now() is None, "no GPU: no check"
