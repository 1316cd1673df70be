"""Test-only routes of the standalone host started with ``--fake-gpus``: steer its fakes, emit events.

Never registered inside ComfyUI, nor by the standalone host on real telemetry, nor in the OpenAPI
document. End-to-end tests use them to make a metric go missing mid-stream, to play ComfyUI's
execution events over ``/ws``, to make the queue look busy and to load the fake models again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import Field

from ..schemas import ApiModel, QueueState, RequestModel
from ..telemetry import FakeGpuMetric, FakeGpuSource
from .endpoints import Call, Endpoint
from .errors import ApiError

FAKE_GPU_PATH = "/swissarmyknife/standalone/fake-gpu"
EMIT_PATH = "/swissarmyknife/standalone/emit"
FAKE_QUEUE_PATH = "/swissarmyknife/standalone/fake-queue"
FAKE_MODELS_PATH = "/swissarmyknife/standalone/fake-models"
DEMO_RUN_PATH = "/swissarmyknife/standalone/demo/run"


class FakeModelsControl(Protocol):
    """The standalone host's fake model manager (``backend.host.standalone.fake_models.FakeModels``)."""

    def load_defaults(self) -> Sequence[tuple[str, int]]:
        """Load the default fake models again; return every loaded (name, bytes)."""
        ...


class FakeQueueControl(Protocol):
    """The standalone host's fake prompt queue."""

    def set(self, running: int, queued: int) -> None: ...

    def state(self) -> QueueState: ...


class FakeGpuChange(RequestModel):
    """Make one metric of one fake GPU read null (or read again), or the GPU vanish (or return)."""

    index: int = Field(ge=0)
    metric: FakeGpuMetric | None = None
    missing: bool = True
    present: bool | None = Field(None, description="False: the GPU falls off the bus; True: it returns.")


class FakeGpuChanged(ApiModel):
    index: int
    metric: FakeGpuMetric | None
    missing: bool
    present: bool | None


class EmitEvent(RequestModel):
    """A websocket event to broadcast as ComfyUI's ``send_sync(event, data)`` would."""

    event: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")
    data: dict[str, Any] = Field(default_factory=dict)


class EmitResult(ApiModel):
    event: str
    clients: int


class FakeQueueChange(RequestModel):
    """Make the standalone host's queue look busy (or idle again)."""

    running: int = Field(0, ge=0, le=1)
    queued: int = Field(0, ge=0, le=1000)


class FakeModelsLoaded(ApiModel):
    models: list[str]
    held_bytes: int


class DemoRunStarted(ApiModel):
    started: bool


@dataclass(frozen=True)
class StandaloneControls:
    """What the test-only routes steer; built by the standalone host's entry (``backend/__main__.py``).

    Attributes:
        fake_gpus: The source whose GPUs the routes change.
        models: The fake models that hold VRAM until Clear VRAM unloads them.
        queue: The fake prompt queue.
        send_event: The host's broadcast (thread-safe).
        client_count: How many pages listen (reported back to the caller).
        request_sample: Wakes the sampler so a change shows without waiting a whole interval.
        request_probe: Re-probes capabilities (a GPU came or went).
        run_demo: Starts the demo workload's next run now (``--demo`` only).
    """

    fake_gpus: FakeGpuSource
    models: FakeModelsControl
    queue: FakeQueueControl
    send_event: Callable[[str, dict[str, Any]], None]
    client_count: Callable[[], int]
    request_sample: Callable[[], None]
    request_probe: Callable[[], None]
    # With --demo: start the demo's next run now (None: no demo, the route is not served).
    run_demo: Callable[[], None] | None = None


def standalone_endpoints(controls: StandaloneControls) -> list[Endpoint]:
    """The test-only routes (POST, unguarded: they change fakes only, on a loopback test host)."""

    async def change_fake_gpu(call: Call[Any, Any, FakeGpuChange]) -> FakeGpuChanged:
        body = call.body
        if body.metric is None and body.present is None:
            raise ApiError(400, "bad_request", "give a metric (with missing) or present")
        try:
            if body.metric is not None:
                controls.fake_gpus.set_metric_missing(body.index, body.metric, body.missing)
            if body.present is not None:
                controls.fake_gpus.set_present(body.index, body.present)
        except ValueError as exc:
            raise ApiError(400, "bad_request", str(exc)) from None
        if body.present is not None:
            controls.request_probe()
        else:
            controls.request_sample()
        return FakeGpuChanged(
            index=body.index, metric=body.metric, missing=body.missing, present=body.present
        )

    async def emit(call: Call[Any, Any, EmitEvent]) -> EmitResult:
        # As on ComfyUI's socket: `executing` carries {node, display_node, prompt_id}; the page's
        # api turns it into a bare node id (null when the prompt is done).
        controls.send_event(call.body.event, call.body.data)
        return EmitResult(event=call.body.event, clients=controls.client_count())

    async def set_queue(call: Call[Any, Any, FakeQueueChange]) -> QueueState:
        controls.queue.set(call.body.running, call.body.queued)
        # ComfyUI's PromptServer.queue_updated() sends {"status": {"exec_info": {queue_remaining}}}.
        remaining = call.body.running + call.body.queued
        controls.send_event("status", {"status": {"exec_info": {"queue_remaining": remaining}}})
        return controls.queue.state()

    async def load_models(_call: Call[Any, Any, Any]) -> FakeModelsLoaded:
        loaded = controls.models.load_defaults()
        return FakeModelsLoaded(
            models=[name for name, _ in loaded], held_bytes=sum(size for _, size in loaded)
        )

    async def run_demo(_call: Call[Any, Any, Any]) -> DemoRunStarted:
        if controls.run_demo is None:
            raise ApiError(404, "not_found", "the standalone host runs no demo (start it with --demo)")
        controls.run_demo()
        return DemoRunStarted(started=True)

    return [
        Endpoint(
            method="POST",
            path=FAKE_GPU_PATH,
            operation_id="standaloneChangeFakeGpu",
            summary="Test only: make a fake GPU metric go missing or come back",
            handler=change_fake_gpu,
            response_model=FakeGpuChanged,
            tag="standalone",
            test_only=True,
            body_model=FakeGpuChange,
        ),
        Endpoint(
            method="POST",
            path=EMIT_PATH,
            operation_id="standaloneEmit",
            summary="Test only: broadcast a websocket event as ComfyUI would",
            handler=emit,
            response_model=EmitResult,
            tag="standalone",
            test_only=True,
            body_model=EmitEvent,
        ),
        Endpoint(
            method="POST",
            path=FAKE_QUEUE_PATH,
            operation_id="standaloneSetFakeQueue",
            summary="Test only: make the queue look busy (clear VRAM is refused, restart warns)",
            handler=set_queue,
            response_model=QueueState,
            tag="standalone",
            test_only=True,
            body_model=FakeQueueChange,
        ),
        Endpoint(
            method="POST",
            path=FAKE_MODELS_PATH,
            operation_id="standaloneLoadFakeModels",
            summary="Test only: load the fake models onto the fake GPUs again",
            handler=load_models,
            response_model=FakeModelsLoaded,
            tag="standalone",
            test_only=True,
        ),
        Endpoint(
            method="POST",
            path=DEMO_RUN_PATH,
            operation_id="standaloneRunDemo",
            summary="Test only: start the demo workload's next run now",
            handler=run_demo,
            response_model=DemoRunStarted,
            tag="standalone",
            test_only=True,
        ),
    ]
