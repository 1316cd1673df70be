"""The execution hooks on a miniature ComfyUI: what they record, and that they never change a run."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from backend.host import comfyui_hooks
from backend.host.comfyui_hooks import outputs as hook_outputs
from backend.host.comfyui_hooks import progress as hook_progress
from backend.host.comfyui_hooks import residency as hook_residency
from backend.profiler import MemorySample, Recorder
from backend.profiler.memory import MemoryProbe
from backend.profiler.shapes import shape_fields
from backend.schemas.profiler import WorkflowRecord
from tests.support.comfy_modules import InterruptProcessingException, OutOfMemoryError, fake_comfyui, sleeper

CHAIN: dict[str, Any] = {
    "1": {"class_type": "Source", "inputs": {}},
    "2": {"class_type": "Sleep", "inputs": {"image": ["1", 0]}, "_meta": {"title": "Nap"}},
    "3": {"class_type": "Sink", "inputs": {"image": ["2", 0]}},
}


@pytest.fixture
def comfy() -> Iterator[dict[str, Any]]:
    with fake_comfyui() as modules:
        comfyui_hooks.STATE.__init__()  # type: ignore[misc]  # fresh hook state per test
        modules["execution"].BEHAVIOURS.update(
            {
                "Source": lambda _i: (torch.zeros(1, 8, 8, 3),),
                "Sleep": sleeper(0.05),
                "Sink": lambda i: (i["image"],),
            }
        )
        yield modules
        comfyui_hooks.STATE.__init__()  # type: ignore[misc]


@pytest.fixture
def records(comfy: dict[str, Any]) -> list[WorkflowRecord]:
    installed = comfyui_hooks.install()
    assert installed == [
        "PromptExecutor.execute",
        "PromptExecutor.add_message",
        "ProgressHandler",
        "unload_all_models",
        "load_models_gpu",
        "free_memory",
    ], "no wrapper around every node where the progress handler times them"
    recorder = Recorder()
    out: list[WorkflowRecord] = []
    recorder.add_sink(lambda finished: out.append(finished.build()))
    comfyui_hooks.attach(recorder, MemoryProbe(lambda: 4096))
    return out


def run(comfy: dict[str, Any], prompt: dict[str, Any], prompt_id: str = "p1", executor: Any = None) -> Any:
    executor = executor or comfy["execution"].PromptExecutor()
    executor.execute(prompt, prompt_id, {}, [])
    return executor


def test_install_is_idempotent(comfy: dict[str, Any]) -> None:
    first = comfyui_hooks.install()
    wrapped = comfy["execution"].PromptExecutor.execute
    assert comfyui_hooks.install() == first
    comfyui_hooks.STATE.installed = []  # even a second install pass must not wrap twice
    comfyui_hooks.install()
    assert comfy["execution"].PromptExecutor.execute is wrapped


def test_success_run_is_recorded_node_by_node(comfy: dict[str, Any], records: list[WorkflowRecord]) -> None:
    run(comfy, CHAIN)
    assert len(records) == 1
    record = records[0]
    assert record.status == "success" and record.prompt_id == "p1"
    assert [(n.node_id, n.class_type, n.status) for n in record.nodes] == [
        ("1", "Source", "success"),
        ("2", "Sleep", "success"),
        ("3", "Sink", "success"),
    ]
    nap = record.nodes[1]
    assert nap.title == "Nap"
    assert nap.duration_ms is not None and 45 <= nap.duration_ms < 150
    assert nap.input_shapes[0].path == "image" and nap.input_shapes[0].shape == [1, 8, 8, 3]
    assert nap.output_shapes[0].path == "out0"
    assert nap.rss_before_bytes == 4096
    assert record.cache_misses == 3 and record.cache_hits == 0


def test_cached_rerun_reports_every_node_as_cached(
    comfy: dict[str, Any], records: list[WorkflowRecord]
) -> None:
    executor = run(comfy, CHAIN, "p1")
    run(comfy, CHAIN, "p2", executor)
    second = records[1]
    assert second.cache_hits == 3 and second.executed_count == 0
    assert {n.status for n in second.nodes} == {"cached"}


def test_error_is_recorded_with_its_node(comfy: dict[str, Any], records: list[WorkflowRecord]) -> None:
    def fail(_inputs: dict[str, Any]) -> Any:
        raise ValueError("broken on purpose")

    comfy["execution"].BEHAVIOURS["Sleep"] = fail
    executor = run(comfy, CHAIN)
    record = records[0]
    assert record.status == "error"
    assert record.error is not None and record.error.node_id == "2"
    assert record.error.message == "broken on purpose"
    failed = next(n for n in record.nodes if n.node_id == "2")
    assert failed.status == "error" and failed.error == "ValueError: broken on purpose"
    assert failed.duration_ms is not None and failed.rss_after_bytes == 4096, "ended when ComfyUI reported it"
    assert executor.status_messages[-1][0] == "execution_error"


def test_oom_is_recorded_and_state_captured_before_unload(
    comfy: dict[str, Any], records: list[WorkflowRecord]
) -> None:
    seen: list[tuple[str, int]] = []
    mm = comfy["comfy.model_management"]

    class Loaded:
        device = "cuda:0"

        def __init__(self) -> None:
            self.model = type("Patcher", (), {"model": type("SDXL", (), {"model_config": object()})()})()

        def model_memory(self) -> int:
            return 100

        def model_loaded_memory(self) -> int:
            return 60

    mm.current_loaded_models.append(Loaded())
    comfyui_hooks.STATE.oom_listeners.append(
        lambda capture: seen.append((capture.exception_type, len(capture.loaded)))
    )

    def oom(_inputs: dict[str, Any]) -> Any:
        raise OutOfMemoryError("CUDA out of memory")

    comfy["execution"].BEHAVIOURS["Sleep"] = oom
    run(comfy, CHAIN)
    assert seen == [("OutOfMemoryError", 1)], "the listener saw the loaded model before ComfyUI unloaded it"
    assert mm.current_loaded_models == [] and len(mm.unloads) == 1
    assert records[0].status == "oom"


def test_interrupt_passes_through_untouched(comfy: dict[str, Any], records: list[WorkflowRecord]) -> None:
    def interrupt(_inputs: dict[str, Any]) -> Any:
        raise InterruptProcessingException()

    comfy["execution"].BEHAVIOURS["Sleep"] = interrupt
    executor = run(comfy, CHAIN)
    assert executor.status_messages[-1][0] == "execution_interrupted"
    assert records[0].status == "interrupted"
    assert next(n for n in records[0].nodes if n.node_id == "2").status == "interrupted"


def test_async_node_is_timed_to_its_real_finish(comfy: dict[str, Any], records: list[WorkflowRecord]) -> None:
    async def slow(inputs: dict[str, Any]) -> Any:
        await asyncio.sleep(0.08)
        return (inputs["image"],)

    comfy["execution"].BEHAVIOURS["Sleep"] = slow
    run(comfy, CHAIN)
    nap = next(n for n in records[0].nodes if n.node_id == "2")
    assert nap.duration_ms is not None and nap.duration_ms >= 75


def test_nothing_is_recorded_until_attached(comfy: dict[str, Any]) -> None:
    comfyui_hooks.install()
    executor = run(comfy, CHAIN)
    assert executor.status_messages[-1][0] == "execution_success"
    assert comfyui_hooks.STATE.failures == {}


class Exploding(Recorder):
    """A recorder whose every method raises: the worst a bug of ours could do."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_") or name in ("add_sink",):
            return object.__getattribute__(self, name)
        raise RuntimeError(f"boom in {name}")


