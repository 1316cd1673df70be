"""Test-only ComfyUI nodes: sleeps, failures and OOMs for the profiler's integration tests.

Linked into a throwaway ComfyUI's custom_nodes by tests/integration/conftest.py; never shipped.
"""

import asyncio
import time

import torch


class _ImageNode:
    """An image in, the same or another image out: what every test node here declares."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",)}}

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "run"
    CATEGORY = "swissarmyknife/test"


class _SleepNode(_ImageNode):
    """An image and a duration in seconds in, the image out."""

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {"image": ("IMAGE",), "seconds": ("FLOAT", {"default": 0.1, "min": 0.0, "max": 60.0})}
        }


class SAKSleep(_SleepNode):
    """Sleeps, then passes its image through (a node with a known duration)."""

    def run(self, image, seconds):
        time.sleep(seconds)
        return (image,)


class SAKAsyncSleep(_SleepNode):
    """The same with an async body, timed by ComfyUI's async-node path."""

    async def run(self, image, seconds):
        await asyncio.sleep(seconds)
        return (image,)


class SAKFail(_ImageNode):
    """Raises ValueError (an ordinary node error)."""

    def run(self, image):
        raise ValueError("SAKFail failed on purpose")


class SAKOom(_ImageNode):
    """Raises torch.OutOfMemoryError, as a CUDA allocation failure would."""

    def run(self, image):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (simulated)")


class SAKExpand(_ImageNode):
    """Expands into a subgraph of two ImageInvert nodes (ComfyUI's node expansion)."""

    def run(self, image):
        # A test node runs inside ComfyUI: its graph builder is the API under test.
        from comfy_execution.graph_utils import GraphBuilder  # noqa: TID251

        graph = GraphBuilder()
        first = graph.node("ImageInvert", image=image)
        second = graph.node("ImageInvert", image=first.out(0))
        return {"result": (second.out(0),), "expand": graph.finalize()}


NODE_CLASS_MAPPINGS = {
    "SAKExpand": SAKExpand,
    "SAKSleep": SAKSleep,
    "SAKAsyncSleep": SAKAsyncSleep,
    "SAKFail": SAKFail,
    "SAKOom": SAKOom,
}
