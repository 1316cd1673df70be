"""Which loader node made each model ComfyUI loads: so an OOM names the files the user picked.

ComfyUI's list of loaded models holds model patchers, which know their weights' class but not the
file. The loader nodes know the file (their ``ckpt_name``, ``vae_name``... input). At a loader's
finish its outputs (MODEL, CLIP, VAE...) are noted against the model objects inside them, so a
loaded model can be named later by the object it wraps. Only loader nodes pay for this: which
nodes are loaders is worked out once per prompt, from their inputs.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The inputs that name a model file on ComfyUI's loader nodes (core and the common packs).
FILE_INPUTS = (
    "ckpt_name",
    "unet_name",
    "vae_name",
    "clip_name",
    "clip_name1",
    "clip_name2",
    "clip_name3",
    "lora_name",
    "control_net_name",
    "model_name",
    "style_model_name",
    "clip_vision_name",
    "gligen_name",
    "hypernetwork_name",
    "upscale_model_name",
)
# The first of a node's file inputs in FILE_INPUTS' order names it (clip_name1 before clip_name2).
_FILE_INPUT_RANK = {name: order for order, name in enumerate(FILE_INPUTS)}
_FILE_SUFFIXES = (".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".sft", ".onnx")


@dataclass(frozen=True)
class ModelOrigin:
    """Where a model came from: its name (the file, ``base + lora`` for a patched clone), the loader
    node that made it (in the prompt it ran in) and that loader's own file."""

    file_name: str
    node_id: str
    class_type: str
    loader_file: str

    def loader_in(self, loaders: Mapping[str, tuple[str, str]]) -> str | None:
        """The loader node of the running prompt (``loader_files``) that gives this model: the one
        that made it, or, a model left from an earlier prompt, one loading the same file with the
        same class (ComfyUI's cache hands it the same object); None when no loader there does."""
        own = (self.loader_file, self.class_type)
        if loaders.get(self.node_id) == own:
            return self.node_id
        return next((node_id for node_id, loader in loaders.items() if loader == own), None)


def loader_files(prompt: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The prompt's loader nodes: node id -> (its model file, its class type).

    Runs at every prompt's start over every node, so it does little per node: a loader's own inputs
    are scanned (a few), not the list of file input names (fifteen lookups a node made this ~6 us a
    node; callgrind counts it in ``bench/hook_instructions.py``)."""
    found: dict[str, tuple[str, str]] = {}
    rank = _FILE_INPUT_RANK
    for node_id, node in prompt.items():
        # Loader classes say so (CheckpointLoaderSimple, UNETLoader, LoraLoader, UnetLoaderGGUF,
        # LoadCheckpoint...): one subscript and one substring test spare every other node the scan
        # of its inputs (a malformed node is skipped by the except, free when nothing raises).
        try:
            class_type = node["class_type"]
            if "Load" not in class_type:
                continue
        except (TypeError, KeyError, IndexError):
            continue
        inputs = node.get("inputs")
        if not isinstance(inputs, dict):
            continue
        best: tuple[int, str] | None = None
        for name, value in inputs.items():
            order = rank.get(name)
            if (
                order is not None
                and isinstance(value, str)
                and (best is None or order < best[0])
                and value.lower().endswith(_FILE_SUFFIXES)
            ):
                best = (order, value)
        if best is not None:
            found[str(node_id)] = (best[1], str(class_type))
    return found


class ModelOrigins:
    """Model objects -> the loader that made them; held weakly, so a freed model is forgotten."""

    def __init__(self) -> None:
        self._by_object: weakref.WeakKeyDictionary[Any, ModelOrigin] = weakref.WeakKeyDictionary()

    def note(self, node_id: str, class_type: str, file_name: str, outputs: Any) -> None:
        """A loader finished: tie every model object in its outputs to its file."""
        for patcher in _patchers(outputs):
            inner = getattr(patcher, "model", None)
            base = self.origin(inner) if inner is not None else None
            # A LoRA loader returns a clone of the checkpoint's patcher over the same weights: the
            # weights keep the checkpoint's name, the clone reads "checkpoint + lora".
            name = (
                file_name
                if base is None or base.file_name == file_name
                else f"{base.file_name} + {file_name}"
            )
            self._put(patcher, ModelOrigin(name, node_id, class_type, file_name))
            if inner is not None and base is None:
                self._put(inner, ModelOrigin(file_name, node_id, class_type, file_name))

    def origin(self, model: Any) -> ModelOrigin | None:
        """Where ``model`` (a patcher, or the weights inside one) came from, when known."""
        try:
            return self._by_object.get(model)
        except TypeError:  # not weakly referable, not hashable: never noted
            return None

    def _put(self, model: Any, origin: ModelOrigin) -> None:
        with contextlib.suppress(TypeError):  # not weakly referable: it stays unnamed
            self._by_object[model] = origin


def _patchers(outputs: Any) -> list[Any]:
    """The model patchers in a node's outputs: a MODEL is one, a CLIP or VAE holds one (``.patcher``)."""
    data = getattr(outputs, "outputs", outputs)  # newer: CacheEntry(ui, outputs)
    found: list[Any] = []
    if not isinstance(data, (list, tuple)):
        return found
    for slot in data:
        values = slot if isinstance(slot, (list, tuple)) else [slot]
        for value in values:
            for candidate in (value, getattr(value, "patcher", None)):
                if candidate is not None and hasattr(candidate, "model") and hasattr(candidate, "model_size"):
                    found.append(candidate)
    return found