class ExplodingProbe(MemoryProbe):
    def before(self) -> MemorySample:
        raise RuntimeError("probe boom")

    def after(self) -> MemorySample:
        raise RuntimeError("probe boom")


@pytest.mark.parametrize("legacy", [False, True], ids=["progress-handler", "execute-wrapper"])
@pytest.mark.parametrize("scenario", ["success", "error", "oom", "interrupt", "async"])
def test_hooks_that_raise_never_change_the_outcome(
    comfy: dict[str, Any], scenario: str, legacy: bool
) -> None:
    def behaviours() -> dict[str, Any]:
        def fail(_i: dict[str, Any]) -> Any:
            raise ValueError("x")

        def oom(_i: dict[str, Any]) -> Any:
            raise OutOfMemoryError("CUDA out of memory")

        def interrupt(_i: dict[str, Any]) -> Any:
            raise InterruptProcessingException()

        async def later(i: dict[str, Any]) -> Any:
            await asyncio.sleep(0.001)
            return (i["image"],)

        return {"success": sleeper(0), "error": fail, "oom": oom, "interrupt": interrupt, "async": later}

    comfy["execution"].BEHAVIOURS["Sleep"] = behaviours()[scenario]
    baseline = run(comfy, CHAIN, "base")
    expected = [
        (event, {k: v for k, v in data.items() if k != "prompt_id"})
        for event, data in baseline.status_messages
    ]
    expected_outputs = set(baseline.caches.outputs)

    if legacy:  # a ComfyUI before progress handlers: the execute() wrapper times each node
        del comfy["comfy_execution.progress"].ProgressHandler
    installed = comfyui_hooks.install()
    assert ("execution.execute" in installed) is legacy
    comfyui_hooks.STATE.oom_listeners.append(
        lambda capture: (_ for _ in ()).throw(RuntimeError("listener boom"))
    )
    comfyui_hooks.attach(Exploding(), ExplodingProbe(lambda: 1))
    hooked = run(comfy, CHAIN, "hooked")
    got = [
        (event, {k: v for k, v in data.items() if k != "prompt_id"}) for event, data in hooked.status_messages
    ]
    assert got == expected
    assert set(hooked.caches.outputs) == expected_outputs
    assert comfyui_hooks.STATE.failures, "the failures were counted"


