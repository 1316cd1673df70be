"""Facts read from a ComfyUI API prompt: a stable structural hash and node titles.

Prompts are the JSON ComfyUI received, so plain ``dict`` checks (cheaper than ABC ``Mapping``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any


def _is_link(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    )


def workflow_hash(prompt: Mapping[str, Any]) -> str:
    """Hash the graph's structure: node ids, class types and links, not widget values.

    Changing a seed, a prompt text or a step count keeps the hash, so runs of "the same
    workflow" compare; adding a node or rewiring one changes it. Built with separators that
    cannot occur in ids rather than JSON: this runs at every prompt start.
    """
    digest = hashlib.sha256()
    for node_id in sorted(prompt):
        node = prompt[node_id]
        if not isinstance(node, dict):
            continue
        parts = [str(node_id), str(node.get("class_type", ""))]
        inputs = node.get("inputs")
        if isinstance(inputs, dict):
            for name in sorted(inputs):
                value = inputs[name]
                if _is_link(value):
                    parts.append(f"{name}={value[0]}:{value[1]}")
        digest.update("\x1f".join(parts).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def node_title(prompt: Mapping[str, Any], node_id: str) -> str | None:
    """The title the user gave the node (``_meta.title`` in API prompts), when the prompt carries one."""
    node = prompt.get(node_id)
    if not isinstance(node, dict):
        return None
    meta = node.get("_meta")
    if isinstance(meta, dict):
        title = meta.get("title")
        if isinstance(title, str) and title:
            return title[:200]
    return None


def node_class_type(prompt: Mapping[str, Any], node_id: str) -> str | None:
    node = prompt.get(node_id)
    if isinstance(node, dict):
        class_type = node.get("class_type")
        if isinstance(class_type, str):
            return class_type
    return None


def input_links(prompt: Mapping[str, Any], node_id: str) -> list[tuple[str, str, int]]:
    """(input name, source node id, source output slot) for every linked input of ``node_id``."""
    node = prompt.get(node_id)
    if not isinstance(node, dict) or not isinstance(node.get("inputs"), dict):
        return []
    return [(str(name), value[0], value[1]) for name, value in node["inputs"].items() if _is_link(value)]
