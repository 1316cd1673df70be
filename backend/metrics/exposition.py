"""``GET /swissarmyknife/metrics``: the machine, the profiler and the pack itself in Prometheus'
text format (OpenMetrics when the scraper asks), through prometheus_client's own exposition and
private registries (nothing of ComfyUI's or other packs' default registry).

A scrape never samples hardware: the machine's figures are the sampler's latest snapshot. It is
two registries: the live one (snapshot, queue, the pack's counters: a few dozen lines, rendered
each scrape) and the runs' one (a histogram per node class: thousands of lines with hundreds of
classes), rendered again only when a run was stored since, so a scrape stays cheap.

Names: ``comfyui_`` first, base units (bytes, seconds, celsius, watts, hertz, ratios 0-1),
``_total`` on counters; labels only from bounded sets (``gpu`` = torch index, ``uuid``, ``model``
= the GPU's name, ``class_type``, ``status``, ``hook``): never prompt ids, file names or paths.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .. import log
from ..schemas import QueueState
from ..schemas.monitor import GpuCapabilities, HardwareCapabilities, MonitorSnapshot
from .runs import Histogram, RunMetrics

PREFIX = "comfyui_"
OPENMETRICS = "application/openmetrics-text"


@dataclass(frozen=True)
class SampleCost:
    """The sampler's own cost since start: samples taken and the CPU time they took."""

    samples: int
    cpu_seconds: float


@dataclass(frozen=True)
class MetricSources:
    """Where each figure comes from; every callable is cheap and never touches hardware."""

    snapshot: Callable[[], MonitorSnapshot | None]
    capabilities: Callable[[], tuple[HardwareCapabilities, GpuCapabilities, int] | None]
    queue: Callable[[], QueueState]
    runs: RunMetrics
    build_info: Callable[[], Mapping[str, str]]
    hook_failures: Callable[[], Mapping[str, int]] = dict
    sample_cost: Callable[[], SampleCost] = lambda: SampleCost(0, 0.0)
    # History writer counters: runs stored, and those lost (queue full, closed) or failed.
    history: Callable[[], Mapping[str, int]] = dict


def _core() -> Any:
    from prometheus_client import core

    return core


def _histogram(core: Any, family: Any, labels: list[str], histogram: Histogram) -> None:
    family.add_metric(labels, histogram.cumulative(), histogram.sum_s)