def test_missing_hook_points_degrade_to_what_exists(comfy: dict[str, Any]) -> None:
    del comfy["comfy_execution.progress"].ProgressHandler  # as on a ComfyUI before progress handlers
    installed = comfyui_hooks.install()
    assert "ProgressHandler" not in installed and "execution.execute" in installed
    recorder = Recorder()
    out: list[WorkflowRecord] = []
    recorder.add_sink(lambda finished: out.append(finished.build()))
    comfyui_hooks.attach(recorder, None)
    run(comfy, CHAIN)
    nap = next(n for n in out[0].nodes if n.node_id == "2")
    assert nap.duration_ms is not None and nap.duration_ms >= 45, "timed at the execute() wrapper instead"


def test_wrappers_keep_the_original_names(comfy: dict[str, Any]) -> None:
    comfyui_hooks.install()
    assert comfy["execution"].execute.__name__ == "execute"
    assert comfy["execution"].PromptExecutor.add_message.__name__ == "add_message"


class _EvictionAwareCache:
    """Like ComfyUI 0.27's RAM-pressure cache: get() is async and marks the entry as used."""

    def __init__(self, entries: dict[str, Any]) -> None:
        self.entries = entries
        self.marked: list[str] = []

    async def get(self, node_id: str) -> Any:
        self.marked.append(node_id)
        return self.entries.get(node_id)

    def get_local(self, node_id: str) -> Any:
        return self.entries.get(node_id)


class _Caches:
    def __init__(self, outputs: Any) -> None:
        self.outputs = outputs


async def _read_shapes(caches: Any, node_id: str) -> list[dict[str, Any] | None]:
    """What the execute() wrapper reads after a node succeeds, named as in the record."""
    entry = hook_outputs.cached_entry(caches, node_id)
    if hook_outputs.is_awaitable(entry):
        entry = await entry
    return [shape_fields(raw) for raw in hook_outputs.output_shapes(entry)]


def test_output_shapes_read_the_cache_without_touching_eviction_state() -> None:
    cache = _EvictionAwareCache({"5": [[torch.zeros(2, 4, 4, 3)]]})
    shapes = asyncio.run(_read_shapes(_Caches(cache), "5"))
    assert shapes == [{"path": "out0", "shape": [2, 4, 4, 3], "dtype": "float32", "device": "cpu"}]
    assert cache.marked == []  # an LRU/RAM-pressure "use" would change what ComfyUI evicts


