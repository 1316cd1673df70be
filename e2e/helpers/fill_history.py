"""Fill a standalone host's data folder with profiler history before it starts (e2e fixtures).

    python e2e/helpers/fill_history.py DATA_DIR --workflows 10000 --nodes 20

Writes ``--workflows`` runs through the real ``HistoryStore`` (its writer, migrations, rollups and
retention), so the host reads them as it would read its own. The runs are deterministic: a few
named graphs and one unsaved one, one run per simulated minute ending at ``--end`` (default: now),
mostly successful with some errors, interrupts and OOMs, later runs of a graph taking their loaders
and encoders from the cache, a sampler that dominates the time, its models on the device (the
checkpoint, and the graph's upscaler or ControlNet: model residency and each node's model uses) and
each node's VRAM before. Prints one JSON line: what was stored, per graph, for the specs to check
against.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.schemas.profiler import (  # noqa: E402
    ErrorSummary,
    ModelResidency,
    ModelUse,
    NodeRecord,
    TensorShape,
    WorkflowRecord,
)
from backend.storage import HistoryStore  # noqa: E402

GIB = 1024**3
MIB = 1024**2
RUN_SPACING_S = 60.0

# (name, the graph's node classes beyond the common chain); None: an unsaved workflow.
GRAPHS: list[tuple[str | None, list[str]]] = [
    ("portrait-sdxl", ["LoraLoader", "LoraLoader"]),
    ("landscape-upscale", ["ImageScale", "UpscaleModelLoader", "ImageUpscaleWithModel"]),
    ("product-shot", ["ControlNetLoader", "ControlNetApply"]),
    (None, []),
]
CHAIN = [
    "CheckpointLoaderSimple",
    "CLIPTextEncode",
    "CLIPTextEncode",
    "EmptyLatentImage",
    "KSampler",
    "VAEDecode",
    "SaveImage",
]
# Milliseconds each class takes when it runs (before the per-run wobble), and its VRAM peak.
COST_MS = {
    "CheckpointLoaderSimple": 2400.0,
    "CLIPTextEncode": 45.0,
    "EmptyLatentImage": 2.0,
    "KSampler": 5200.0,
    "VAEDecode": 420.0,
    "SaveImage": 60.0,
    "LoraLoader": 180.0,
    "ImageScale": 35.0,
    "UpscaleModelLoader": 300.0,
    "ImageUpscaleWithModel": 1900.0,
    "ControlNetLoader": 650.0,
    "ControlNetApply": 20.0,
    "PreviewImage": 15.0,
}
VRAM_PEAK = {
    "CheckpointLoaderSimple": 6.5 * GIB,
    "KSampler": 3.2 * GIB,
    "VAEDecode": 1.4 * GIB,
    "ImageUpscaleWithModel": 2.1 * GIB,
}
# Loaders and encoders whose inputs do not change between runs of a graph: cached after its first run.
CACHEABLE = {
    "CheckpointLoaderSimple",
    "CLIPTextEncode",
    "LoraLoader",
    "UpscaleModelLoader",
    "ControlNetLoader",
    "EmptyLatentImage",
}
# The models the nodes of a class use (their loader's file), with what each holds on the device.
MODELS = {
    "CLIPTextEncode": ("sdxl-e2e.safetensors", int(6.5 * GIB)),
    "KSampler": ("sdxl-e2e.safetensors", int(6.5 * GIB)),
    "VAEDecode": ("sdxl-e2e.safetensors", int(6.5 * GIB)),
    "ImageUpscaleWithModel": ("4x-e2e.pth", 70 * MIB),
    "ControlNetApply": ("controlnet-e2e.safetensors", int(2.5 * GIB)),
}
DEVICE_BYTES = 24 * GIB
# A cached node has no clock and no memory figures.
CACHED_FIELDS: dict[str, object] = {
    "status": "cached",
    "cache_hit": True,
    "started_at": None,
    "ended_at": None,
    "duration_ms": None,
    "vram_before_bytes": None,
    "vram_after_bytes": None,
    "vram_peak_delta_bytes": None,
    "rss_before_bytes": None,
    "rss_after_bytes": None,
    "input_shapes": [],
    "output_shapes": [],
    "error": None,
}
LATENT = TensorShape(path="samples", shape=[1, 4, 128, 128], dtype="float16", device="cuda:0")
IMAGE = TensorShape(path="out[0]", shape=[1, 1024, 1024, 3], dtype="float32", device="cpu")
OOM_MESSAGE = "CUDA out of memory. Tried to allocate 2.00 GiB"
ERROR_MESSAGE = "mat1 and mat2 shapes cannot be multiplied"


def graph_hash(index: int) -> str:
    return hashlib.sha256(f"e2e-graph-{index}".encode()).hexdigest()[:16]


def node_classes(graph: int, nodes: int) -> list[str]:
    """The graph's classes: the chain with its extras before the sampler, padded to ``nodes``."""
    extras = GRAPHS[graph][1]
    classes = CHAIN[:4] + extras + CHAIN[4:]
    while len(classes) < nodes:
        classes.insert(-1, "PreviewImage")
    return classes[:nodes]


