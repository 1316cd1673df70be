"""The environment fingerprint: the versions, GPUs and launch flags a run's speed depends on.

Read once per process (the plugin, off ComfyUI's import path); a run refers to it by id, so a
comparison of two runs can say "torch 2.12 -> 2.13, --lowvram added" next to its node deltas.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..schemas.environment import EnvironmentFingerprint, LaunchFlag

# ComfyUI's command-line flags (comfy/cli_args.py) that change speed or memory, by how many values
# each takes: 0 a switch, 1 one value, "?" an optional one, "*" any number.
_SWITCH, _ONE, _OPTIONAL, _MANY = 0, 1, "?", "*"
PERFORMANCE_FLAGS: dict[str, int | str] = {
    # Where models live.
    "--gpu-only": _SWITCH,
    "--highvram": _SWITCH,
    "--normalvram": _SWITCH,
    "--lowvram": _SWITCH,
    "--novram": _SWITCH,
    "--cpu": _SWITCH,
    "--cpu-vae": _SWITCH,
    "--reserve-vram": _ONE,
    "--disable-smart-memory": _SWITCH,
    "--async-offload": _OPTIONAL,
    "--disable-async-offload": _SWITCH,
    "--disable-pinned-memory": _SWITCH,
    "--fast-disk": _SWITCH,
    "--mmap-torch-files": _SWITCH,
    "--disable-mmap": _SWITCH,
    "--cuda-malloc": _SWITCH,
    "--disable-cuda-malloc": _SWITCH,
    "--cuda-device": _ONE,
    "--directml": _OPTIONAL,
    # Caching between runs.
    "--cache-classic": _SWITCH,
    "--cache-lru": _ONE,
    "--cache-none": _SWITCH,
    "--cache-ram": _MANY,
    # Attention.
    "--use-split-cross-attention": _SWITCH,
    "--use-quad-cross-attention": _SWITCH,
    "--use-pytorch-cross-attention": _SWITCH,
    "--use-sage-attention": _SWITCH,
    "--use-flash-attention": _SWITCH,
    "--disable-xformers": _SWITCH,
    "--force-upcast-attention": _SWITCH,
    "--dont-upcast-attention": _SWITCH,
    # Precision.
    "--fp32-unet": _SWITCH,
    "--fp64-unet": _SWITCH,
    "--bf16-unet": _SWITCH,
    "--fp16-unet": _SWITCH,
    "--fp8_e4m3fn-unet": _SWITCH,
    "--fp8_e5m2-unet": _SWITCH,
    "--fp8_e8m0fnu-unet": _SWITCH,
    "--fp16-vae": _SWITCH,
    "--fp32-vae": _SWITCH,
    "--bf16-vae": _SWITCH,
    "--fp8_e4m3fn-text-enc": _SWITCH,
    "--fp8_e5m2-text-enc": _SWITCH,
    "--fp16-text-enc": _SWITCH,
    "--fp32-text-enc": _SWITCH,
    "--bf16-text-enc": _SWITCH,
    "--force-fp32": _SWITCH,
    "--force-fp16": _SWITCH,
    "--supports-fp8-compute": _SWITCH,
    "--fast": _MANY,
    "--deterministic": _SWITCH,
    "--force-channels-last": _SWITCH,
}


def launch_flags(argv: Sequence[str]) -> list[LaunchFlag]:
    """The performance flags in ``argv`` (``sys.argv``), as argparse would read them: ``--f v`` and
    ``--f=v``; a switch's value None; several values joined by spaces. Sorted by name, so the same
    launch gives the same fingerprint whatever the order typed."""
    found: dict[str, str | None] = {}
    args = list(argv[1:])
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        name, eq, inline = arg.partition("=")
        arity = PERFORMANCE_FLAGS.get(name)
        if arity is None:
            continue
        if eq:
            found[name] = inline
            continue
        if arity == _SWITCH:
            found[name] = None
            continue
        values: list[str] = []
        limit = None if arity == _MANY else 1
        # A value never starts with "--" (argparse reads that as the next option).
        while i < len(args) and not args[i].startswith("--") and (limit is None or len(values) < limit):
            values.append(args[i])
            i += 1
        found[name] = " ".join(values) if values else None
    return [LaunchFlag(name=n, value=v) for n, v in sorted(found.items())]


@dataclass(frozen=True)
class HostFacts:
    """What only the host knows about the environment (ComfyUI's version, its frontend's)."""

    host: str
    comfyui_version: str | None = None
    frontend_version: str | None = None
    argv: Sequence[str] = field(default_factory=tuple)


def _torch_facts() -> tuple[str | None, str | None, str | None, list[str]]:
    """torch's version, its CUDA and HIP builds, and each GPU's name: read only when the host has
    imported torch already (ComfyUI has; importing it here would cost the standalone host seconds)."""
    torch: Any = sys.modules.get("torch")
    if torch is None:
        return None, None, None, []
    version = getattr(torch, "__version__", None)
    built = getattr(torch, "version", None)
    cuda = getattr(built, "cuda", None)
    hip = getattr(built, "hip", None)
    names: list[str] = []
    try:
        if torch.cuda.is_available():
            names = [str(torch.cuda.get_device_name(i)) for i in range(torch.cuda.device_count())]
    except Exception:  # a broken driver says so elsewhere; the fingerprint just lacks the names
        names = []
    return (
        None if version is None else str(version),
        None if cuda is None else str(cuda),
        None if hip is None else str(hip),
        names,
    )


def read_fingerprint(
    facts: HostFacts, *, pack_version: str, gpu_driver_version: str | None
) -> EnvironmentFingerprint:
    """The fingerprint of this process. Blocking for a moment (torch asks the driver for names):
    call it off the server loop."""
    torch_version, cuda_version, hip_version, gpu_names = _torch_facts()
    return EnvironmentFingerprint(
        host=facts.host,
        comfyui_version=facts.comfyui_version,
        frontend_version=facts.frontend_version,
        python_version=platform.python_version(),
        torch_version=torch_version,
        cuda_version=cuda_version,
        hip_version=hip_version,
        gpu_names=gpu_names,
        gpu_driver_version=gpu_driver_version,
        pack_version=pack_version,
        platform=platform.platform(),
        launch_flags=launch_flags(facts.argv),
    )