@pytest.mark.parametrize("is_async", [False, True])
def test_output_shapes_fall_back_to_get_on_older_caches(is_async: bool) -> None:
    entries = {"5": [[torch.zeros(1, 8, 8, 3)], [{"samples": torch.zeros(1, 4, 2, 2)}]]}

    class OlderCache:
        def get(self, node_id: str) -> Any:
            if not is_async:
                return entries.get(node_id)

            async def read() -> Any:
                return entries.get(node_id)

            return read()

    shapes = asyncio.run(_read_shapes(_Caches(OlderCache()), "5"))
    assert [s and s["path"] for s in shapes] == ["out0", "out1.samples"]
    assert asyncio.run(_read_shapes(_Caches(OlderCache()), "missing")) == []


def test_an_async_get_without_a_local_read_is_closed_not_awaited() -> None:
    made: list[Any] = []

    class AsyncOnly:
        async def read(self) -> Any:
            return [[torch.zeros(1)]]

        def get(self, node_id: str) -> Any:
            made.append(self.read())
            return made[-1]

    comfyui_hooks.STATE.executor = type("Executor", (), {"caches": _Caches(AsyncOnly())})()
    try:
        assert hook_outputs.finished_outputs("5") is None
    finally:
        comfyui_hooks.STATE.executor = None
    assert inspect.getcoroutinestate(made[0]) == inspect.CORO_CLOSED, "closed, never left pending"


def test_subgraph_nodes_are_named_from_the_dynamic_prompt() -> None:
    class DynPrompt:
        def get_display_node_id(self, node_id: str) -> str:
            return {"7.0.1": "7"}.get(node_id, node_id)

        def get_node(self, node_id: str) -> dict[str, Any]:
            return {"class_type": "ImageInvert"}

    read = hook_progress.expansion_reader(DynPrompt())
    assert read("7.0.1") == ("ImageInvert", "7")
    assert read("7") is None


@pytest.mark.parametrize("behaviour", ["error", "oom"])
def test_a_failing_probe_costs_the_memory_not_the_outcome(comfy: dict[str, Any], behaviour: str) -> None:
    def fail(_inputs: dict[str, Any]) -> Any:
        raise ValueError("broken") if behaviour == "error" else OutOfMemoryError("CUDA out of memory")

    comfy["execution"].BEHAVIOURS["Sleep"] = fail
    comfyui_hooks.install()
    recorder = Recorder()
    out: list[WorkflowRecord] = []
    recorder.add_sink(lambda finished: out.append(finished.build()))
    comfyui_hooks.attach(recorder, ExplodingProbe(lambda: 1))
    run(comfy, CHAIN)
    assert out[0].status == behaviour and out[0].error is not None and out[0].error.node_id == "2"
    failed = next(n for n in out[0].nodes if n.node_id == "2")
    assert failed.status == "error" and failed.rss_after_bytes is None


class Weights(torch.nn.Module):
    """A model's weights, as a patcher wraps them (weakly referable, hashed by identity)."""


class Patcher:
    """The parts of ComfyUI's ModelPatcher the naming reads: the weights inside, a size."""

    def __init__(self, weights: Any) -> None:
        self.model = weights

    def model_size(self) -> int:
        return 6 * 1024**3


class Clip:
    """A CLIP or VAE output: it holds a patcher."""

    def __init__(self) -> None:
        self.patcher = Patcher(Weights())


