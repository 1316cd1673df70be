"""The environment fingerprint: ComfyUI's performance flags read from argv as argparse reads them,
and torch's facts only when the host imported it."""

from __future__ import annotations

import sys
import types

import pytest

from backend.profiler.environment import HostFacts, launch_flags, read_fingerprint
from backend.schemas.environment import LaunchFlag


def test_launch_flags_read_as_argparse_does_sorted_and_only_the_ones_that_change_performance() -> None:
    argv = [
        "main.py",
        "--listen",
        "0.0.0.0",
        "--use-sage-attention",
        "--reserve-vram",
        "1.5",
        "--fast",
        "fp16_accumulation",
        "cublas_ops",
        "--cache-lru=10",
        "--async-offload",
        "--lowvram",
        "--port",
        "8188",
    ]
    assert [(f.name, f.value) for f in launch_flags(argv)] == [
        ("--async-offload", None),
        ("--cache-lru", "10"),
        ("--fast", "fp16_accumulation cublas_ops"),
        ("--lowvram", None),
        ("--reserve-vram", "1.5"),
        ("--use-sage-attention", None),
    ]
    assert launch_flags(["main.py", "--lowvram", "--cpu"]) == launch_flags(["main.py", "--cpu", "--lowvram"])
    assert launch_flags(["main.py"]) == []


def test_the_fingerprint_reads_torch_only_when_the_host_imported_it(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = HostFacts(
        host="comfyui", comfyui_version="0.3.64", frontend_version="1.27.10", argv=("main.py", "--cpu")
    )
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    bare = read_fingerprint(facts, pack_version="0.1.0", gpu_driver_version=None)
    assert (bare.torch_version, bare.cuda_version, bare.gpu_names) == (None, None, [])
    assert bare.launch_flags == [LaunchFlag(name="--cpu", value=None)]
    fake = types.SimpleNamespace(
        __version__="2.13.0+cu128",
        version=types.SimpleNamespace(cuda="12.8", hip=None),
        cuda=types.SimpleNamespace(
            is_available=lambda: True, device_count=lambda: 2, get_device_name=lambda i: f"GPU {i}"
        ),
    )
    monkeypatch.setitem(sys.modules, "torch", fake)
    full = read_fingerprint(facts, pack_version="0.1.0", gpu_driver_version="580.95.05")
    assert (full.torch_version, full.cuda_version, full.hip_version) == ("2.13.0+cu128", "12.8", None)
    assert full.gpu_names == ["GPU 0", "GPU 1"] and full.gpu_driver_version == "580.95.05"
    assert (full.comfyui_version, full.frontend_version) == ("0.3.64", "1.27.10")
