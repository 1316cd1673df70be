"""What to do about the out-of-memory failures seen: rules over the captured events, each
recommendation worded for the operator with the figures it rests on.

- Unload the models no node still to run needed (the capture marks them), largest first.
- A single request larger than the whole device: smaller batch or resolution.
- Much memory reserved by PyTorch but unallocated: fragmentation (restart, expandable segments).
- The same workflow running out of memory again and again: ComfyUI's low-VRAM modes.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..schemas.oom import OomEvent, Recommendation

GIB = 1024**3
# Reserved-but-unallocated memory worth a restart: at least this, and a tenth of the device.
FRAGMENTATION_MIN_BYTES = GIB
FRAGMENTATION_SHARE = 0.10
# A workflow that ran out of memory this often among the events is advised a low-VRAM mode.
REPEATED_OOMS = 2


def _gib(value: float) -> str:
    return f"{value / GIB:.1f} GiB"


def _where(event: OomEvent) -> str:
    node = event.node_type or "a node"
    return f"{node} in “{event.workflow_name}”" if event.workflow_name else node


def _used_bytes(event: OomEvent) -> int | None:
    """What was in use on the device at the failure, from the best figure there is."""
    figures = event.figures
    if figures.total_bytes is not None and figures.free_bytes is not None:
        return figures.total_bytes - figures.free_bytes
    return figures.process_bytes or event.vram_reserved_bytes or event.vram_allocated_bytes


def _unload(event: OomEvent) -> Recommendation | None:
    spare = sorted(
        (m for m in event.loaded_models if m.needed_later is False and (m.loaded_bytes or 0) > 0),
        key=lambda m: m.loaded_bytes or 0,
        reverse=True,
    )
    if not spare:
        return None
    freed = sum(m.loaded_bytes or 0 for m in spare)
    total, used = event.figures.total_bytes, _used_bytes(event)
    percent = None if total is None or used is None or total <= 0 else max(0.0, (used - freed) / total * 100)
    listed = ", ".join(f"{m.name} ({_gib(m.loaded_bytes or 0)})" for m in spare)
    after = f", leaving the device {percent:.0f} % full" if percent is not None else ""
    many = len(spare) > 1
    them, were = ("them", "were") if many else ("it", "was")
    requested, free = event.figures.requested_bytes, event.figures.free_bytes
    # Said when the figures show it would not be enough: the operator then knows to look further.
    short = (
        f" That is less than the {_gib(requested - free)} it lacked ({_gib(requested)} asked, {_gib(free)} "
        "free): other programs on the GPU, or the node's own size, need looking at too."
        if requested is not None and free is not None and freed < requested - free
        else ""
    )
    return Recommendation(
        kind="unload_models",
        title=f"Unload {len(spare)} model{'s' if many else ''} before {event.node_type or 'the node'}",
        detail=(
            f"When {_where(event)} ran out of memory, {listed} {were} loaded but no node still to run "
            f"used {them}. Unloading {them} frees about {_gib(freed)}{after}.{short}"
        ),
        node_type=event.node_type,
        models=[m.name for m in spare],
        expected_freed_bytes=freed,
        resulting_percent=percent,
    )


def _too_large(event: OomEvent) -> Recommendation | None:
    requested, total = event.figures.requested_bytes, event.figures.total_bytes
    if requested is None or total is None or requested <= total:
        return None
    return Recommendation(
        kind="request_exceeds_device",
        title=f"{event.node_type or 'A node'} asks for more than the GPU has",
        detail=(
            f"{_where(event)} asked for {_gib(requested)} at once; the device holds {_gib(total)} in all, so "
            "unloading models cannot help. Lower the batch size or the resolution, or use a tiled node "
            "(tiled VAE decode, tiled upscaling)."
        ),
        node_type=event.node_type,
        models=[],
        expected_freed_bytes=None,
        resulting_percent=None,
    )


def _fragmented(event: OomEvent) -> Recommendation | None:
    spare, total = event.figures.reserved_unallocated_bytes, event.figures.total_bytes
    if spare is None or spare < FRAGMENTATION_MIN_BYTES or (total and spare < total * FRAGMENTATION_SHARE):
        return None
    return Recommendation(
        kind="fragmentation",
        title="Memory is fragmented",
        detail=(
            f"When {_where(event)} ran out of memory, {_gib(spare)} were reserved by PyTorch but not in use: "
            "free memory in pieces too small for the request. Restarting ComfyUI clears it; starting it with "
            "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True makes it rarer."
        ),
        node_type=event.node_type,
        models=[],
        expected_freed_bytes=spare,
        resulting_percent=None,
    )


def _repeated(events: list[OomEvent]) -> list[Recommendation]:
    by_workflow: dict[str, list[OomEvent]] = {}
    for event in events:
        by_workflow.setdefault(event.workflow_hash, []).append(event)
    out = []
    for runs in by_workflow.values():
        if len(runs) < REPEATED_OOMS:
            continue
        newest = runs[0]
        name = f"“{newest.workflow_name}”" if newest.workflow_name else "a workflow"
        out.append(
            Recommendation(
                kind="low_vram_mode",
                title=f"{name[0].upper()}{name[1:]} keeps running out of memory",
                detail=(
                    f"It ran out of memory {len(runs)} times among the recent failures. Start ComfyUI with "
                    "--lowvram (weights streamed to the GPU as needed) or --reserve-vram 1 (leave a GiB for "
                    "the rest of the system), or lower its resolution."
                ),
                node_type=newest.node_type,
                models=[],
                expected_freed_bytes=None,
                resulting_percent=None,
            )
        )
    return out


def recommendations(events: Iterable[OomEvent]) -> list[Recommendation]:
    """What to do, from the newest events first; one of each kind per workflow and node."""
    newest_first = sorted(events, key=lambda e: e.captured_at, reverse=True)
    seen: set[tuple[str, str | None, str]] = set()
    out: list[Recommendation] = []
    for event in newest_first:
        too_large = _too_large(event)
        # A request beyond the whole device is not helped by unloading: only that advice, not both.
        rules = (_fragmented,) if too_large is not None else (_unload, _fragmented)
        candidates = [("_too_large", too_large)] + [(rule.__name__, rule(event)) for rule in rules]
        for name, advice in candidates:
            key = (event.workflow_hash, event.node_type, name)
            if advice is not None and key not in seen:
                seen.add(key)
                out.append(advice)
    return out + _repeated(newest_first)