class _LiveCollector:
    def __init__(self, sources: MetricSources) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Any]:
        core = _core()
        src = self.sources
        yield from self._machine(core, src.snapshot(), src.capabilities())
        queue = src.queue()
        for name, value, text in (
            ("queue_running", queue.running, "Workflows executing now"),
            ("queue_pending", queue.queued, "Workflows waiting in ComfyUI's queue"),
        ):
            if value is not None:
                yield core.GaugeMetricFamily(PREFIX + name, text, value=value)
        hooks = core.CounterMetricFamily(
            PREFIX + "swissarmyknife_hook_errors",
            "Failures of the pack's ComfyUI hooks (the workflow went on)",
            labels=["hook"],
        )
        for hook, count in sorted(src.hook_failures().items()):
            hooks.add_metric([hook], count)
        yield hooks
        cost = src.sample_cost()
        yield core.CounterMetricFamily(
            PREFIX + "swissarmyknife_samples", "Hardware samples the pack took", value=cost.samples
        )
        yield core.CounterMetricFamily(
            PREFIX + "swissarmyknife_sample_cpu_seconds",
            "CPU time the pack's sampler spent taking them",
            value=cost.cpu_seconds,
        )
        history = core.CounterMetricFamily(
            PREFIX + "swissarmyknife_history_writes",
            "Finished workflows handed to the history writer, by outcome",
            labels=["outcome"],
        )
        for outcome, count in sorted(src.history().items()):
            history.add_metric([outcome], count)
        yield history
        info = core.InfoMetricFamily(PREFIX + "swissarmyknife_build", "The pack, ComfyUI and torch versions")
        info.add_metric([], dict(src.build_info()))
        yield info

    @staticmethod
    def _machine(
        core: Any,
        snapshot: MonitorSnapshot | None,
        capabilities: tuple[HardwareCapabilities, GpuCapabilities, int] | None,
    ) -> Iterator[Any]:
        if snapshot is None:
            return
        single = (
            (
                "cpu_utilization_ratio",
                None if snapshot.cpu_percent is None else snapshot.cpu_percent / 100,
                "CPU use, 0-1",
            ),
            (
                "cpu_frequency_hertz",
                None if snapshot.cpu_frequency_mhz is None else snapshot.cpu_frequency_mhz * 1e6,
                "CPU clock",
            ),
            ("cpu_temperature_celsius", snapshot.cpu_temperature_c, "CPU package temperature"),
            ("memory_used_bytes", snapshot.ram_used_bytes, "RAM in use (whole machine)"),
            ("memory_total_bytes", snapshot.ram_total_bytes, "RAM installed"),
        )
        for name, value, text in single:
            if value is not None:
                yield core.GaugeMetricFamily(PREFIX + name, text, value=value)
        devices = {d.index: d for d in capabilities[1].devices} if capabilities is not None else {}
        labels = ["gpu", "uuid", "model"]
        families = {
            "utilization": core.GaugeMetricFamily(
                PREFIX + "gpu_utilization_ratio", "GPU use, 0-1", labels=labels
            ),
            "used": core.GaugeMetricFamily(
                PREFIX + "gpu_memory_used_bytes", "VRAM in use (all processes)", labels=labels
            ),
            "total": core.GaugeMetricFamily(
                PREFIX + "gpu_memory_total_bytes", "VRAM installed", labels=labels
            ),
            "temperature": core.GaugeMetricFamily(
                PREFIX + "gpu_temperature_celsius", "GPU temperature", labels=labels
            ),
            "power": core.GaugeMetricFamily(PREFIX + "gpu_power_watts", "GPU power draw", labels=labels),
            "limit": core.GaugeMetricFamily(
                PREFIX + "gpu_power_limit_watts", "GPU power limit", labels=labels
            ),
        }
        for gpu in snapshot.gpus:
            device = devices.get(gpu.index)
            values = [str(gpu.index), (device.uuid or "") if device else "", device.name if device else ""]
            for key, value in (
                ("utilization", None if gpu.utilization_percent is None else gpu.utilization_percent / 100),
                ("used", gpu.vram_used_bytes),
                ("total", gpu.vram_total_bytes),
                ("temperature", gpu.temperature_c),
                ("power", gpu.power_draw_watts),
                ("limit", gpu.power_limit_watts),
            ):
                if value is not None:
                    families[key].add_metric(values, value)
        yield from (f for f in families.values() if f.samples)


class _RunsCollector:
    def __init__(self, runs: RunMetrics) -> None:
        self.runs = runs

    def collect(self) -> Iterator[Any]:
        core = _core()
        totals = self.runs.totals()
        workflows = core.CounterMetricFamily(
            PREFIX + "workflows", "Workflows stored, by how they ended", labels=["status"]
        )
        for status, count in sorted(totals.workflows.items()):
            workflows.add_metric([status], count)
        yield workflows
        duration = core.HistogramMetricFamily(
            PREFIX + "workflow_duration_seconds", "Successful workflows' time"
        )
        _histogram(core, duration, [], totals.workflow_duration)
        yield duration
        nodes = core.HistogramMetricFamily(
            PREFIX + "node_duration_seconds", "Executed nodes' time, by node class", labels=["class_type"]
        )
        for class_type, histogram in sorted(totals.node_duration.items()):
            _histogram(core, nodes, [class_type], histogram)
        yield nodes
        yield core.CounterMetricFamily(
            PREFIX + "node_cache_hits", "Nodes served from ComfyUI's cache", value=totals.cache_hits
        )
        yield core.CounterMetricFamily(
            PREFIX + "node_cache_misses", "Nodes executed (not cached)", value=totals.cache_misses
        )
        ooms = core.CounterMetricFamily(
            PREFIX + "oom", "Out-of-memory errors captured, by node class", labels=["class_type"]
        )
        for class_type, count in sorted(totals.ooms.items()):
            ooms.add_metric([class_type], count)
        yield ooms


