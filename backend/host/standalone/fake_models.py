"""The standalone host's stand-ins for ComfyUI's model manager and prompt queue.

With ``--fake-gpus`` two "models" sit on the fake GPUs and their memory shows in the VRAM tiles
until Clear VRAM unloads them, so the whole action can be seen and tested without ComfyUI. Test-only
routes (``backend/api/standalone.py``, with ``--fake-gpus`` only) load them again and make the queue
look busy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...profiler.prevention import DeviceNow
from ...schemas import GpuSample, QueueState
from ...telemetry import DEFAULT_FAKE_GPUS, FakeGpuSource, FakeGpuSpec

GIB = 1024**3


WORKING_MEMORY_SUFFIX = "working memory"


@dataclass(frozen=True)
class FakeModel:
    """A model "loaded" on one fake GPU (or, named "<node> working memory", what a running node holds)."""

    name: str
    device_index: int
    size_bytes: int

    @property
    def is_working_memory(self) -> bool:
        return self.name.endswith(WORKING_MEMORY_SUFFIX)


DEFAULT_FAKE_MODELS: tuple[FakeModel, ...] = (
    FakeModel("sd_xl_base_1.0", 0, 6 * GIB),
    FakeModel("flux1-dev", 1, 12 * GIB),
)


class FakeModels:
    """Which fake models are loaded; thread-safe (the sampler thread reads, handlers change)."""

    def __init__(self, loaded: Sequence[FakeModel] = ()) -> None:
        self._lock = threading.Lock()
        self._loaded = list(loaded)

    def held_bytes(self, device_index: int) -> int:
        with self._lock:
            return sum(m.size_bytes for m in self._loaded if m.device_index == device_index)

    def loaded(self) -> list[FakeModel]:
        with self._lock:
            return list(self._loaded)

    def load(self, models: Sequence[FakeModel]) -> None:
        with self._lock:
            self._loaded = [m for m in self._loaded if m not in models] + list(models)

    def unload(self, models: Sequence[FakeModel]) -> None:
        with self._lock:
            self._loaded = [m for m in self._loaded if m not in models]

    def load_defaults(self) -> list[tuple[str, int]]:
        """Load the default models again; every loaded model's (name, bytes)."""
        self.load(DEFAULT_FAKE_MODELS)
        return [(m.name, m.size_bytes) for m in self.loaded()]

    def unload_all(self) -> int:
        """Unload everything; return how many models were loaded."""
        with self._lock:
            count = len(self._loaded)
            self._loaded = []
            return count


class ModelHoldingFakeGpuSource(FakeGpuSource):
    """Fake GPUs whose used VRAM also carries the fake models loaded on them."""

    def __init__(
        self,
        models: FakeModels,
        specs: Sequence[FakeGpuSpec] = DEFAULT_FAKE_GPUS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(specs, clock=clock)
        self._models = models

    def sample(self) -> list[GpuSample]:
        samples = super().sample()
        return [self._with_models(sample) for sample in samples]

    def _with_models(self, sample: GpuSample) -> GpuSample:
        held = self._models.held_bytes(sample.index)
        used, total = sample.vram_used_bytes, sample.vram_total_bytes
        if not held or used is None:
            return sample
        used = min(used + held, total) if total is not None else used + held
        return sample.model_copy(update={"vram_used_bytes": used})


class FakeQueue:
    """How busy the standalone host pretends to be (it runs no workflows)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._queued = 0

    def set(self, running: int, queued: int) -> None:
        with self._lock:
            self._running, self._queued = running, queued

    def state(self) -> QueueState:
        with self._lock:
            return QueueState(running=self._running, queued=self._queued)


def fake_device_now(gpus: FakeGpuSource, models: FakeModels) -> DeviceNow | None:
    """The first fake GPU as the check before a run sees it: its free memory, total, models."""
    samples = gpus.sample()
    if not samples:
        return None
    first = samples[0]
    if first.vram_total_bytes is None or first.vram_used_bytes is None:
        return None
    loaded = tuple(
        (m.name, m.size_bytes)
        for m in models.loaded()
        if m.device_index == first.index and not m.is_working_memory  # a node's, not a model to unload
    )
    free = max(0, first.vram_total_bytes - first.vram_used_bytes)
    return DeviceNow(free_bytes=free, total_bytes=first.vram_total_bytes, loaded=loaded)
