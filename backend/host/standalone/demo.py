"""The demo workload (``python -m backend --demo``): ComfyUI's part played so the whole product shows.

Simulated workflows go through the *real* recorder and history store, as ComfyUI's hooks would
drive them: a text-to-image graph (checkpoint loader, two text encoders, empty latent, sampler,
decoder, saver) re-run with cache hits, edited (new prompt text: the encoders run again), failing,
interrupted and out of memory, and an upscale graph with a subgraph node expanded into three. The
fake models hold memory on the fake GPUs while loaded, the sampler adds its working memory while it
runs, so the VRAM tiles move with the workflow.

Two phases:
- seeding, once, when history is empty: a few hours of past runs recorded at once on a simulated
  clock (no sleeping), so Previous and Analytics have something to show;
- live: a run every ``interval_s`` in real time (durations divided by ``speed``) through the
  plugin's own recorder, with ComfyUI's websocket events (execution_start, execution_cached,
  executing, progress, execution_success/_error/_interrupted), so the glow, the popup's gauge and
  the live view move. The test-only route ``POST /swissarmyknife/standalone/demo/run`` starts one now.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ... import log
from ...profiler import MemorySample, Recorder
from ...profiler.events import ModelAction, ModelEntry
from ...profiler.oom import LoadedModel, OomCapture
from ...profiler.pressure import VramPressure
from ...schemas.environment import EnvironmentFingerprint, LaunchFlag
from ...schemas.profiler import ErrorSummary
from .fake_models import GIB, WORKING_MEMORY_SUFFIX, FakeModel, FakeModels, FakeQueue

MIB = 1024**2
Outcome = Literal["success", "error", "interrupted", "oom"]
SendEvent = Callable[[str, dict[str, Any]], None]
THREAD_NAME = "swissarmyknife-demo"
# Seeding hands runs to the store faster than it writes them: it waits for the writer this often.
SEED_PACE_RUNS = 200
# The first fake GPU's memory (telemetry's DEFAULT_FAKE_GPUS[0]).
DEVICE_BYTES = 24 * GIB
# The process's resident memory the records show (ComfyUI with torch imported is a few GiB).
BASE_RSS_BYTES = 3 * GIB


@dataclass(frozen=True)
class DemoNode:
    """One node of a simulated graph.

    Attributes:
        inputs: Its inputs as ComfyUI's API format has them (links are ``[node_id, slot]``).
        seconds: How long it takes when it runs.
        loads: A model it loads (held until Clear VRAM or an OOM unloads everything).
        uses: A model it asks for (put on the device again when something took it off).
        working_bytes: Device memory it holds while it runs.
        outputs: Its outputs' shapes: (path, shape, dtype, device).
        steps: Progress steps it reports (a sampler's).
        expands_to: For a subgraph node: the nodes it expands into (class type, seconds).
    """

    node_id: str
    class_type: str
    title: str
    inputs: dict[str, Any]
    seconds: float
    loads: FakeModel | None = None
    uses: FakeModel | None = None
    working_bytes: int = 0
    outputs: tuple[tuple[str, tuple[int, ...], str, str], ...] = ()
    steps: int = 0
    expands_to: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class DemoWorkflow:
    name: str
    nodes: tuple[DemoNode, ...]

    def prompt(self, edit: int = 0) -> dict[str, Any]:
        """The graph in ComfyUI's API format; ``edit`` changes the prompt text (not the structure)."""
        graph: dict[str, Any] = {}
        for node in self.nodes:
            inputs = dict(node.inputs)
            if "text" in inputs:
                inputs["text"] = f"{inputs['text']} (take {edit})" if edit else inputs["text"]
            graph[node.node_id] = {
                "class_type": node.class_type,
                "inputs": inputs,
                "_meta": {"title": node.title},
            }
        return graph


@dataclass(frozen=True)
class DemoRun:
    """One run of a workflow: which nodes come from the cache, how it ends, where it fails."""

    workflow: DemoWorkflow
    outcome: Outcome = "success"
    cached: frozenset[str] = frozenset()
    fail_at: str | None = None
    edit: int = 0
    named: bool = True
    # Scales the sampler's working memory (an OOM run asks for far more than the GPU has).
    working_scale: float = 1.0
    # Device memory other programs hold during the run (the pre-OOM warning's figures count it).
    others_bytes: int = 2 * GIB


CHECKPOINT = FakeModel("sd_xl_base_1.0.safetensors", 0, int(6.5 * GIB))
UPSCALER = FakeModel("4x-UltraSharp.pth", 0, 70 * MIB)
LATENT = (("out0.samples", (1, 4, 128, 128), "torch.float32", "cuda:0"),)
IMAGE = (("out0", (1, 1024, 1024, 3), "torch.float32", "cpu"),)

TEXT_TO_IMAGE = DemoWorkflow(
    "Text to image (SDXL)",
    (
        DemoNode(
            "4",
            "CheckpointLoaderSimple",
            "Load Checkpoint",
            {"ckpt_name": CHECKPOINT.name},
            1.4,
            loads=CHECKPOINT,
        ),
        DemoNode(
            "6",
            "CLIPTextEncode",
            "Positive",
            {"text": "a lighthouse at dusk, film grain", "clip": ["4", 1]},
            0.18,
            uses=CHECKPOINT,
            outputs=(("out0[0][0]", (1, 77, 2048), "torch.float16", "cuda:0"),),
        ),
        DemoNode(
            "7",
            "CLIPTextEncode",
            "Negative",
            {"text": "blurry, lowres", "clip": ["4", 1]},
            0.15,
            uses=CHECKPOINT,
            outputs=(("out0[0][0]", (1, 77, 2048), "torch.float16", "cuda:0"),),
        ),
        DemoNode(
            "5",
            "EmptyLatentImage",
            "Empty Latent Image",
            {"width": 1024, "height": 1024, "batch_size": 1},
            0.01,
            outputs=LATENT,
        ),
        DemoNode(
            "3",
            "KSampler",
            "KSampler",
            {
                "model": ["4", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
                "seed": 42,
                "steps": 20,
            },
            4.2,
            uses=CHECKPOINT,
            working_bytes=int(3.2 * GIB),
            outputs=LATENT,
            steps=20,
        ),
        DemoNode(
            "8",
            "VAEDecode",
            "VAE Decode",
            {"samples": ["3", 0], "vae": ["4", 2]},
            0.7,
            uses=CHECKPOINT,
            working_bytes=int(1.5 * GIB),
            outputs=IMAGE,
        ),
        DemoNode("9", "SaveImage", "Save Image", {"images": ["8", 0], "filename_prefix": "demo"}, 0.25),
    ),
)

UPSCALE = DemoWorkflow(
    "Upscale 2x with face detail",
    (
        DemoNode("1", "LoadImage", "Load Image", {"image": "portrait.png"}, 0.05, outputs=IMAGE),
        DemoNode(
            "2",
            "UpscaleModelLoader",
            "Load Upscale Model",
            {"model_name": UPSCALER.name},
            0.3,
            loads=UPSCALER,
        ),
        DemoNode(
            "3",
            "ImageUpscaleWithModel",
            "Upscale",
            {"upscale_model": ["2", 0], "image": ["1", 0]},
            2.1,
            uses=UPSCALER,
            working_bytes=int(2.4 * GIB),
            outputs=(("out0", (1, 4096, 4096, 3), "torch.float32", "cpu"),),
        ),
        DemoNode(
            "4",
            "ImageScale",
            "Scale to 2x",
            {"image": ["3", 0], "width": 2048, "height": 2048},
            0.4,
            outputs=(("out0", (1, 2048, 2048, 3), "torch.float32", "cpu"),),
        ),
        # A subgraph node: ComfyUI expands it at run time into nodes the prompt does not list.
        DemoNode(
            "5",
            "FaceDetailer",
            "Face Detailer",
            {"image": ["4", 0]},
            0.0,
            expands_to=(("FaceDetect", 0.35), ("CropFaces", 0.08), ("InpaintFaces", 1.6)),
        ),
        DemoNode("6", "SaveImage", "Save Image", {"images": ["5", 0], "filename_prefix": "upscaled"}, 0.3),
    ),
)

TXT2IMG_CACHED = frozenset({"4", "5", "6", "7"})


# The seeded history's regression: the text-to-image workflow's last few successful runs ran in a
# newer environment (torch 2.13.0, a new driver, --lowvram), each running every node with the sampler
# twice as slow, so Analytics and the popup flag it (the history mixes cached and uncached runs, a
# standard deviation of ~1 s: 3 of them need a clear slowdown) and a comparison shows what changed.
SLOW_TAIL_RUNS = 3
SLOW_SAMPLER = 2.0
PAST_ENVIRONMENT = EnvironmentFingerprint(
    host="standalone",
    comfyui_version="0.27.0",
    frontend_version="1.45.20",
    python_version="3.12.3",
    torch_version="2.12.0",
    cuda_version="12.8",
    hip_version=None,
    gpu_names=["NVIDIA GeForce RTX 3090 Ti", "NVIDIA GeForce RTX 3060"],
    gpu_driver_version="570.86.15",
    pack_version="demo",
    platform="Linux-6.8.0-x86_64",
    launch_flags=[],
)
UPGRADED_ENVIRONMENT = PAST_ENVIRONMENT.model_copy(
    update={
        "torch_version": "2.13.0",
        "gpu_driver_version": "580.65.06",
        "launch_flags": [LaunchFlag(name="--lowvram", value=None)],
    }
)


def slowed(workflow: DemoWorkflow, factor: float) -> DemoWorkflow:
    """The workflow with its sampler ``factor`` times as slow (same graph, same hash)."""
    nodes = tuple(
        replace(n, seconds=n.seconds * factor) if n.class_type == "KSampler" else n for n in workflow.nodes
    )
    return replace(workflow, nodes=nodes)


def slow_tail(script: Sequence[DemoRun], runs: int) -> frozenset[int]:
    """The seeded runs (by index) that are slower: the text-to-image workflow's last successful ones,
    when enough come before them to judge (none in a short history)."""
    ok = [
        i
        for i in range(runs)
        if (r := script[i % len(script)]).workflow is TEXT_TO_IMAGE and r.outcome == "success"
    ]
    return frozenset(ok[-SLOW_TAIL_RUNS:]) if len(ok) >= SLOW_TAIL_RUNS + 8 else frozenset()


def demo_script() -> tuple[DemoRun, ...]:
    """The runs, in order: what an operator's afternoon looks like."""
    return (
        DemoRun(TEXT_TO_IMAGE),
        DemoRun(TEXT_TO_IMAGE, cached=TXT2IMG_CACHED),  # a new seed: only sampling reruns
        DemoRun(TEXT_TO_IMAGE, cached=frozenset({"4", "5"}), edit=1),  # new prompt text
        # Another program holds 14.5 GiB: the nodes start above the warning threshold (85 %).
        DemoRun(UPSCALE, others_bytes=int(14.5 * GIB)),
        DemoRun(TEXT_TO_IMAGE, cached=TXT2IMG_CACHED, outcome="interrupted", fail_at="3"),
        DemoRun(UPSCALE, cached=frozenset({"2"}), outcome="error", fail_at="1", named=False),
        # 16.5 GiB elsewhere: the sampler starts critical (96 %), then asks for 8 GiB, which the
        # device has in all but not free: out of memory.
        DemoRun(
            TEXT_TO_IMAGE,
            cached=TXT2IMG_CACHED,
            outcome="oom",
            fail_at="3",
            working_scale=2.5,
            others_bytes=int(16.5 * GIB),
        ),
        DemoRun(TEXT_TO_IMAGE),  # after the OOM every model was unloaded: the loader runs again
        DemoRun(UPSCALE, cached=frozenset({"1", "2"})),
    )


class SimulatedClock:
    """Wall and perf time that advance only when told (seeding records hours of runs at once)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def wall(self) -> float:
        return self.now

    def perf(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class DemoWorkload:
    """Runs the demo script through a recorder, playing ComfyUI's events and model memory."""

    models: FakeModels
    queue: FakeQueue
    send_event: SendEvent
    speed: float = 1.0
    interval_s: float = 30.0
    # What ComfyUI's /prompt does before queueing (the check before a run): live runs only.
    on_queued: Callable[[Mapping[str, Any], str], None] | None = None
    _serial: Iterator[int] = field(default_factory=itertools.count)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Per model set (seeding has its own): the names on the device when its last run ended.
    _at_end: dict[int, tuple[str, ...]] = field(default_factory=dict)

    # Seeding ----------------------------------------------------------------------------------

    def seed(
        self,
        recorder_factory: Callable[[SimulatedClock], Recorder],
        *,
        hours: float = 6.0,
        runs: int = 36,
        now: float | None = None,
        pace: Callable[[], object] = lambda: None,
        set_environment: Callable[[EnvironmentFingerprint], object] | None = None,
    ) -> int:
        """Record ``runs`` past runs over the last ``hours``, at once; returns how many. With
        ``set_environment``, the runs are recorded in ``PAST_ENVIRONMENT`` and the slow tail
        (``slow_tail``) in ``UPGRADED_ENVIRONMENT``."""
        end = time.time() if now is None else now
        clock = SimulatedClock(end - hours * 3600)
        recorder = recorder_factory(clock)
        # Past runs: their pressure is in their records, not in today's log.
        recorder.pressure = VramPressure(log_lines=False)
        gap_s = hours * 3600 / max(1, runs)
        script = demo_script()
        models = FakeModels()
        tail = slow_tail(script, runs) if set_environment is not None else frozenset()
        if set_environment is not None:
            set_environment(PAST_ENVIRONMENT)
        for i in range(runs):
            run = script[i % len(script)]
            # Seeded runs vary a little, as real ones do (a run's own speed, the seed).
            jitter = 0.85 + 0.3 * ((i * 37) % 11) / 10
            if i in tail:
                if set_environment is not None and i == min(tail):
                    set_environment(UPGRADED_ENVIRONMENT)
                run = replace(run, workflow=slowed(run.workflow, SLOW_SAMPLER), cached=frozenset())
                jitter = 1.0
            self._run(
                replace(run, edit=run.edit + i // len(script)),
                recorder,
                clock.sleep,
                models=models,
                jitter=jitter,
                events=False,
            )
            clock.sleep(gap_s)
            if i % SEED_PACE_RUNS == SEED_PACE_RUNS - 1:
                pace()  # let the store's writer catch up: its queue drops what it cannot hold
        return runs

    # Live -------------------------------------------------------------------------------------

    def start(self, recorder: Recorder) -> None:
        """Run the script in real time, one run every ``interval_s`` (or when asked), on a thread."""
        if self._thread is not None:
            return

        def loop() -> None:
            for run in itertools.cycle(demo_script()):
                if self._stop.is_set():
                    return
                try:
                    self._run(
                        run,
                        recorder,
                        self._sleep,
                        models=self.models,
                        jitter=1.0,
                        events=True,
                    )
                except Exception:
                    log.warning("the demo workload failed a run", exc_info=True)
                self._wake.wait(self.interval_s)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def run_now(self) -> None:
        """Start the next run now instead of at the next interval."""
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the run in progress (its remaining steps take no time); waits for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _sleep(self, seconds: float) -> None:
        if not self._stop.is_set():
            self._stop.wait(seconds / self.speed)

    # One run ----------------------------------------------------------------------------------

    def _run(
        self,
        run: DemoRun,
        recorder: Recorder,
        sleep: Callable[[float], None],
        *,
        models: FakeModels,
        jitter: float,
        events: bool,
    ) -> None:
        prompt_id = f"demo-{int(time.time())}-{next(self._serial):04d}"
        emit: SendEvent = self.send_event if events else (lambda _event, _data: None)
        if run.named:
            recorder.name_workflow(prompt_id, run.workflow.name)
        running = _Running(run, recorder, prompt_id, sleep, models, jitter, emit)
        with self._lock:
            if events:  # the live host's queue; seeded runs are history only
                self.queue.set(1, 0)
            emit("status", {"status": {"exec_info": {"queue_remaining": 1}}})
            prompt = run.workflow.prompt(run.edit)
            if events and self.on_queued is not None:
                self.on_queued(prompt, prompt_id)
            recorder.begin_workflow(prompt_id, prompt)
            resident = [m for m in models.loaded() if not _is_working(m)]
            recorder.models_resident(
                prompt_id, [_entry(m) for m in resident], self._at_end.get(id(models), ())
            )
            emit("execution_start", {"prompt_id": prompt_id, "timestamp": int(time.time() * 1000)})
            cached = [n.node_id for n in run.workflow.nodes if n.node_id in run.cached]
            if cached:
                recorder.mark_cached(prompt_id, cached)
                emit("execution_cached", {"nodes": cached, "prompt_id": prompt_id})
            try:
                running.execute()
            finally:
                self._at_end[id(models)] = tuple(m.name for m in models.loaded() if not _is_working(m))
                recorder.end_workflow(prompt_id)
                if events:
                    self.queue.set(0, 0)
                emit("executing", {"node": None, "display_node": None, "prompt_id": prompt_id})
                emit("status", {"status": {"exec_info": {"queue_remaining": 0}}})


def _memory(models: FakeModels, others_bytes: int = 0) -> MemorySample:
    """What the probe would read: GPU 0's held memory (the fake models), the process's RSS, and the
    device's free memory and total (24 GiB, less what the models and other programs hold)."""
    held = models.held_bytes(0)
    free = max(0, DEVICE_BYTES - held - others_bytes)
    return MemorySample(held, held, BASE_RSS_BYTES + held // 4, free, DEVICE_BYTES)


def _is_working(model: FakeModel) -> bool:
    return model.is_working_memory


def _entry(model: FakeModel) -> ModelEntry:
    return model.name, f"cuda:{model.device_index}", model.size_bytes


@dataclass
class _Running:
    """One run in progress: what drives it and where its events go."""

    run: DemoRun
    recorder: Recorder
    prompt_id: str
    sleep: Callable[[float], None]
    models: FakeModels
    jitter: float
    emit: SendEvent

    def execute(self) -> None:
        for node in self.run.workflow.nodes:
            if node.node_id in self.run.cached:
                continue
            for node_id, class_type, seconds, parent in self._expanded(node):
                if not self._node(node, node_id, class_type, seconds, parent):
                    return
        self.recorder.workflow_outcome(self.prompt_id, "success")
        self.emit("execution_success", {"prompt_id": self.prompt_id, "timestamp": int(time.time() * 1000)})

    @staticmethod
    def _expanded(node: DemoNode) -> Sequence[tuple[str, str, float, str | None]]:
        if not node.expands_to:
            return [(node.node_id, node.class_type, node.seconds, None)]
        return [
            (f"{node.node_id}.{i}", class_type, seconds, node.node_id)
            for i, (class_type, seconds) in enumerate(node.expands_to, start=1)
        ]

    def _node(
        self, node: DemoNode, node_id: str, class_type: str, seconds: float, parent: str | None
    ) -> bool:
        """Run one node; False when the run ends here (it failed)."""
        self.emit(
            "executing", {"node": node_id, "display_node": parent or node_id, "prompt_id": self.prompt_id}
        )
        self.recorder.node_started(
            self.prompt_id,
            node_id,
            _memory(self.models, self.run.others_bytes),
            class_type=class_type if parent else None,
            parent_node_id=parent,
        )
        for model in (node.loads, node.uses):
            if model is not None:
                self._put_on_device(model)
        working = int(node.working_bytes * self.run.working_scale)
        failing = node.node_id == self.run.fail_at
        if failing and self.run.outcome == "oom":
            self._out_of_memory(node, working)
            return False
        if working:
            self.models.load([FakeModel(f"{class_type} {WORKING_MEMORY_SUFFIX}", 0, working)])
        interrupt_after = 0.4 if failing and self.run.outcome == "interrupted" else None
        self._work(node, seconds * self.jitter, interrupt_after)
        peak = _memory(self.models)
        self.models.unload([m for m in self.models.loaded() if _is_working(m)])
        after = MemorySample(_memory(self.models).vram_bytes, peak.vram_bytes, peak.rss_bytes)
        if failing:
            self._fail(node, after)
            return False
        self.recorder.node_finished(self.prompt_id, node_id, after, list(node.outputs))
        return True

    def _put_on_device(self, model: FakeModel) -> None:
        # As ComfyUI's load_models_gpu: a model already there is only used.
        action: ModelAction = "used" if model in self.models.loaded() else "loaded"
        self.models.load([model])
        self.recorder.models_changed(action, [_entry(model)])

    def _work(self, node: DemoNode, seconds: float, interrupt_after: float | None) -> None:
        steps = node.steps or 1
        stop_at = steps if interrupt_after is None else max(1, int(steps * interrupt_after))
        for step in range(1, stop_at + 1):
            self.sleep(seconds / steps)
            if node.steps:
                progress = {"value": step, "max": steps, "prompt_id": self.prompt_id, "node": node.node_id}
                self.emit("progress", progress)

    def _fail(self, node: DemoNode, memory: MemorySample) -> None:
        where = {"prompt_id": self.prompt_id, "node_id": node.node_id, "node_type": node.class_type}
        if self.run.outcome == "interrupted":
            self.recorder.node_failed(
                self.prompt_id, node.node_id, "interrupted", interrupted=True, memory=memory
            )
            error = ErrorSummary(
                node_id=node.node_id,
                node_type=node.class_type,
                exception_type="interrupted",
                message="the prompt was interrupted",
            )
            self.recorder.workflow_outcome(self.prompt_id, "interrupted", error, memory=memory)
            self.emit("execution_interrupted", {**where, "executed": []})
            return
        message = f"Invalid image file: {node.inputs.get('image', 'input')} (it was moved or deleted)"
        self.recorder.node_failed(
            self.prompt_id, node.node_id, f"FileNotFoundError: {message}", memory=memory
        )
        error = ErrorSummary(
            node_id=node.node_id,
            node_type=node.class_type,
            exception_type="FileNotFoundError",
            message=message,
        )
        self.recorder.workflow_outcome(self.prompt_id, "error", error, memory=memory)
        self.emit(
            "execution_error", {**where, "exception_type": "FileNotFoundError", "exception_message": message}
        )

    def _capture(self, message: str) -> OomCapture:
        """What the hooks would capture: the fake models named by their files, tied to this graph's
        loader where it has one (a model left by the other workflow has none: nothing here needs it)."""
        loaders = {n.loads: n for n in self.run.workflow.nodes if n.loads is not None}
        loaded = [
            LoadedModel(
                model_type=None,
                config=None,
                device=f"cuda:{model.device_index}",
                memory_bytes=model.size_bytes,
                loaded_bytes=model.size_bytes,
                file_name=model.name,
                loader_node_id=loaders[model].node_id if model in loaders else None,
                loader_class_type=loaders[model].class_type if model in loaders else None,
                in_prompt=model in loaders,
            )
            for model in self.models.loaded()
            if not _is_working(model)
        ]
        held = self.models.held_bytes(0)
        return OomCapture("OutOfMemoryError", message, loaded, allocated_bytes=held, reserved_bytes=held)

    def _out_of_memory(self, node: DemoNode, asked_bytes: int) -> None:
        # It allocates until the device is full, then fails; ComfyUI unloads every model before it
        # reports the error (which is when the recorder is told of the OOM).
        self.sleep(node.seconds * self.jitter * 0.15)
        peak = _memory(self.models, self.run.others_bytes)
        free = peak.vram_free_bytes or 0
        message = (
            f"CUDA out of memory. Tried to allocate {asked_bytes / GIB:.2f} GiB. GPU 0 has a total "
            f"capacity of {DEVICE_BYTES / GIB:.2f} GiB of which {free / GIB:.2f} GiB is free."
        )
        self.recorder.out_of_memory(peak)
        self.recorder.capture_oom(self._capture(message))
        self.recorder.models_changed(
            "unloaded", [_entry(m) for m in self.models.loaded() if not _is_working(m)]
        )
        self.recorder.node_failed(
            self.prompt_id, node.node_id, f"OutOfMemoryError: {message}", oom=True, memory=peak
        )
        self.models.unload_all()
        error = ErrorSummary(
            node_id=node.node_id,
            node_type=node.class_type,
            exception_type="torch.OutOfMemoryError",
            message=message,
        )
        self.recorder.workflow_outcome(self.prompt_id, "error", error, memory=_memory(self.models))
        where = {"prompt_id": self.prompt_id, "node_id": node.node_id, "node_type": node.class_type}
        self.emit(
            "execution_error",
            {**where, "exception_type": "torch.OutOfMemoryError", "exception_message": message},
        )
