"""The profiler: records every workflow and node from host events, pure of ComfyUI and hardware."""

from .graph import node_title, workflow_hash
from .recorder import FinishedWorkflow, MemorySample, Recorder
from .shapes import tensor_shapes

__all__ = ["FinishedWorkflow", "MemorySample", "Recorder", "node_title", "tensor_shapes", "workflow_hash"]
