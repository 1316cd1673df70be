"""The profiler: records every workflow and node from host events, pure of ComfyUI and hardware."""

from .events import MemorySample
from .graph import node_title, workflow_hash
from .oom import LoadedModel, OomListener, is_oom_error
from .recorder import FinishedWorkflow, Recorder
from .shapes import tensor_shapes

__all__ = [
    "FinishedWorkflow",
    "LoadedModel",
    "MemorySample",
    "OomListener",
    "Recorder",
    "is_oom_error",
    "node_title",
    "tensor_shapes",
    "workflow_hash",
]
