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


def _tiny_patcher(megabytes):
    """A real, small torch module in ComfyUI's ModelPatcher: what a loader node hands on."""
    # Test nodes run inside ComfyUI: its model management is the API under test.
    import comfy.model_management as mm  # noqa: TID251
    import comfy.model_patcher  # noqa: TID251

    module = torch.nn.Linear(256, 1024 * megabytes, bias=False)  # 1 MiB of float32 per megabyte
    return comfy.model_patcher.ModelPatcher(
        module, load_device=mm.get_torch_device(), offload_device=mm.unet_offload_device()
    )


class SAKTinyModelLoader:
    """A loader node: a model file's name in (its ckpt_name, as core loaders take it), a MODEL out."""

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "ckpt_name": ("STRING", {"default": "sak-tiny-model.safetensors"}),
                "megabytes": ("INT", {"default": 4, "min": 1, "max": 256}),
            }
        }

    RETURN_TYPES = ("MODEL",)
    FUNCTION = "load"
    CATEGORY = "swissarmyknife/test"

    def load(self, ckpt_name, megabytes):
        return (_tiny_patcher(megabytes),)


class SAKUseModel(_ImageNode):
    """Loads its MODEL through ComfyUI's model management (as a sampler does), passes the image on."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",), "model": ("MODEL",)}}

    def run(self, image, model):
        import comfy.model_management as mm  # noqa: TID251

        mm.load_models_gpu([model])
        return (image,)


class SAKUseModelThenOom(SAKUseModel):
    """Loads its MODEL, then runs out of memory (a real torch.OutOfMemoryError, as CUDA raises)."""

    def run(self, image, model):
        super().run(image, model)
        raise torch.OutOfMemoryError(
            "CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 23.99 GiB "
            "of which 3.12 GiB is free. Of the allocated memory 18.50 GiB is allocated by PyTorch, and "
            "1.25 GiB is reserved by PyTorch but unallocated. (simulated by a test node)"
        )


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
    "SAKTinyModelLoader": SAKTinyModelLoader,
    "SAKUseModel": SAKUseModel,
    "SAKUseModelThenOom": SAKUseModelThenOom,
}