@pytest.mark.parametrize("legacy", [False, True], ids=["progress-handler", "execute-wrapper"])
def test_an_oom_names_the_loaded_models_by_the_files_their_loaders_were_given(
    comfy: dict[str, Any], legacy: bool
) -> None:
    mm = comfy["comfy.model_management"]
    checkpoint, clip = Patcher(Weights()), Clip()
    lora = Patcher(checkpoint.model)  # a LoRA loader clones the checkpoint's patcher, same weights

    class Loaded:
        device = "cuda:0"

        def __init__(self, patcher: Any) -> None:
            self.model = patcher

        def model_memory(self) -> int:
            return 6 * 1024**3

        def model_loaded_memory(self) -> int:
            return 5 * 1024**3

    def sample(_inputs: dict[str, Any]) -> Any:
        # The sampler loads what it uses, then runs out of memory.
        mm.current_loaded_models.extend([Loaded(lora), Loaded(clip.patcher), Loaded(Patcher(Weights()))])
        raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB.")

    comfy["execution"].BEHAVIOURS.update(
        {
            "CheckpointLoaderSimple": lambda _i: (checkpoint, clip),
            "LoraLoader": lambda _i: (lora,),
            "KSampler": sample,
        }
    )
    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
        "2": {"class_type": "LoraLoader", "inputs": {"model": ["1", 0], "lora_name": "detail.safetensors"}},
        "3": {"class_type": "KSampler", "inputs": {"model": ["2", 0], "positive": ["1", 1]}},
    }
    if legacy:
        del comfy["comfy_execution.progress"].ProgressHandler
    comfyui_hooks.install()
    captures: list[Any] = []
    comfyui_hooks.STATE.oom_listeners.append(captures.append)
    comfyui_hooks.attach(Recorder(), None)
    run(comfy, prompt)
    (capture,) = captures
    assert capture.exception_type == "OutOfMemoryError" and "2.00 GiB" in capture.message
    assert [m.name for m in capture.loaded] == [
        "sd_xl_base_1.0.safetensors + detail.safetensors",
        "sd_xl_base_1.0.safetensors",
        "Weights",
    ], "the LoRA'd model, the CLIP by its checkpoint, and one no loader made (its class)"
    assert [m.loader_node_id for m in capture.loaded] == ["2", "1", None]
    assert capture.loaded[0].loaded_bytes == 5 * 1024**3
    assert [m.in_prompt for m in capture.loaded] == [True, True, None]


def test_a_model_left_by_an_earlier_prompt_is_tied_to_this_prompts_loader_of_its_file_or_none(
    comfy: dict[str, Any],
) -> None:
    mm = comfy["comfy.model_management"]
    checkpoint, upscaler = Patcher(Weights()), Patcher(Weights())

    class Loaded:
        device = "cuda:0"

        def __init__(self, patcher: Any) -> None:
            self.model = patcher

    def sample(_inputs: dict[str, Any]) -> Any:
        raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB.")

    def load(patcher: Any) -> Any:
        def loader(_inputs: dict[str, Any]) -> Any:
            if not any(m.model is patcher for m in mm.current_loaded_models):
                mm.current_loaded_models.append(Loaded(patcher))
            return (patcher,)

        return loader

    comfy["execution"].BEHAVIOURS.update(
        {
            "CheckpointLoaderSimple": load(checkpoint),
            "UpscaleModelLoader": load(upscaler),
            "KSampler": sample,
            "ImageUpscaleWithModel": lambda _i: (None,),
        }
    )
    comfyui_hooks.install()
    captures: list[Any] = []
    comfyui_hooks.STATE.oom_listeners.append(captures.append)
    comfyui_hooks.attach(Recorder(), None)
    upscale = {
        "1": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": "4x-UltraSharp.pth"}},
        "2": {"class_type": "ImageUpscaleWithModel", "inputs": {"upscale_model": ["1", 0]}},
        "3": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.safetensors"}},
    }
    executor = run(comfy, upscale, prompt_id="earlier")
    # Another graph: the same checkpoint under another node id, from ComfyUI's cache (its loader
    # does not run again), and no upscaler.
    executor.caches.outputs["7"] = executor.caches.outputs["3"]
    sampling = {
        "7": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.safetensors"}},
        "8": {"class_type": "KSampler", "inputs": {"model": ["7", 0]}},
    }
    run(comfy, sampling, prompt_id="later", executor=executor)
    (capture,) = captures
    by_name = {m.name: m for m in capture.loaded}
    assert (by_name["base.safetensors"].loader_node_id, by_name["base.safetensors"].in_prompt) == ("7", True)
    assert (by_name["4x-UltraSharp.pth"].loader_node_id, by_name["4x-UltraSharp.pth"].in_prompt) == (
        None,
        False,
    ), "nothing in this prompt loads the upscaler: it is not needed, and node 1 is not this prompt's"


class SizedPatcher(Patcher):
    def __init__(self, size: int) -> None:
        super().__init__(Weights())
        self.size = size


