"""Test-only routes of the standalone host started with ``--fake-gpus``: steer the fake GPUs, emit events.

Never registered inside ComfyUI, nor by the standalone host on real telemetry. End-to-end tests use
them to make a metric go missing mid-stream and to play ComfyUI's execution events over ``/ws``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from ...api.endpoints import Call, Endpoint, RouteSpec, route_specs
from ...api.errors import ApiError
from ...schemas import ApiModel, RequestModel
from ...telemetry import FakeGpuMetric, FakeGpuSource

FAKE_GPU_PATH = "/swissarmyknife/standalone/fake-gpu"
EMIT_PATH = "/swissarmyknife/standalone/emit"


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


class StandaloneControls:
    """The control surface over one ``FakeGpuSource`` and the host's broadcaster."""

    def __init__(
        self,
        fake_gpus: FakeGpuSource,
        *,
        send_event: Callable[[str, dict[str, Any]], None],
        client_count: Callable[[], int],
        request_sample: Callable[[], None],
        request_probe: Callable[[], None],
    ) -> None:
        """Create the controls.

        Args:
            fake_gpus: the source whose GPUs the routes change.
            send_event: the host's broadcast (thread-safe).
            client_count: how many pages listen (reported back to the caller).
            request_sample: wakes the sampler so a change shows without waiting a whole interval.
            request_probe: re-probes capabilities (a GPU came or went).
        """
        self._fake_gpus = fake_gpus
        self._send_event = send_event
        self._client_count = client_count
        self._request_sample = request_sample
        self._request_probe = request_probe

    def route_specs(self) -> list[RouteSpec]:
        return route_specs(self.endpoints())

    def endpoints(self) -> list[Endpoint]:
        async def change_fake_gpu(call: Call[Any, FakeGpuChange]) -> FakeGpuChanged:
            body = call.body
            if body.metric is None and body.present is None:
                raise ApiError(400, "bad_request", "give a metric (with missing) or present")
            try:
                if body.metric is not None:
                    self._fake_gpus.set_metric_missing(body.index, body.metric, body.missing)
                if body.present is not None:
                    self._fake_gpus.set_present(body.index, body.present)
            except ValueError as exc:
                raise ApiError(400, "bad_request", str(exc)) from None
            if body.present is not None:
                self._request_probe()
            else:
                self._request_sample()
            return FakeGpuChanged(
                index=body.index, metric=body.metric, missing=body.missing, present=body.present
            )

        async def emit(call: Call[Any, EmitEvent]) -> EmitResult:
            # As on ComfyUI's socket: `executing` carries {node, display_node, prompt_id}; the page's
            # api turns it into a bare node id (null when the prompt is done).
            self._send_event(call.body.event, call.body.data)
            return EmitResult(event=call.body.event, clients=self._client_count())

        return [
            Endpoint(
                method="POST",
                path=FAKE_GPU_PATH,
                operation_id="standaloneChangeFakeGpu",
                summary="Test only: make a fake GPU metric go missing or come back",
                handler=change_fake_gpu,
                response_model=FakeGpuChanged,
                tag="standalone",
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
                body_model=EmitEvent,
            ),
        ]
