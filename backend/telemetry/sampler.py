"""The one sampler thread: reads every source on a schedule and publishes immutable snapshots."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from .. import log
from ..schemas import (
    GpuCapabilities,
    GpuDevice,
    GpuSample,
    HardwareCapabilities,
    MonitorEvent,
    MonitorSnapshot,
)
from ..schemas.monitor import MAX_HISTORY_SECONDS
from ._numbers import finite_float, non_negative_float, non_negative_int, percent, positive_int
from .base import CpuReading, GpuDetails, empty_gpu_sample
from .probe import DEFAULT_REPROBE_INTERVAL_S, Prober
from .schedule import MAX_INTERVAL_S, MIN_INTERVAL_S, Schedule, validate_interval_s
from .sources import TelemetrySources

# The ring's size: its longest span at the shortest interval.
RING_SAMPLES = int(MAX_HISTORY_SECONDS / MIN_INTERVAL_S)

# A sample in the ring as plain tuples (~6x smaller than the models: 2.3 MiB for 1,200 samples of
# 8 GPUs instead of 12.7), rebuilt into models when asked for.
_Gpu = tuple[int, float | None, int | None, int | None, float | None, float | None, float | None]
_Compact = tuple[float, float | None, float | None, float | None, int | None, int | None, tuple[_Gpu, ...]]


def _compact(s: MonitorSnapshot) -> _Compact:
    gpus = tuple(
        (
            g.index,
            g.utilization_percent,
            g.vram_used_bytes,
            g.vram_total_bytes,
            g.temperature_c,
            g.power_draw_watts,
            g.power_limit_watts,
        )
        for g in s.gpus
    )
    return (
        s.sampled_at,
        s.cpu_percent,
        s.cpu_frequency_mhz,
        s.cpu_temperature_c,
        s.ram_used_bytes,
        s.ram_total_bytes,
        gpus,
    )


def _expand(c: _Compact) -> MonitorSnapshot:
    # model_construct: these values were validated when the sample was taken.
    gpus = [
        GpuSample.model_construct(
            index=g[0],
            utilization_percent=g[1],
            vram_used_bytes=g[2],
            vram_total_bytes=g[3],
            temperature_c=g[4],
            power_draw_watts=g[5],
            power_limit_watts=g[6],
        )
        for g in c[6]
    ]
    return MonitorSnapshot.model_construct(
        sampled_at=c[0],
        cpu_percent=c[1],
        cpu_frequency_mhz=c[2],
        cpu_temperature_c=c[3],
        ram_used_bytes=c[4],
        ram_total_bytes=c[5],
        gpus=gpus,
    )


# Re-exported for callers that import them from here; prefer backend.telemetry.
__all__ = [
    "MAX_INTERVAL_S",
    "MIN_INTERVAL_S",
    "THREAD_NAME",
    "MonitorSubscriber",
    "Sampler",
    "Schedule",
    "TelemetrySources",
    "validate_interval_s",
]

THREAD_NAME = "swissarmyknife-sampler"

MonitorSubscriber = Callable[[MonitorEvent], None]


class Sampler:
    """Samples CPU, RAM and GPUs on one daemon thread and publishes immutable ``MonitorSnapshot``s.

    Readers (REST handlers, the Prometheus exporter) call ``latest()``, which never blocks on
    hardware. Subscribers (the websocket broadcaster) get one ``MonitorEvent`` per sample, on
    the sampler thread, while at least one client is connected.
    """

    def __init__(
        self,
        sources: TelemetrySources | None = None,
        *,
        interval_s: float = 2.0,
        idle_interval_s: float = 30.0,
        demand_ttl_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        reprobe_interval_s: float = DEFAULT_REPROBE_INTERVAL_S,
        client_count: Callable[[], int] | None = None,
    ) -> None:
        """Create a stopped sampler.

        Args:
            sources: what to read; ``TelemetrySources.default()`` (the real hardware) if None.
            interval_s: sampling period while someone looks, 0.5..10 s.
            idle_interval_s: sampling period when nobody looks.
            demand_ttl_s: how long ``note_demand`` keeps the fast period.
            clock: monotonic seconds, for scheduling.
            wall_clock: Unix seconds, for ``MonitorSnapshot.sampled_at``.
            reprobe_interval_s: how often capabilities are probed again.
            client_count: for hosts without connect/disconnect hooks (ComfyUI's PromptServer):
                returns the number of connected websocket clients. The thread polls it every
                ``interval_s`` (a call, not a sample) and applies it like ``set_active_clients``.

        Raises:
            ValueError: an interval out of range.
        """
        interval = validate_interval_s(interval_s)
        if not (math.isfinite(idle_interval_s) and idle_interval_s > 0):
            raise ValueError(f"idle_interval_s must be positive, got {idle_interval_s!r}")
        if not (math.isfinite(demand_ttl_s) and demand_ttl_s >= 0):
            raise ValueError(f"demand_ttl_s must be >= 0, got {demand_ttl_s!r}")
        self._sources = sources if sources is not None else TelemetrySources.default()
        self._clock = clock
        self._wall_clock = wall_clock
        self._prober = Prober(self._sources, reprobe_interval_s=reprobe_interval_s, clock=clock)
        self._schedule = Schedule(
            interval_s=interval, idle_interval_s=idle_interval_s, demand_ttl_s=demand_ttl_s
        )
        # _state_lock: schedule, flags, subscribers, thread bookkeeping (held for microseconds).
        # _tick_lock: one sample at a time, whether from the thread or sample_once().
        self._state_lock = threading.Lock()
        self._tick_lock = threading.Lock()
        self._wake = threading.Event()
        self._first = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_running = False
        self._stop_requested = False
        self._close_on_exit = False
        self._sample_requested = False
        self._client_count = client_count
        self._samples = 0
        self._sample_cpu_s = 0.0
        # The last samples taken (GET /monitor/history: a page opened draws them at once) and
        # their costs; bounded: 10 minutes at the shortest interval.
        self._ring_lock = threading.Lock()
        self._ring: deque[_Compact] = deque(maxlen=RING_SAMPLES)
        self._costs: deque[float] = deque(maxlen=100)
        self._subscribers: tuple[MonitorSubscriber, ...] = ()
        self._latest: MonitorSnapshot | None = None
        self._capabilities: tuple[HardwareCapabilities, GpuCapabilities, int] | None = None

    @property
    def interval_s(self) -> float:
        """The sampling period while someone looks, in seconds."""
        return self._schedule.interval_s

    @property
    def running(self) -> bool:
        """Whether the sampler thread is running."""
        return self._thread_running

    def start(self) -> None:
        """Start the sampler thread; does nothing if it already runs."""
        with self._state_lock:
            if self._thread_running:
                if self._stop_requested:
                    log.warning("sampler start() ignored: the previous sampler thread is still stopping")
                return
            self._stop_requested = False
            self._close_on_exit = False
            self._wake.clear()
            self._thread_running = True
            self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread, wait for it, and shut the sources (NVML) down; safe to call twice.

        Args:
            timeout_s: how long to wait for a sample in progress (a hung driver call) to end;
                if it does not, the thread shuts the sources down itself when it ends.
        """
        with self._state_lock:
            thread = self._thread
            self._stop_requested = True
            self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        with self._state_lock:
            if self._thread_running:
                self._close_on_exit = True
                if thread is not threading.current_thread():
                    log.warning(
                        f"sampler thread did not stop within {timeout_s} s; "
                        "it will close the sources when it ends"
                    )
                return
            self._thread = None
        self._close_sources()

    def latest(self) -> MonitorSnapshot | None:
        """The most recent snapshot, ``None`` before the first; never blocks on hardware."""
        return self._latest

    def capabilities(self) -> tuple[HardwareCapabilities, GpuCapabilities, int] | None:
        """``(hardware, gpu, capabilities_version)`` as of the latest probe, ``None`` before it."""
        return self._capabilities

    def sample_cost(self) -> tuple[int, float]:
        """(samples taken, CPU seconds the sampling took) since start."""
        return self._samples, self._sample_cpu_s

    def sample_cpu_ms(self) -> float | None:
        """CPU milliseconds per sample, the mean of the last 100; None before the first."""
        with self._ring_lock:
            costs = list(self._costs)
        return sum(costs) / len(costs) * 1000 if costs else None

    def inspect_gpu(self, index: int) -> tuple[GpuDevice, GpuDetails] | None:
        """One GPU in detail from the source that reports it, read now (blocking: driver calls;
        the inspector's, never a tick's); None when no source has ``cuda:index``."""
        capabilities = self._capabilities
        devices = {d.index: d for d in capabilities[1].devices} if capabilities is not None else {}
        device = devices.get(index)
        if device is None:
            return None
        for source, indices in self._prober.devices_by_source:
            if index not in indices:
                continue
            try:
                details = source.inspect(index)
            except Exception as exc:
                log.at_most_every(
                    f"telemetry.inspect.{source.name}", 300.0, f"{source.name} inspect failed: {exc!r}"
                )
                details = None
            return device, details if details is not None else GpuDetails()
        return None

    def history(self, seconds: float) -> list[MonitorSnapshot]:
        """The samples taken in the last ``seconds`` (wall clock), oldest first; never samples."""
        since = self._wall_clock() - seconds
        with self._ring_lock:
            kept = [c for c in self._ring if c[0] >= since]
        return [_expand(c) for c in kept]

    def wait_for_first(self, timeout_s: float) -> bool:
        """Block until the first snapshot exists (call it from an executor, not the event loop).

        Returns:
            Whether a snapshot exists.
        """
        return self._first.wait(timeout_s)

    def set_interval(self, interval_s: float) -> None:
        """Change the sampling period used while someone looks.

        Raises:
            ValueError: not a number, or outside 0.5..10 s.
        """
        value = validate_interval_s(interval_s)
        with self._state_lock:
            self._schedule.interval_s = value
        self._wake.set()

    def set_active_clients(self, count: int) -> None:
        """Tell the sampler how many websocket clients are connected (>0 means sample at ``interval_s``).

        Raises:
            ValueError: a negative count.
        """
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        self._apply_client_count(count)
        self._wake.set()

    def _apply_client_count(self, count: int) -> bool:
        with self._state_lock:
            now = self._clock()
            was_active = self._schedule.is_active(now)
            changed = self._schedule.active_clients != count
            self._schedule.active_clients = count
            if count > 0 and not was_active:
                # Someone started looking: give them a fresh sample now, not after the idle wait.
                self._sample_requested = True
        return changed

    def note_demand(self) -> None:
        """Record a REST read or Prometheus scrape: sample at ``interval_s`` for ``demand_ttl_s``."""
        with self._state_lock:
            now = self._clock()
            was_active = self._schedule.is_active(now)
            self._schedule.note_demand(now)
            if was_active:
                return
            self._sample_requested = True
        self._wake.set()

    def request_sample(self) -> None:
        """Wake the thread to sample now."""
        with self._state_lock:
            self._sample_requested = True
        self._wake.set()

    def request_probe(self) -> None:
        """Probe capabilities again before the next sample, and sample now."""
        # A plain flag write: never wait for a sample in progress (it may be a hung driver call).
        self._prober.request()
        self.request_sample()

    def subscribe(self, callback: MonitorSubscriber) -> Callable[[], None]:
        """Call ``callback(event)`` on the sampler thread after each sample while clients are connected.

        A callback that raises is logged (rate-limited) and keeps its subscription; it never
        stops the thread. Callbacks must be quick (e.g. ``PromptServer.send_sync``).

        Returns:
            A function that removes the subscription (safe to call more than once).
        """
        with self._state_lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._state_lock:
                remaining = list(self._subscribers)
                if callback in remaining:
                    remaining.remove(callback)
                    self._subscribers = tuple(remaining)

        return unsubscribe

    def sample_once(self) -> MonitorSnapshot:
        """Probe if due, sample, publish and notify, synchronously on the calling thread.

        For tests and benchmarks; the thread does the same on its schedule.

        Raises:
            Exception: whatever a broken source raised while the snapshot was being assembled.
        """
        snapshot, version = self._tick()
        self._notify(snapshot, version)
        return snapshot

    def _run(self) -> None:
        try:
            self._run_loop()
        except BaseException as exc:  # report, then let the interpreter see it
            log.warning(f"sampler thread crashed: {exc!r}", exc_info=True)
            raise
        finally:
            with self._state_lock:
                self._thread_running = False
                close = self._close_on_exit
                self._close_on_exit = False
            if close:
                self._close_sources()

    def _run_loop(self) -> None:
        # The first sample a page sees has a real CPU figure: the counters' baseline first, then
        # the shortest window they resolve (stop() still wakes the thread at once).
        try:
            wait_s = self._sources.cpu.prime()
        except Exception as exc:
            log.at_most_every("telemetry.sampler.prime", 300.0, f"priming the CPU counters failed: {exc!r}")
            wait_s = 0.0
        if wait_s > 0:
            self._wake.wait(wait_s)
            self._wake.clear()
        self._safe_tick()
        anchor = self._clock()
        self._resolve_slow_facts()
        while True:
            self._poll_client_count()
            with self._state_lock:
                if self._stop_requested:
                    return
                now = self._clock()
                requested = self._sample_requested
                deadline = self._schedule.deadline(anchor, now)
                period_s = self._schedule.period_s(now)
                if requested or now >= deadline:
                    self._sample_requested = False
            if not requested and now < deadline:
                # Woken early by a setting change, a new client or stop(): re-evaluate.
                wait_s = deadline - now
                if self._client_count is not None:
                    # Polled hosts get no wake-up on connect: check again within interval_s.
                    wait_s = min(wait_s, self._schedule.interval_s)
                self._wake.wait(wait_s)
                self._wake.clear()
                continue
            self._safe_tick()
            anchor = now if requested else Schedule.next_anchor(deadline, now, period_s)
            self._resolve_slow_facts()

    def _poll_client_count(self) -> None:
        if self._client_count is None:
            return
        try:
            count = int(self._client_count())
        except Exception as exc:
            log.at_most_every("telemetry.sampler.client_count", 300.0, f"client_count() failed: {exc!r}")
            return
        self._apply_client_count(max(0, count))

    def _safe_tick(self) -> None:
        try:
            snapshot, version = self._tick()
        except Exception as exc:
            log.at_most_every("telemetry.sampler.tick", 60.0, f"sampling failed: {exc!r}")
            return
        self._notify(snapshot, version)

    def _tick(self) -> tuple[MonitorSnapshot, int]:
        with self._tick_lock:
            if self._prober.due():
                self._prober.probe()
            capabilities = self._prober.current
            if capabilities is None:  # probe() always sets it; guards against a broken subclass
                raise RuntimeError("capabilities were not probed")
            started_cpu_s = time.thread_time()
            snapshot = self._take_snapshot()
            # The sampler's own cost (this thread's CPU time), for the status and the metrics.
            cost_s = time.thread_time() - started_cpu_s
            self._samples += 1
            self._sample_cpu_s += cost_s
            with self._ring_lock:
                self._costs.append(cost_s)
                self._ring.append(_compact(snapshot))
            self._capabilities = (capabilities.hardware, capabilities.gpu, capabilities.version)
            self._latest = snapshot
        self._first.set()
        return snapshot, capabilities.version

    def _resolve_slow_facts(self) -> None:
        try:
            learned = self._sources.cpu.resolve_slow_facts()
        except Exception as exc:
            log.at_most_every("telemetry.sampler.slow_facts", 300.0, f"CPU model lookup failed: {exc!r}")
            return
        if not learned:
            return
        with self._tick_lock:
            # Publish the new facts now rather than at the next (possibly idle, 30 s away) tick.
            self._prober.probe()
            capabilities = self._prober.current
            if capabilities is not None:
                self._capabilities = (capabilities.hardware, capabilities.gpu, capabilities.version)

    def _notify(self, snapshot: MonitorSnapshot, version: int) -> None:
        with self._state_lock:
            if self._schedule.active_clients <= 0:
                return
            subscribers = self._subscribers
        if not subscribers:
            return
        event = MonitorEvent(capabilities_version=version, snapshot=snapshot)
        for callback in subscribers:
            try:
                callback(event)
            except Exception as exc:
                name = getattr(callback, "__qualname__", type(callback).__name__)
                log.at_most_every(
                    f"telemetry.sampler.subscriber.{name}",
                    60.0,
                    f"monitor subscriber raised {exc!r}; the sampler keeps running",
                )

    def _take_snapshot(self) -> MonitorSnapshot:
        cpu = self._read_cpu()
        gpus: list[GpuSample] = []
        for source, indices in self._prober.devices_by_source:
            if not indices:
                continue
            try:
                samples = source.sample()
            except Exception as exc:
                # One library failing this tick blanks its own devices only; retried next tick.
                log.at_most_every(
                    f"telemetry.sampler.gpu.{source.name}", 300.0, f"{source.name} sample failed: {exc!r}"
                )
                samples = []
            by_index = {sample.index: sample for sample in samples}
            for index in indices:
                sample = by_index.get(index)
                gpus.append(_sanitize_gpu(sample) if sample is not None else empty_gpu_sample(index))
        gpus.sort(key=lambda sample: sample.index)
        sampled_at = finite_float(self._wall_clock())
        return MonitorSnapshot(
            sampled_at=sampled_at if sampled_at is not None else time.time(),
            cpu_percent=percent(cpu.cpu_percent),
            cpu_frequency_mhz=non_negative_float(cpu.cpu_frequency_mhz),
            cpu_temperature_c=finite_float(cpu.cpu_temperature_c),
            ram_used_bytes=non_negative_int(cpu.ram_used_bytes),
            ram_total_bytes=positive_int(cpu.ram_total_bytes),
            gpus=gpus,
        )

    def _read_cpu(self) -> CpuReading:
        try:
            return self._sources.cpu.sample()
        except Exception as exc:
            log.at_most_every("telemetry.sampler.cpu", 300.0, f"CPU sample failed: {exc!r}")
            return CpuReading()

    def _close_sources(self) -> None:
        with self._tick_lock:
            self._sources.close()


def _sanitize_gpu(sample: GpuSample) -> GpuSample:
    # Sources already clean their numbers; this is the last line before the JSON contract.
    return GpuSample(
        index=sample.index,
        utilization_percent=percent(sample.utilization_percent),
        vram_used_bytes=non_negative_int(sample.vram_used_bytes),
        vram_total_bytes=positive_int(sample.vram_total_bytes),
        temperature_c=finite_float(sample.temperature_c),
        power_draw_watts=non_negative_float(sample.power_draw_watts),
        power_limit_watts=non_negative_float(sample.power_limit_watts),
    )
