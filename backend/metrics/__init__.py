"""Prometheus exposition of the machine, the profiler's runs and the pack itself (a leaf over schemas)."""

from .exposition import MetricsExposition, MetricSources, SampleCost, available
from .runs import RunMetrics

__all__ = ["MetricSources", "MetricsExposition", "RunMetrics", "SampleCost", "available"]
