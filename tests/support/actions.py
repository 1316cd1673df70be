"""The action services over fakes at our seams: a host with a settable queue and models that hold
VRAM until unloaded, a sampler that measures them, and a recorded restart instead of a real one."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from backend.actions import ActionServices, ClearVram, Exposure, RestartService, UnloadModels
from backend.actions.restart import ExecPlan, RestartPlan
from backend.api.guards import TOKEN_HEADER, RequestGuard
from backend.schemas import (
    GpuCapabilities,
    HardwareCapabilities,
    MonitorSnapshot,
    QueueState,
)
from tests.support.api import build_app
from tests.support.telemetry import FakeSampler, make_gpu_caps, make_hardware, make_vram_snapshot

TOKEN = "test-token-0123456789"
RESTART = "/swissarmyknife/restart"
CLEAR_VRAM = "/swissarmyknife/monitor/clear-vram"
SESSION = "/swissarmyknife/session"
GIB = 1024**3

EXEC_PLAN = ExecPlan(
    executable="/usr/bin/python3",
    args=("/usr/bin/python3", "main.py", "--port", "8188"),
    cwd="/srv/ComfyUI",
    command_line="/usr/bin/python3 main.py --port 8188",
)


@dataclass
class FakeModelHost:
    """The host adapter's part the actions use: a settable queue; two models holding 8 GiB on GPU 0
    (10 GiB used before they unload, 2 GiB after); optional failure or a hook while unloading."""

    queue: QueueState = field(default_factory=lambda: QueueState(running=0, queued=0))
    error: Exception | None = None
    on_unload: Callable[[], None] | None = None
    cleared: int = 0
    vram_used_bytes: int = 10 * GIB
    # By name, as an OOM capture names them (unload_named_models).
    named: dict[str, int | None] = field(
        default_factory=lambda: {"base.safetensors": 6 * GIB, "refiner.safetensors": 2 * GIB}
    )

    def queue_state(self) -> QueueState:
        return self.queue

    def unload_models(self) -> int | None:
        if self.on_unload is not None:
            self.on_unload()
        if self.error is not None:
            raise self.error
        self.cleared += 1
        self.vram_used_bytes = 2 * GIB
        return 2

    def unload_named_models(self, names: Sequence[str]) -> list[tuple[str, int | None]]:
        if self.on_unload is not None:
            self.on_unload()
        if self.error is not None:
            raise self.error
        found = [(name, self.named.pop(name)) for name in names if name in self.named]
        self.vram_used_bytes -= sum(size or 0 for _name, size in found)
        return found


@dataclass
class VramReadings:
    """The sampler's part Clear VRAM measures with: GPU 0 reads what the host holds."""

    host: FakeModelHost

    def sample_once(self) -> MonitorSnapshot:
        return make_vram_snapshot({0: self.host.vram_used_bytes})

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None:
        return make_hardware(), make_gpu_caps(1), 1


@dataclass
class Restarts:
    """Records run_restart calls (on the restart thread) instead of restarting."""

    plan: RestartPlan = EXEC_PLAN
    calls: list[RestartPlan] = field(default_factory=list)
    ran: threading.Event = field(default_factory=threading.Event)

    def run(self, plan: RestartPlan) -> None:
        self.calls.append(plan)
        self.ran.set()


@dataclass
class Setup:
    """What an action test configures; ``app()`` builds the aiohttp application."""

    exposure: Exposure = field(default_factory=Exposure.loopback)
    allow_remote: bool = False
    host: FakeModelHost = field(default_factory=FakeModelHost)
    restarts: Restarts = field(default_factory=Restarts)
    with_actions: bool = True
    restart_delay_s: float = 0.01

    def guard(self) -> RequestGuard:
        return RequestGuard(
            exposure=lambda: self.exposure, allow_remote=self.allow_remote, token=TOKEN, local_names=()
        )

    def actions(self) -> ActionServices | None:
        if not self.with_actions:
            return None
        return ActionServices(
            queue=self.host,
            restart=RestartService(lambda: self.restarts.plan, self.restarts.run, self.restart_delay_s),
            clear_vram=ClearVram(self.host, VramReadings(self.host)),
            unload=UnloadModels(self.host),
        )

    def app(self) -> web.Application:
        return build_app(FakeSampler(), guard=self.guard(), actions=self.actions())


def good_headers(**extra: str) -> dict[str, str]:
    """What the plugin's own page sends."""
    headers = {"Content-Type": "application/json", TOKEN_HEADER: TOKEN}
    headers.update(extra)
    return headers