@dataclass
class _Cached:
    generation: int = -1
    body: bytes = b""


# A scrape within this long keeps the runs' part rendered ahead of the next one.
SCRAPED_RECENTLY_S = 600.0


class MetricsExposition:
    """Renders the scrape; safe from any thread.

    The runs' part is cached per format and rendered again after a run is stored, on a thread of
    its own (``runs_changed``), while someone scrapes: the scrape that follows serves bytes. Nobody
    scraping for 10 minutes: nothing is rendered until the next scrape asks.
    """

    def __init__(self, sources: MetricSources, *, clock: Callable[[], float] = time.monotonic) -> None:
        # prometheus_client is imported at the first scrape, not here: without it the pack still
        # loads (the plugin builds this at ComfyUI's start) and only the route says what is missing.
        self.sources = sources
        self._clock = clock
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._cache: dict[bool, _Cached] = {}
        self._last_scrape = float("-inf")
        self._registries: tuple[Any, Any] | None = None
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def _registry(self, live: bool) -> Any:
        """The live or the runs' registry, made on first use."""
        with self._lock:
            if self._registries is None:
                from prometheus_client import CollectorRegistry

                live_registry = CollectorRegistry(auto_describe=False)
                live_registry.register(_LiveCollector(self.sources))
                runs_registry = CollectorRegistry(auto_describe=False)
                runs_registry.register(_RunsCollector(self.sources.runs))
                self._registries = (live_registry, runs_registry)
            return self._registries[0 if live else 1]

    @staticmethod
    def _encoder(openmetrics: bool) -> Callable[[Any], bytes]:
        if openmetrics:
            from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

            return openmetrics_latest
        from prometheus_client.exposition import generate_latest

        return generate_latest

    def _render_runs(self, openmetrics: bool) -> bytes:
        with self._render_lock:
            generation = self.sources.runs.generation
            cached = self._cache.get(openmetrics)
            if cached is not None and cached.generation == generation:
                return cached.body
            body = self._encoder(openmetrics)(self._registry(live=False))
            with self._lock:
                self._cache[openmetrics] = _Cached(generation, body)
            return body

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The body and its content type for a scraper's ``Accept`` header."""
        from prometheus_client.exposition import choose_encoder

        encoder, content_type = choose_encoder(accept or "")
        openmetrics = content_type.startswith(OPENMETRICS)
        with self._lock:
            self._last_scrape = self._clock()
            cached = self._cache.get(openmetrics)
        # Being rendered ahead (a run was just stored): serve the last one, a moment behind.
        if cached is not None and (
            cached.generation == self.sources.runs.generation or self._render_lock.locked()
        ):
            runs = cached.body
        else:
            runs = self._render_runs(openmetrics)
        live = encoder(self._registry(live=True))
        if openmetrics:
            # One document: the runs' part without its end marker, then the live part with its own.
            runs = runs.removesuffix(b"# EOF\n")
        return runs + live, content_type

    def runs_changed(self) -> None:
        """A run was stored (the writer thread): render the runs' part ahead if someone scrapes."""
        with self._lock:
            if self._clock() - self._last_scrape > SCRAPED_RECENTLY_S:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._ahead, name="swissarmyknife-metrics", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _ahead(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                formats = list(self._cache)
            for openmetrics in formats:
                try:
                    self._render_runs(openmetrics)
                except Exception:
                    log.at_most_every("metrics-render", 300.0, "rendering the metrics failed")


def available() -> str | None:
    """None when prometheus_client can be imported, else why not (for a 503 and one log line)."""
    try:
        import prometheus_client  # noqa: F401
    except ImportError as exc:
        return f"prometheus_client is not installed ({exc}); pip install prometheus_client"
    return None
