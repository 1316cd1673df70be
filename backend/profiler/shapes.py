"""Tensor shapes inside arbitrary node outputs: nested lists/tuples/dicts, bounded in depth and count.

Two steps, so that the per-node path stays cheap: ``raw_tensor_shapes`` (inside the node's window)
keeps each tensor's shape, dtype and device objects as found; ``shape_fields`` (once per record,
after the workflow) turns them into names. None of the kept objects holds the tensor's memory.
"""

from __future__ import annotations

from typing import Any

from ..schemas.profiler import TensorShape

MAX_DEPTH = 4
MAX_SHAPES = 16
# Walking a huge list of non-tensors must stay cheap: look at the first few items only.
MAX_ITEMS_PER_CONTAINER = 8

# (path, dims, dtype, device) as found: dims a tuple (torch.Size is one), dtype and device the
# library's own objects (or names). Named by shape_fields() once per record, not around every node.
RawShape = tuple[str, tuple[Any, ...], Any, Any]


def tensor_shapes(value: Any, path: str = "", *, limit: int = MAX_SHAPES) -> list[TensorShape]:
    """Find up to ``limit`` tensors in ``value``, each named by where it was found (``out0.samples``)."""
    named = (shape_fields(raw) for raw in raw_tensor_shapes(value, path, limit=limit))
    return [TensorShape(**fields) for fields in named if fields is not None]


def raw_tensor_shapes(value: Any, path: str = "", *, limit: int = MAX_SHAPES) -> list[RawShape]:
    """``tensor_shapes`` as found, for the per-node hot path (see ``shape_fields``)."""
    found: list[RawShape] = []
    _walk(value, path, 0, found, limit)
    return found


def shape_fields(raw: RawShape) -> dict[str, Any] | None:
    """A TensorShape's fields from a raw shape; None when its dims are not integers."""
    path, dims, dtype, device = raw
    try:
        sizes = [int(d) for d in dims]
    except (TypeError, ValueError):
        return None
    return {"path": path, "shape": sizes, "dtype": _name(dtype, "torch."), "device": _name(device, "")}


def _name(value: Any, prefix: str) -> str | None:
    # Once per shape per record, after the workflow: a plain str() is cheap enough there.
    if value is None or isinstance(value, str):
        return value
    return str(value).removeprefix(prefix)


def _walk(value: Any, path: str, depth: int, found: list[RawShape], limit: int) -> None:
    if len(found) >= limit:
        return
    # Duck typing keeps torch out of this module: tensors (and numpy arrays) have shape + dtype.
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = getattr(value, "dtype", None)
        if dtype is not None:
            if not isinstance(shape, tuple):
                try:
                    shape = tuple(shape)  # a copy: a mutable shape could change before it is named
                except TypeError:
                    return
            found.append((path or "value", shape, dtype, getattr(value, "device", None)))
            return
    if depth >= MAX_DEPTH:
        return
    if isinstance(value, dict):
        for i, (key, item) in enumerate(value.items()):
            if i >= MAX_ITEMS_PER_CONTAINER or len(found) >= limit:
                return
            _walk(item, f"{path}.{key}" if path else str(key), depth + 1, found, limit)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value[:MAX_ITEMS_PER_CONTAINER]):
            if len(found) >= limit:
                return
            _walk(item, f"{path}[{i}]", depth + 1, found, limit)
