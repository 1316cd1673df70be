"""pydantic v2 models for every REST body, websocket event and stored record (a leaf layer)."""

from .base import ApiModel, RequestModel
from .errors import ErrorBody, ErrorCode, ErrorDetail
from .monitor import (
    GpuCapabilities,
    GpuDevice,
    GpuMetricSupport,
    GpuSample,
    GpuSource,
    GpuVendor,
    HardwareCapabilities,
    MonitorEvent,
    MonitorSnapshot,
    MonitorStatus,
)

__all__ = [
    "ApiModel",
    "ErrorBody",
    "ErrorCode",
    "ErrorDetail",
    "GpuCapabilities",
    "GpuDevice",
    "GpuMetricSupport",
    "GpuSample",
    "GpuSource",
    "GpuVendor",
    "HardwareCapabilities",
    "MonitorEvent",
    "MonitorSnapshot",
    "MonitorStatus",
    "RequestModel",
]
