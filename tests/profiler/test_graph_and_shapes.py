"""Workflow hashes ignore widget values but not structure; tensor shapes are found and bounded."""

from __future__ import annotations

import copy
from typing import Any

import torch

from backend.profiler import node_title, tensor_shapes, workflow_hash
from backend.profiler.shapes import MAX_SHAPES

PROMPT: dict[str, Any] = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}, "_meta": {"title": "Invert"}},
}


def test_hash_is_stable_across_widget_changes_and_key_order() -> None:
    changed = copy.deepcopy(PROMPT)
    changed["1"]["inputs"]["color"] = 123
    reordered = {"2": PROMPT["2"], "1": PROMPT["1"]}
    assert workflow_hash(PROMPT) == workflow_hash(changed) == workflow_hash(reordered)
    assert len(workflow_hash(PROMPT)) == 16


def test_hash_changes_with_structure() -> None:
    rewired = copy.deepcopy(PROMPT)
    rewired["3"] = {"class_type": "ImageInvert", "inputs": {"image": ["2", 0]}}
    other_class = copy.deepcopy(PROMPT)
    other_class["2"]["class_type"] = "ImageBlur"
    assert len({workflow_hash(PROMPT), workflow_hash(rewired), workflow_hash(other_class)}) == 3


def test_node_title_comes_from_meta() -> None:
    assert node_title(PROMPT, "2") == "Invert"
    assert node_title(PROMPT, "1") is None
    assert node_title(PROMPT, "missing") is None


def test_shapes_in_nested_outputs() -> None:
    latent = {"samples": torch.zeros(1, 4, 8, 8), "batch_index": [0]}
    found = tensor_shapes([latent, (torch.zeros(2, 3, dtype=torch.float16), "text")], "out0")
    assert [(s.path, s.shape, s.dtype, s.device) for s in found] == [
        ("out0[0].samples", [1, 4, 8, 8], "float32", "cpu"),
        ("out0[1][0]", [2, 3], "float16", "cpu"),
    ]


def test_shapes_are_bounded_in_count_and_depth() -> None:
    many = [torch.zeros(1)] * 8
    deep: Any = torch.zeros(1)
    for _ in range(10):
        deep = [deep]
    assert len(tensor_shapes([many, many, many], limit=MAX_SHAPES)) == MAX_SHAPES
    assert tensor_shapes(deep) == []


def test_non_tensors_are_ignored() -> None:
    assert tensor_shapes({"a": 1, "b": "x", "c": [None, 2.5]}) == []