def test_model_residency_follows_comfyuis_loads_and_evictions_node_by_node(
    comfy: dict[str, Any], records: list[WorkflowRecord]
) -> None:
    mm = comfy["comfy.model_management"]
    mm.capacity = 1  # one model at a time: loading the upscaler evicts the checkpoint
    base, upscaler = SizedPatcher(6 * 1024**3), SizedPatcher(64 * 1024**2)

    def uses(patcher: Any) -> Any:
        def node(_inputs: dict[str, Any]) -> Any:
            mm.load_models_gpu([patcher])
            return (object(),)

        return node

    comfy["execution"].BEHAVIOURS.update(
        {
            "CheckpointLoaderSimple": lambda _i: (base,),
            "UpscaleModelLoader": lambda _i: (upscaler,),
            "KSampler": uses(base),
            "ImageUpscaleWithModel": uses(upscaler),
        }
    )
    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.safetensors"}},
        "2": {"class_type": "KSampler", "inputs": {"model": ["1", 0]}},
        "3": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": "4x.pth"}},
        "4": {
            "class_type": "ImageUpscaleWithModel",
            "inputs": {"upscale_model": ["3", 0], "image": ["2", 0]},
        },
        "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "latent": ["4", 0]}},
    }
    comfyui_hooks.install()
    assert {"load_models_gpu", "free_memory"} <= set(comfyui_hooks.STATE.installed)
    run(comfy, prompt, "first")
    first = records[-1]
    nodes = {n.node_id: n for n in first.nodes}
    assert [(m.name, m.action) for m in nodes["2"].models] == [("base.safetensors", "loaded")]
    assert [(m.name, m.action) for m in nodes["4"].models] == [
        ("base.safetensors", "unloaded"),
        ("4x.pth", "loaded"),
    ], "the upscaler's load evicted the checkpoint (free_memory inside load_models_gpu, reported once)"
    assert nodes["2"].models[0].loaded_bytes == 6 * 1024**3 and nodes["2"].models[0].device == "cuda:0"
    stays = [(s.name, s.loaded_by_node_id, s.until_ms is None) for s in first.model_residency]
    assert stays == [
        ("base.safetensors", "2", False),
        ("4x.pth", "4", False),
        ("base.safetensors", "5", True),
    ]
    assert first.reloaded_models == ["base.safetensors"], "evicted and put back within the run"

    # The next run finds the checkpoint there and only uses it; one after Clear VRAM loads it again.
    mm.capacity = 8
    prompt_b = {k: v for k, v in prompt.items() if k in ("1", "2")}
    run(comfy, prompt_b, "second")
    second = records[-1]
    (stay,) = second.model_residency
    assert (stay.name, stay.from_ms, stay.loaded_by_node_id, stay.used_by_node_ids) == (
        "base.safetensors",
        0.0,
        None,
        ["2"],
    ), "on the device when the run began"
    assert [(m.name, m.action) for m in second.nodes[-1].models] == [("base.safetensors", "used")]
    assert second.reloaded_models == []
    mm.current_loaded_models.clear()  # Clear VRAM between runs (not through the hooks)
    run(comfy, prompt_b, "third")
    assert records[-1].reloaded_models == ["base.safetensors"], "it was there when the last run ended"


def test_a_failing_residency_read_never_changes_a_load(
    comfy: dict[str, Any], records: list[WorkflowRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    mm = comfy["comfy.model_management"]
    patcher = SizedPatcher(1024)

    def node(_inputs: dict[str, Any]) -> Any:
        mm.load_models_gpu([patcher])
        return (object(),)

    def broken() -> Any:
        raise RuntimeError("the loaded-model list moved")

    comfy["execution"].BEHAVIOURS["KSampler"] = node
    monkeypatch.setattr(hook_residency, "loaded_entries", broken)
    run(comfy, {"1": {"class_type": "KSampler", "inputs": {}}}, "p")
    assert records[-1].status == "success"
    assert [m.model for m in mm.current_loaded_models] == [patcher], "the load happened"
    assert comfyui_hooks.STATE.failures["load_models_gpu"] == 1
