"""Reading a finished node's outputs from the executor's cache: their tensors' raw shapes only."""

from __future__ import annotations

import inspect
from typing import Any

from ...profiler.shapes import MAX_SHAPES, RawShape, raw_tensor_shapes
from .state import STATE

_SLOT_NAMES = tuple(f"out{slot}" for slot in range(MAX_SHAPES))


def cached_entry(caches: Any, node_id: str) -> Any:
    """The node's cache entry, or an awaitable of it on the releases whose get() was async.

    Newer ComfyUI's async get() marks the entry as used for LRU and RAM-pressure eviction and asks
    external cache providers on a miss: a profiler must not, so its plain get_local() where it exists.
    """
    outputs_cache = getattr(caches, "outputs", None)
    if outputs_cache is None:
        return None
    get_local = getattr(outputs_cache, "get_local", None)
    return get_local(node_id) if get_local is not None else outputs_cache.get(node_id)


def is_awaitable(value: Any) -> bool:
    # Entries are tuples (CacheEntry is a NamedTuple), lists or None: decided before inspect's ABC
    # check, which costs more than the rest of the read.
    return not isinstance(value, (tuple, list, type(None))) and inspect.isawaitable(value)


def output_shapes(entry: Any) -> list[RawShape]:
    """The tensors in a cache entry's outputs, at most MAX_SHAPES; a plain tensor per slot is the
    common case and is taken without the general walk."""
    data = getattr(entry, "outputs", entry)  # newer: CacheEntry(ui, outputs); older: the outputs
    if not isinstance(data, (list, tuple)):
        return []
    shapes: list[RawShape] = []
    for slot, results in enumerate(data[:MAX_SHAPES]):
        # Each slot holds one result per mapped batch; a single one is the common case.
        value = results[0] if isinstance(results, (list, tuple)) and len(results) == 1 else results
        shape = getattr(value, "shape", None)
        if isinstance(shape, tuple):  # torch.Size is a tuple
            dtype = getattr(value, "dtype", None)
            if dtype is not None:
                shapes.append((_SLOT_NAMES[slot], shape, dtype, getattr(value, "device", None)))
                continue
        shapes.extend(raw_tensor_shapes(value, _SLOT_NAMES[slot], limit=MAX_SHAPES - len(shapes)))
        if len(shapes) >= MAX_SHAPES:
            break
    return shapes


def finished_entry(node_id: str) -> Any:
    """A finished node's cache entry from the running executor; None when unreadable."""
    entry = cached_entry(getattr(STATE.executor, "caches", None), node_id)
    if is_awaitable(entry):  # an async get() without a local read: not ours to await here
        close = getattr(entry, "close", None)
        if callable(close):
            close()
        return None
    return entry


def finished_outputs(node_id: str) -> list[RawShape] | None:
    """A finished node's output shapes from the running executor's cache; None when unreadable.

    ``finished_entry``'s body again rather than a call to it: this runs at every node's finish."""
    entry = cached_entry(getattr(STATE.executor, "caches", None), node_id)
    if is_awaitable(entry):
        close = getattr(entry, "close", None)
        if callable(close):
            close()
        return None
    return None if entry is None else output_shapes(entry)


def note_loader(node_id: str, entry: Any) -> None:
    """A loader node finished: tie the models in its outputs to its file (only loaders come here)."""
    file_name, class_type = STATE.loaders[node_id]
    STATE.origins.note(node_id, class_type, file_name, entry)