def status_of(i: int) -> str:
    """Mostly success; every 17th an error, every 29th an OOM, every 41st interrupted."""
    if i % 29 == 28:
        return "oom"
    if i % 17 == 16:
        return "error"
    if i % 41 == 40:
        return "interrupted"
    return "success"


def make_run(i: int, nodes: int, end: float, total: int) -> WorkflowRecord:
    graph = (i * 7 + i // 5) % len(GRAPHS)
    name = GRAPHS[graph][0]
    classes = node_classes(graph, nodes)
    status = status_of(i)
    started = end - (total - i) * RUN_SPACING_S
    # The first run of each graph executes everything; later ones take the cacheable nodes from the cache.
    first_of_graph = i < len(GRAPHS) * 2
    wobble = 1.0 + ((i * 37) % 23 - 11) / 100  # +-11 %, deterministic
    records: list[NodeRecord] = []
    cached = [not first_of_graph and cls in CACHEABLE and (i % 9 != 0) for cls in classes]
    order = sorted(range(len(classes)), key=lambda p: (not cached[p], p))
    clock = started
    failing = len(classes) - 3 if status in ("error", "oom") else None
    stop_at = len(classes) - 2 if status == "interrupted" else None
    vram = 2 * GIB
    # name -> its stay: the first run of a graph loads its models, later ones find them there.
    stays: dict[str, dict[str, Any]] = {}
    for rank, p in enumerate(order):
        if stop_at is not None and rank >= stop_at:
            break
        cls = classes[p]
        base = {
            "node_id": str(p + 1),
            "class_type": cls,
            "title": f"{cls} (negative)" if cls == "CLIPTextEncode" and p == 2 else None,
            "parent_node_id": None,
            "order": rank,
        }
        if cached[p]:
            records.append(NodeRecord(**base, **CACHED_FIELDS))
            continue
        failed = failing is not None and rank == failing
        duration = COST_MS.get(cls, 25.0) * wobble * (1.0 + (p % 3) * 0.02)
        peak = int(VRAM_PEAK.get(cls, 64 * MIB) * (1.6 if failed and status == "oom" else wobble))
        loads = cls.endswith("Loader") or cls == "CheckpointLoaderSimple"
        uses: list[ModelUse] = []
        if cls in MODELS:
            model, size = MODELS[cls]
            stay = stays.get(model)
            action = "used"
            if stay is None:
                action = "loaded" if first_of_graph else "used"
                stay = stays[model] = {
                    "name": model,
                    "device": "cuda:0",
                    "loaded_bytes": size,
                    "from_ms": (clock - started) * 1000 if first_of_graph else 0.0,
                    "until_ms": None,
                    "loaded_by_node_id": str(p + 1) if first_of_graph else None,
                    "used_by_node_ids": [] if first_of_graph else [str(p + 1)],
                }
            else:
                stay["used_by_node_ids"].append(str(p + 1))
            uses.append(ModelUse(name=model, action=action, device="cuda:0", loaded_bytes=size))
        records.append(
            NodeRecord(
                **base,
                status="error" if failed else "success",
                cache_hit=False,
                started_at=clock,
                ended_at=clock + duration / 1000,
                duration_ms=duration,
                vram_before_bytes=vram,
                vram_after_bytes=vram + (256 * MIB if loads else 0),
                vram_peak_delta_bytes=peak,
                vram_free_before_bytes=DEVICE_BYTES - vram - 6 * GIB,
                vram_percent_before=(vram + 6 * GIB) / DEVICE_BYTES * 100,
                rss_before_bytes=9 * GIB,
                rss_after_bytes=9 * GIB + p * MIB,
                input_shapes=[LATENT] if cls in ("KSampler", "VAEDecode") else [],
                output_shapes=[IMAGE] if cls == "VAEDecode" else [],
                error=(OOM_MESSAGE if status == "oom" else ERROR_MESSAGE) if failed else None,
                models=uses,
            )
        )
        clock += duration / 1000
        if loads:
            vram += 256 * MIB
        if failed:
            break
    executed = [n for n in records if not n.cache_hit]
    hits = len(records) - len(executed)
    failing_node = next((n for n in records if n.status == "error"), None)
    error = (
        ErrorSummary(
            node_id=failing_node.node_id,
            node_type=failing_node.class_type,
            exception_type="torch.OutOfMemoryError" if status == "oom" else "RuntimeError",
            message=failing_node.error or "",
        )
        if failing_node is not None
        else None
    )
    duration_ms = (clock - started) * 1000 + 30.0
    return WorkflowRecord(
        prompt_id=f"e2e-{i:06d}",
        workflow_hash=graph_hash(graph),
        workflow_name=name,
        status=status,  # type: ignore[arg-type]
        started_at=started,
        ended_at=started + duration_ms / 1000,
        duration_ms=duration_ms if status != "interrupted" else None,
        node_count=len(classes),
        executed_count=len(executed),
        cache_hits=hits,
        cache_misses=len(executed),
        peak_vram_bytes=max((vram + (n.vram_peak_delta_bytes or 0) for n in executed), default=None),
        peak_rss_bytes=10 * GIB,
        error=error,
        nodes=records,
        model_residency=[
            ModelResidency.model_validate({**stay, "until_ms": duration_ms if status == "oom" else None})
            for stay in stays.values()
        ],
        reloaded_models=[],
    )


class Made:
    """A finished workflow whose record is made already (what the writer's queue takes)."""

    def __init__(self, record: WorkflowRecord) -> None:
        self.record = record

    def build(self) -> WorkflowRecord:
        return self.record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--workflows", type=int, default=120)
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--end", type=float, default=None, help="Unix time of the newest run (default: now)")
    args = parser.parse_args()
    end = args.end if args.end is not None else time.time()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    runs: Counter[str] = Counter()
    statuses: dict[str, Counter[str]] = {}
    names: dict[str, str | None] = {}
    # Retention above what is written: the fixture is exactly what was asked for.
    with HistoryStore(args.data_dir, max_workflows=max(100, args.workflows + 1)) as store:
        for i in range(args.workflows):
            record = make_run(i, args.nodes, end, args.workflows)
            runs[record.workflow_hash] += 1
            statuses.setdefault(record.workflow_hash, Counter())[record.status] += 1
            names[record.workflow_hash] = record.workflow_name
            store.submit(Made(record))
            if i % 500 == 499 and not store.flush(300):
                raise SystemExit("the history writer did not keep up")
        if not store.flush(300):
            raise SystemExit("the history writer did not finish")
        count = store.count()
    graphs = {h: {"name": names[h], "runs": n, "statuses": dict(statuses[h])} for h, n in runs.items()}
    seconds = round(time.perf_counter() - started, 2)
    print(json.dumps({"stored": count, "seconds": seconds, "graphs": graphs}))


if __name__ == "__main__":
    main()
