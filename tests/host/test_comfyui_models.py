"""Which nodes of a prompt are model loaders, and the file each was given."""

from __future__ import annotations

from typing import Any

from backend.host.comfyui_hooks.models import loader_files


def test_loaders_are_found_by_their_file_inputs_the_first_by_rank() -> None:
    prompt: dict[str, Any] = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
        "2": {
            "class_type": "DualCLIPLoader",
            "inputs": {"clip_name2": "t5.safetensors", "clip_name1": "l.safetensors"},
        },
        "3": {"class_type": "LoraLoader", "inputs": {"model": ["1", 0], "lora_name": "Detail.SafeTensors"}},
        "4": {"class_type": "LoadImage", "inputs": {"image": "portrait.png"}},  # a file, not a model
        "5": {"class_type": "KSampler", "inputs": {"model": ["3", 0], "seed": 1}},
        "6": {"class_type": "UnetLoaderGGUF", "inputs": {"unet_name": "flux1-dev-Q4.gguf"}},
    }
    assert loader_files(prompt) == {
        "1": ("sd_xl_base_1.0.safetensors", "CheckpointLoaderSimple"),
        "2": ("l.safetensors", "DualCLIPLoader"),
        "3": ("Detail.SafeTensors", "LoraLoader"),
        "6": ("flux1-dev-Q4.gguf", "UnetLoaderGGUF"),
    }


def test_malformed_nodes_and_classes_that_are_not_loaders_are_skipped() -> None:
    prompt: dict[str, Any] = {
        "1": "not a node",
        "2": {"inputs": {"ckpt_name": "x.safetensors"}},  # no class
        "3": {"class_type": None, "inputs": {}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": "bad"},
        "5": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": 7}},
        # Named without "Load": not scanned (the price of a check that costs one substring test).
        "6": {"class_type": "MyCheckpointPicker", "inputs": {"ckpt_name": "x.safetensors"}},
    }
    assert loader_files(prompt) == {}
