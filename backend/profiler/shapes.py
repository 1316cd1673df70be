"""Tensor shapes inside arbitrary node outputs: nested lists/tuples/dicts, bounded in depth and count."""

from __future__ import annotations

from typing import Any

from ..schemas.profiler import TensorShape

MAX_DEPTH = 4
MAX_SHAPES = 16
# Walking a huge list of non-tensors must stay cheap: look at the first few items only.
MAX_ITEMS_PER_CONTAINER = 8


def _shape_of(value: Any) -> list[int] | None:
    # Duck typing keeps torch out of this module: tensors (and numpy arrays) have shape + dtype.
    shape = getattr(value, "shape", None)
    if shape is None or not hasattr(value, "dtype"):
        return None
    try:
        return [int(d) for d in shape]
    except (TypeError, ValueError):
        return None


# (path, shape, dtype, device): plain tuples on the per-node path; models are built once per record.
RawShape = tuple[str, list[int], str | None, str | None]


def tensor_shapes(value: Any, path: str = "", *, limit: int = MAX_SHAPES) -> list[TensorShape]:
    """Find up to ``limit`` tensors in ``value``, each named by where it was found (``out0.samples``)."""
    return [
        TensorShape(path=p, shape=s, dtype=d, device=dev)
        for p, s, d, dev in raw_tensor_shapes(value, path, limit=limit)
    ]


def raw_tensor_shapes(value: Any, path: str = "", *, limit: int = MAX_SHAPES) -> list[RawShape]:
    """``tensor_shapes`` as plain tuples, for the per-node hot path."""
    found: list[RawShape] = []
    _walk(value, path, 0, found, limit)
    return found


def _walk(value: Any, path: str, depth: int, found: list[RawShape], limit: int) -> None:
    if len(found) >= limit:
        return
    shape = _shape_of(value)
    if shape is not None:
        device = getattr(value, "device", None)
        found.append(
            (
                path or "value",
                shape,
                str(value.dtype).removeprefix("torch."),
                str(device) if device is not None else None,
            )
        )
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
