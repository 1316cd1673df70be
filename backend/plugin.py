"""The composition root: builds the sampler and routes, wires them to a host, starts and stops them."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import log
from .actions import ActionServices, ClearVram, RestartService, UnloadModels
from .actions.restart import RestartError, RestartPlan, current_plan, execute_restart
from .api import ApiServices, ProfilerServices, build_endpoints, route_specs
from .api.guards import RequestGuard
from .host.base import HostAdapter
from .metrics import MetricsExposition, MetricSources, RunMetrics, SampleCost
from .profiler import Recorder
from .profiler.environment import read_fingerprint
from .profiler.graph import workflow_hash
from .profiler.memory import MemoryProbe
from .profiler.oom import oom_notice
from .profiler.pressure import PressureChange
from .profiler.prevention import oom_risk
from .profiler.settings import SETTINGS_FILE_NAME as PROFILER_SETTINGS_FILE
from .profiler.settings import profiler_settings
from .schemas import RestartEvent
from .schemas.environment import EnvironmentFingerprint
from .schemas.events import AnyServerEvent, event_name
from .schemas.oom import OomRisk, OomRiskEvent, VramPressureEvent
from .schemas.profiler import HistoryChangedEvent, ProfilerEvent, WorkflowRecord, WorkflowSummary
from .storage import HistoryStore
from .telemetry import Sampler, TelemetrySources
from .telemetry.cpu import rss_reader
from .telemetry.nvml import nvidia_driver_version
from .telemetry.settings import SETTINGS_FILE_NAME, monitor_settings
from .tracing import workflow_span_sink
from .version import __version__

# Set to 0/off to run the pack without recording workflows (the hooks then pass straight through).
PROFILER_SWITCH_ENV = "SWISSARMYKNIFE_PROFILER"


class Plugin:
    """One running instance of the pack inside one host."""

    def __init__(self, host: HostAdapter, sources: TelemetrySources | None = None) -> None:
        self.host = host
        self.sampler = Sampler(sources, client_count=host.client_count)
        # The saved sample interval applies before the first tick.
        self.monitor_settings = monitor_settings(self.sampler, host.data_directory() / SETTINGS_FILE_NAME)
        self.monitor_settings.load()
        # Fed by the host's execution hooks (backend/host/comfyui_hooks/ inside ComfyUI).
        self.recorder = Recorder()
        # Memory around each node; its accurate-GPU-timing switch is a saved profiler setting.
        self.memory_probe = MemoryProbe(rss_reader())
        # Finished workflows persist under the host's data directory; the writer thread opens the
        # database on start (never on ComfyUI's import path) and submit() only enqueues.
        self.history = HistoryStore(host.data_directory())
        # The execution thread only hands a finished workflow over: the writer builds its record.
        self.recorder.add_sink(self.history.submit)
        self.recorder.add_oom_sink(self.history.submit_oom)
        # Announced after the commit, so a page that refetches /stats on the event finds the run.
        self.history.subscribe(self._broadcast_workflow)
        self.history.subscribe_changes(lambda reason: self.broadcast(HistoryChangedEvent(reason=reason)))
        self.history.subscribe_oom(lambda event: self.broadcast(oom_notice(event)))
        # Prometheus: counters of the stored runs, fed on the writer thread (never ComfyUI's), and
        # the scrape over them, the sampler's latest snapshot and the pack's own counters.
        self._fingerprint: EnvironmentFingerprint | None = None
        self._environment_read = threading.Event()
        self.run_metrics = RunMetrics()
        self.metrics = MetricsExposition(
            MetricSources(
                snapshot=self.sampler.latest,
                capabilities=self.sampler.capabilities,
                queue=host.queue_state,
                runs=self.run_metrics,
                build_info=self._build_info,
                hook_failures=host.hook_failures,
                sample_cost=lambda: SampleCost(*self.sampler.sample_cost()),
                history=self._history_outcomes,
            )
        )

        def observed(record: WorkflowRecord) -> None:
            self.run_metrics.observe(record)
            self.metrics.runs_changed()

        self.history.subscribe_records(observed)
        # OpenTelemetry, when the OTEL_* variables ask for it: spans from each stored run.
        self._spans = workflow_span_sink()
        if self._spans is not None:
            self.history.subscribe_records(self._spans)
        self.history.subscribe_oom(lambda event: self.run_metrics.observe_oom(event.node_type))
        # A run's VRAM pressure before a node, as it changes level: the HUD's tile and the popup.
        self.recorder.pressure.add_listener(self._broadcast_pressure)
        # Who else must hear the profiler go on or off (inside ComfyUI: attaching the hooks).
        self._profiling_listeners: list[Callable[[bool], None]] = []
        self.profiler_locked_reason = profiler_locked_reason()
        self.profiler_settings = profiler_settings(
            self.memory_probe,
            host.data_directory() / PROFILER_SETTINGS_FILE,
            set_enabled=self.set_profiling,
            set_max_workflows=self.history.set_max_workflows,
            set_vram_thresholds=self.recorder.pressure.set_thresholds,
            locked_reason=self.profiler_locked_reason,
        )
        self.profiler_settings.load()
        # Guarded actions (restart, clear VRAM, ...): one token per process; the host's exposure
        # (--listen, CORS) is read on every guarded request.
        self.guard = RequestGuard(exposure=host.exposure)
        self._close_hooks: list[Callable[[], None]] = [self.history.close]
        if self._spans is not None:
            # Hooks run last-added first: the spans' flush goes after history's (its last runs' too).
            self._close_hooks.insert(0, self._spans.shutdown)
        self._closed = False
        actions = ActionServices(
            queue=host,
            restart=RestartService(current_plan, self.restart_now),
            clear_vram=ClearVram(host, self.sampler),
            unload=UnloadModels(host),
        )
        self.endpoints = build_endpoints(
            ApiServices(
                version=__version__,
                sampler=self.sampler,
                monitor_settings=self.monitor_settings,
                guard=self.guard,
                actions=actions,
                profiler=ProfilerServices(
                    history=self.history,
                    live=self.recorder,
                    settings=self.profiler_settings,
                    enabled_locked_reason=self.profiler_locked_reason,
                ),
                metrics=self.metrics,
                device_models=host.models_on_device,
            )
        )
        self._unsubscribe: Any = None
        self._lock = threading.Lock()
        self._started = False
        # A queued prompt whose workflow may not fit is warned of before it runs, never held back:
        # the host's queue handler only hands the prompt to this thread.
        self._risk_checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="swissarmyknife-oom-risk")
        self._close_hooks.append(lambda: self._risk_checks.shutdown(wait=False, cancel_futures=True))
        host.on_prompt_queued(self._prompt_queued)

    def register_routes(self) -> None:
        self.host.register_routes(route_specs(self.endpoints))

    def start(self) -> None:
        """Start sampling; idempotent."""
        with self._lock:
            if self._started:
                return
            self._started = True
            self._unsubscribe = self.sampler.subscribe(self.broadcast)
            self.sampler.start()
            self.history.start()
            # The environment runs are recorded in: read once, off the caller's thread (torch asks
            # the driver for GPU names; NVML for its version).
            threading.Thread(
                target=self._read_environment, name="swissarmyknife-environment", daemon=True
            ).start()

    def stop(self) -> None:
        """Stop sampling and release NVML; idempotent."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            if self._unsubscribe is not None:
                self._unsubscribe()
            self.sampler.stop()

    def set_profiling(self, enabled: bool) -> None:
        """Record workflows or not (the profiler's ``enabled`` setting); tells the listeners."""
        enabled = enabled and self.profiler_locked_reason is None
        self.recorder.set_enabled(enabled)
        for listener in list(self._profiling_listeners):
            try:
                listener(enabled)
            except Exception:
                log.warning("a profiler on/off listener failed", exc_info=True)

    def on_profiling(self, listener: Callable[[bool], None]) -> None:
        """Call ``listener`` with the profiler's state now and whenever it is turned on or off."""
        self._profiling_listeners.append(listener)
        listener(self.recorder.enabled)

    def add_close_hook(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the plugin closes for good (restart or exit), e.g. to flush a store."""
        self._close_hooks.append(hook)

    def close(self) -> None:
        """Stop sampling, then run the close hooks, last added first; idempotent, never raises."""
        self.stop()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            hooks = list(reversed(self._close_hooks))
        for hook in hooks:
            try:
                hook()
            except Exception:
                log.warning(f"close hook {getattr(hook, '__qualname__', hook)!r} failed", exc_info=True)

    def restart_now(self, plan: RestartPlan) -> None:
        """Close everything, then restart as ``plan`` says (backend/restart); returns only on failure."""
        try:
            execute_restart(plan, before_exit=self.close)
        except RestartError as exc:
            log.warning(f"Restart failed: {exc}")
            self.broadcast(RestartEvent(message=f"The restart failed ({exc}); restart ComfyUI by hand."))
            self.start()  # keep the monitor alive; whatever the hooks closed stays closed

    def _prompt_queued(self, prompt: Mapping[str, Any], prompt_id: str | None, client_id: str | None) -> None:
        if not self.recorder.enabled:
            return
        with contextlib.suppress(RuntimeError):  # closing: no new checks
            self._risk_checks.submit(self.check_oom_risk, prompt, prompt_id, client_id)

    def check_oom_risk(
        self, prompt: Mapping[str, Any], prompt_id: str | None = None, client_id: str | None = None
    ) -> OomRisk | None:
        """Warn (a log line, ``swissarmyknife.profiler.oom_risk``) when ``prompt``'s workflow peaked
        higher than the device has free now; blocking (reads history and the device)."""
        try:
            peak = self.history.workflow_peak(workflow_hash(prompt))
            device = self.host.device_now() if peak is not None else None
            if peak is None or device is None:
                return None
            risk = oom_risk(peak, device)
        except Exception:
            log.at_most_every("oom-risk", 60.0, "the check before a queued run failed; it runs unchecked")
            return None
        if risk is not None:
            log.warning(f"before the run: {risk.message}")
            self.broadcast(OomRiskEvent(prompt_id=prompt_id, client_id=client_id, risk=risk))
        return risk

    def broadcast(self, event: AnyServerEvent) -> None:
        """Send one of the plugin's events (``backend.schemas.events``) to every page, under its name."""
        self.host.send_event(event_name(event), event.model_dump(mode="json"))

    def _broadcast_pressure(self, change: PressureChange) -> None:
        warning, critical = self.recorder.pressure.thresholds
        self.broadcast(
            VramPressureEvent(
                prompt_id=change.prompt_id,
                level=change.level,
                node_id=change.node_id,
                node_type=change.node_type,
                percent=change.percent,
                free_bytes=change.free_bytes,
                total_bytes=change.total_bytes,
                device_index=change.device_index,
                warning_percent=warning,
                critical_percent=critical,
            )
        )

    def _build_info(self) -> dict[str, str]:
        """The versions a fleet's dashboards group by (the fingerprint's, once it is read)."""
        fingerprint = self._fingerprint
        return {
            "pack_version": __version__,
            "comfyui_version": (fingerprint.comfyui_version if fingerprint else None) or "",
            "torch_version": (fingerprint.torch_version if fingerprint else None) or "",
            "host": self.host.name,
        }

    def _history_outcomes(self) -> dict[str, int]:
        counters = self.history.counters()
        return {
            "written": counters.written,
            "duplicate": counters.duplicates,
            "dropped": counters.dropped,
            "failed": counters.failed,
        }

    def wait_for_environment(self, timeout_s: float) -> EnvironmentFingerprint | None:
        """This process's environment once read at start (None: not read in time, or unreadable)."""
        self._environment_read.wait(timeout_s)
        return self._fingerprint

    def _read_environment(self) -> None:
        try:
            fingerprint = read_fingerprint(
                self.host.environment_facts(),
                pack_version=__version__,
                gpu_driver_version=nvidia_driver_version(),
            )
        except Exception:
            # Never fatal: runs are then recorded without an environment.
            log.warning(
                "could not read the environment's fingerprint; runs are recorded without one", exc_info=True
            )
            return
        self._fingerprint = fingerprint
        self.history.set_environment(fingerprint)

    def _broadcast_workflow(self, summary: WorkflowSummary) -> None:
        # A compact summary: the nodes stay on the server (GET .../workflows/{prompt_id}).
        self.broadcast(ProfilerEvent(workflow=summary))


def create_plugin(host: HostAdapter, sources: TelemetrySources | None = None) -> Plugin:
    plugin = Plugin(host, sources)
    plugin.register_routes()
    plugin.start()
    log.info(f"resource monitor {__version__} ready ({host.name})")
    return plugin


def load_into_comfyui() -> Plugin | None:
    """Create the plugin inside a running ComfyUI; None (with one log line) anywhere else."""
    from .host.comfyui import ComfyHost, prompt_server

    instance = prompt_server()
    if instance is None:
        log.info("ComfyUI's PromptServer is not running; routes not registered")
        return None
    plugin = create_plugin(ComfyHost(instance))
    atexit.register(plugin.close)
    from .host import comfyui_hooks

    if plugin.profiler_locked_reason is not None:
        log.info(f"the workflow profiler is off ({PROFILER_SWITCH_ENV}); the monitor still runs")

    def follow(enabled: bool) -> None:
        # Off, the hooks pass straight through: not even the memory probe runs per node.
        if enabled:
            comfyui_hooks.attach(plugin.recorder, plugin.memory_probe)
        else:
            comfyui_hooks.detach()

    plugin.on_profiling(follow)
    comfyui_hooks.STATE.oom_listeners.append(plugin.recorder.capture_oom)
    return plugin


def profiler_locked_reason(environ: Mapping[str, str] | None = None) -> str | None:
    """Why the profiler stays off in this process (``SWISSARMYKNIFE_PROFILER=0``), or None."""
    env = os.environ if environ is None else environ
    if env.get(PROFILER_SWITCH_ENV, "").strip().lower() in {"0", "off", "false", "no"}:
        return (
            f"the operator turned the profiler off for this server ({PROFILER_SWITCH_ENV}="
            f"{env.get(PROFILER_SWITCH_ENV)}); unset it and restart to record workflows"
        )
    return None
