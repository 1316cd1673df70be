"""A Prometheus exposition over fakes: a known snapshot, queue, build and the pack's counters."""

from __future__ import annotations

from backend.metrics import MetricsExposition, MetricSources, RunMetrics, SampleCost
from backend.schemas import QueueState
from tests.support.telemetry import FakeSampler

BUILD = {"pack_version": "0.1.0", "comfyui_version": "0.27.0", "torch_version": "2.13.0"}


def metric_sources(
    sampler: FakeSampler, runs: RunMetrics, *, running: int = 1, queued: int = 3, hook_errors: int = 2
) -> MetricSources:
    return MetricSources(
        snapshot=sampler.latest,
        capabilities=sampler.capabilities,
        queue=lambda: QueueState(running=running, queued=queued),
        runs=runs,
        build_info=lambda: BUILD,
        hook_failures=lambda: {"PromptExecutor.execute": hook_errors},
        sample_cost=lambda: SampleCost(samples=40, cpu_seconds=0.02),
        history=lambda: {"written": 5, "dropped": 0, "failed": 0, "duplicate": 0},
    )


def exposition_of(sampler: FakeSampler, runs: RunMetrics, **kwargs: int) -> MetricsExposition:
    return MetricsExposition(metric_sources(sampler, runs, **kwargs))
