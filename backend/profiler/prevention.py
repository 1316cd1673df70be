"""Before a queued prompt runs: will it fit? Its workflow's recorded peak against the device's free
memory now, and which loaded models to unload (largest first, those the workflow did not use on
its last run) to make room.

The recorded peak is torch's allocation at the workflow's highest point, its own models included;
so the models it used on its last run that are on the device now count as room it already has,
and every other loaded model is room ComfyUI would have to free first (it does, but by estimates
that miss: that is when a run dies of OOM). A margin covers what torch's count leaves out (the
CUDA context, fragmentation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..schemas.oom import ModelToUnload, OomRisk

MIB = 1024**2
GIB = 1024**3
MARGIN_FRACTION = 0.05
MIN_MARGIN_BYTES = 512 * MIB


class WorkflowNeeds(Protocol):
    """What history says of a workflow's last runs (``storage.oom_events.WorkflowPeak`` is one)."""

    @property
    def workflow_hash(self) -> str: ...
    @property
    def workflow_name(self) -> str | None: ...
    @property
    def runs(self) -> int: ...
    @property
    def ooms(self) -> int: ...
    @property
    def peak_vram_bytes(self) -> int | None: ...
    @property
    def models(self) -> frozenset[str]:
        """On the device during its last run."""
        ...

    @property
    def last_was_oom(self) -> bool: ...


@dataclass(frozen=True)
class DeviceNow:
    """The device the next run uses, now: free (as ComfyUI counts it) and total, the models on it."""

    free_bytes: int
    total_bytes: int
    loaded: tuple[tuple[str, int | None], ...]  # (name, bytes on the device)


def margin_bytes(total_bytes: int) -> int:
    return max(MIN_MARGIN_BYTES, int(total_bytes * MARGIN_FRACTION))


def oom_risk(needs: WorkflowNeeds, device: DeviceNow) -> OomRisk | None:
    """The warning for a run of ``needs``'s workflow now; None when its peak fits (or is unknown)."""
    if needs.peak_vram_bytes is None or device.total_bytes <= 0:
        return None
    own = sum(size or 0 for name, size in device.loaded if name in needs.models)
    margin = margin_bytes(device.total_bytes)
    shortfall = needs.peak_vram_bytes + margin - device.free_bytes - own
    # A past OOM alone warns only right after it (a re-queue after the failure), not for ten runs.
    if shortfall <= 0 and not needs.last_was_oom:
        return None
    others = sorted(
        ((name, size) for name, size in device.loaded if name not in needs.models),
        key=lambda m: m[1] or 0,
        reverse=True,
    )
    chosen: list[ModelToUnload] = []
    freed = 0
    for name, size in others:
        if freed >= shortfall:
            break
        chosen.append(ModelToUnload(name=name, loaded_bytes=size))
        freed += size or 0
    fits = freed >= shortfall
    if shortfall <= 0:
        # It fits now, but its last run ran out of memory: say so, with nothing to unload.
        chosen, fits = [], True
    return OomRisk(
        workflow_hash=needs.workflow_hash,
        workflow_name=needs.workflow_name,
        needed_bytes=needs.peak_vram_bytes,
        free_bytes=device.free_bytes,
        total_bytes=device.total_bytes,
        margin_bytes=margin,
        shortfall_bytes=max(0, shortfall),
        models_to_unload=chosen,
        fits_after_unload=fits,
        runs=needs.runs,
        ooms=needs.ooms,
        message=_message(needs, device, max(0, shortfall), chosen, fits),
    )


def _gib(value: int) -> str:
    return f"{value / GIB:.1f} GiB"


def _message(
    needs: WorkflowNeeds, device: DeviceNow, shortfall: int, chosen: list[ModelToUnload], fits: bool
) -> str:
    name = f'"{needs.workflow_name}"' if needs.workflow_name else "This workflow"
    peak = needs.peak_vram_bytes or 0
    said = f"{name} peaked at {_gib(peak)} of VRAM in its last runs; {_gib(device.free_bytes)} is free now"
    history = f" It ran out of memory in {needs.ooms} of its last {needs.runs} runs." if needs.ooms else ""
    if shortfall <= 0:
        return f"{said}.{history}"
    if chosen and fits:
        names = ", ".join(m.name for m in chosen)
        return f"{said}, {_gib(shortfall)} short. Unload {names} to make room.{history}"
    if chosen:
        return (
            f"{said}, {_gib(shortfall)} short: unloading {', '.join(m.name for m in chosen)} is not enough "
            f"(other programs, or a batch or resolution too large for this device).{history}"
        )
    return (
        f"{said}, {_gib(shortfall)} short, and no other model is loaded: lower the batch size or "
        f"resolution, or close other programs using the GPU.{history}"
    )
