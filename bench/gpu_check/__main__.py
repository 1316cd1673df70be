"""What only a machine with an NVIDIA GPU can show: one prepared run of a few minutes.

    python3 bench/gpu_check [--output FILE]      # default bench/results/gpu_check.md

On the lent device machine (its Python lacks pydantic and nvidia-ml-py: carry them as wheels, see
the device tool's README) from the repository's root, for example::

    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl \\
        && PYTHONPATH=/tmp/site python3 bench/gpu_check --output "$OUT/gpu_check.md"

1. Telemetry: NVML's devices and their torch indices (the mapping the tiles label ``cuda:N`` by),
   NVML's used/total beside torch's ``mem_get_info`` for each.
2. Per-node VRAM with real CUDA tensors, through the recorder and the memory probe: a node with a
   transient 512 MiB, one keeping 256 MiB, one doing nothing; the records' peaks and deltas, and the
   free memory before each node (the pre-OOM warning's figures).
3. A real CUDA out-of-memory error (one plain allocation of twice the device): its message parsed,
   the capture with torch's allocated/reserved and ``memory_summary()``, the event the recorder
   builds, and what the capture costs.
4. What the pre-OOM read costs per node on this GPU (``mem_get_info``).

On a machine without CUDA it says so and writes what it could check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.profiler import Recorder  # noqa: E402
from backend.profiler.memory import MemoryProbe  # noqa: E402
from backend.profiler.oom import OomCapture  # noqa: E402
from backend.profiler.oom_message import parse_oom_message  # noqa: E402

MIB = 1024**2
GIB = 1024**3
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "gpu_check.md"


def telemetry_section() -> list[str]:
    from backend.telemetry import Sampler, TelemetrySources

    lines = ["## 1. Telemetry: devices and their torch indices", ""]
    sampler = Sampler(TelemetrySources.default())
    try:
        snapshot = sampler.sample_once()
        caps = sampler.capabilities()
    finally:
        sampler.stop()
    if caps is None:
        return [*lines, "No capabilities were probed.", ""]
    _hardware, gpu_caps, _version = caps
    lines += [
        f"NVML available: {gpu_caps.nvml_available}; torch: {gpu_caps.torch_available} "
        f"({gpu_caps.torch_backend}).",
        "",
        "| torch index | name | source | PCI bus | used (sampler) | total | torch mem_get_info free/total |",
        "|---:|---|---|---|---:|---:|---:|",
    ]
    import torch

    samples = {s.index: s for s in snapshot.gpus}
    for device in gpu_caps.devices:
        sample = samples.get(device.index)
        torch_figures = "n/a"
        if torch.cuda.is_available() and device.index < torch.cuda.device_count():
            free, total = torch.cuda.mem_get_info(device.index)
            torch_figures = f"{free / GIB:.2f} / {total / GIB:.2f} GiB"
        used = sample.vram_used_bytes if sample else None
        lines.append(
            f"| {device.index} | {device.name} | {device.source} | {device.pci_bus_id} | "
            f"{'n/a' if used is None else f'{used / GIB:.2f} GiB'} | "
            f"{'n/a' if device.vram_total_bytes is None else f'{device.vram_total_bytes / GIB:.2f} GiB'} | "
            f"{torch_figures} |"
        )
    return [*lines, ""]


def node_section(torch: Any) -> list[str]:
    recorder = Recorder()
    probe = MemoryProbe(lambda: None)
    prompt = {
        "1": {"class_type": "Transient512", "inputs": {}},
        "2": {"class_type": "Keep256", "inputs": {}},
        "3": {"class_type": "Nothing", "inputs": {}},
    }
    kept: list[Any] = []

    def transient() -> None:
        x = torch.empty(512 * MIB, dtype=torch.uint8, device="cuda")
        x.fill_(1)
        del x

    def keep() -> None:
        kept.append(torch.ones(256 * MIB, dtype=torch.uint8, device="cuda"))

    recorder.begin_workflow("gpu-check", prompt)
    for node_id, body in (("1", transient), ("2", keep), ("3", lambda: None)):
        recorder.node_started("gpu-check", node_id, probe.before())
        body()
        torch.cuda.synchronize()
        recorder.node_finished("gpu-check", node_id, probe.after())
    recorder.workflow_outcome("gpu-check", "success")
    finished = recorder.end_workflow("gpu-check")
    assert finished is not None
    record = finished.build()
    lines = [
        "## 2. Per-node VRAM with real CUDA tensors",
        "",
        "| node | peak delta | after - before | free before | in use before |",
        "|---|---:|---:|---:|---:|",
    ]
    for node in record.nodes:
        delta = (
            None
            if node.vram_after_bytes is None or node.vram_before_bytes is None
            else node.vram_after_bytes - node.vram_before_bytes
        )
        lines.append(
            f"| {node.class_type} | {_mib(node.vram_peak_delta_bytes)} | {_mib(delta)} | "
            f"{_gib(node.vram_free_before_bytes)} | "
            f"{'n/a' if node.vram_percent_before is None else f'{node.vram_percent_before:.1f} %'} |"
        )
    kept.clear()
    torch.cuda.empty_cache()
    lines += ["", "Expected: 512 MiB peak / ~0 kept; 256 MiB peak and kept; 0 and 0.", ""]
    return lines


def oom_section(torch: Any) -> list[str]:
    from backend.host.comfyui_hooks.memory import allocator_stats, device_memory

    recorder = Recorder()
    events: list[Any] = []
    recorder.add_oom_sink(events.append)
    recorder.begin_workflow("gpu-oom", {"1": {"class_type": "HugeAllocation", "inputs": {}}})
    probe = MemoryProbe(lambda: None)
    recorder.node_started("gpu-oom", "1", probe.before())
    _free, total = torch.cuda.mem_get_info()
    message = None
    capture_ms = None
    try:
        torch.empty(2 * total, dtype=torch.uint8, device="cuda")
    except torch.cuda.OutOfMemoryError as exc:
        t0 = time.perf_counter()
        allocated, reserved, summary = device_memory()
        capture = OomCapture(
            type(exc).__name__, str(exc), [], allocated, reserved, summary, allocator_stats=allocator_stats()
        )
        recorder.capture_oom(capture)
        capture_ms = (time.perf_counter() - t0) * 1000
        message = str(exc)
    recorder.end_workflow("gpu-oom")
    lines = ["## 3. A real CUDA out-of-memory error", ""]
    if message is None:
        return [*lines, "Allocating twice the device did not raise OutOfMemoryError.", ""]
    figures = parse_oom_message(message)
    event = events[0] if events else None
    lines += [
        "The message, as torch raised it:",
        "",
        "```",
        message.strip(),
        "```",
        "",
        "| parsed figure | value |",
        "|---|---:|",
        *(
            f"| {name} | {_gib(value) if name.endswith('bytes') else value} |"
            for name, value in figures.__dict__.items()
        ),
        "",
        f"- Capture (torch's figures and memory_summary, the event from the live record): "
        f"{capture_ms:.2f} ms.",
        f"- The event: {_describe(event)}.",
        f"- The allocator's counters: {event.allocator_stats if event else None}.",
        "",
    ]
    return lines


def cost_section(torch: Any) -> list[str]:
    device = torch.cuda.current_device()
    timings = []
    for _ in range(2000):
        t0 = time.perf_counter()
        torch.cuda.mem_get_info(device)
        timings.append((time.perf_counter() - t0) * 1e6)
    return [
        "## 4. The pre-OOM read per node",
        "",
        f"`torch.cuda.mem_get_info`: median {statistics.median(timings):.1f} us, "
        f"p95 {sorted(timings)[int(len(timings) * 0.95)]:.1f} us over {len(timings)} calls.",
        "",
    ]


def _describe(event: Any) -> str:
    if event is None:
        return "none was built"
    return (
        f"node {event.node_type}, allocated {_gib(event.vram_allocated_bytes)}, reserved "
        f"{_gib(event.vram_reserved_bytes)}, memory_summary {len(event.memory_summary or '')} characters"
    )


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MIB:.1f} MiB"


def _gib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / GIB:.2f} GiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="markdown file, or - to print only")
    args = parser.parse_args(argv)
    lines = [
        "# GPU check",
        "",
        f"Recorded {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} by `bench/gpu_check` on "
        f"{platform.node()} ({platform.platform()}, Python {platform.python_version()}).",
        "",
    ]
    try:
        lines += telemetry_section()
    except Exception as exc:  # a check that fails says how, and the others still run
        lines += ["## 1. Telemetry", "", f"Failed: {exc!r}", ""]
    try:
        import torch
    except ImportError:
        torch = None
    if torch is None or not torch.cuda.is_available():
        lines += ["No CUDA device here: the per-node, OOM and cost checks need one.", ""]
    else:
        lines.append(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name()}.")
        lines.append("")
        for section in (node_section, oom_section, cost_section):
            try:
                lines += section(torch)
            except Exception as exc:
                lines += [f"## {section.__name__}", "", f"Failed: {exc!r}", ""]
    text = "\n".join(lines)
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
