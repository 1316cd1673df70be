// Typed sample payloads for component and store tests, one factory per payload type (named after
// it, overrides as the argument); the shapes come from the generated API types.
import type {
  ClearVramResult,
  GpuDevice,
  GpuInspection,
  MonitorEvent,
  MonitorHistory,
  MonitorSettings,
  MonitorSnapshot,
  MonitorStatus,
  NodeRecord,
  ProfilerStats,
  RestartAccepted,
  SessionInfo,
  VramDeviceReport,
  WorkflowAverage,
  WorkflowRecord,
  WorkflowSummary,
} from "../api/types";

export const GIB = 1024 ** 3;

export function gpuDevice(index: number, name: string, vramGiB: number): GpuDevice {
  return {
    index,
    name,
    vendor: "nvidia",
    source: "fake",
    uuid: `GPU-${index}`,
    pci_bus_id: null,
    vram_total_bytes: vramGiB * GIB,
    supports: { utilization: true, vram: true, temperature: true, power: true },
  };
}

export function snapshot(overrides: Partial<MonitorSnapshot> = {}): MonitorSnapshot {
  return {
    sampled_at: 1_700_000_000,
    cpu_percent: 42,
    cpu_frequency_mhz: 3600,
    cpu_temperature_c: 61,
    ram_used_bytes: 12 * GIB,
    ram_total_bytes: 32 * GIB,
    gpus: [
      {
        index: 0,
        utilization_percent: 95,
        vram_used_bytes: 20 * GIB,
        vram_total_bytes: 24 * GIB,
        temperature_c: 70,
        power_draw_watts: 300,
        power_limit_watts: 450,
      },
    ],
    ...overrides,
  };
}

export function status(overrides: Partial<MonitorStatus> = {}): MonitorStatus {
  return {
    plugin_version: "0.0.0-test",
    hardware: {
      psutil_available: true,
      cpuinfo_available: true,
      cpu_temperature_available: true,
      cpu_model: "Test CPU",
      cpu_cores_physical: 8,
      cpu_cores_logical: 16,
      ram_total_bytes: 32 * GIB,
      platform: "linux",
    },
    gpu: {
      nvml_available: true,
      torch_available: true,
      torch_backend: "cuda",
      devices: [gpuDevice(0, "NVIDIA GeForce RTX 3090 Ti", 24)],
    },
    capabilities_version: 1,
    snapshot: snapshot(),
    sample_interval_s: 2,
    sample_cpu_ms: 0.2,
    ...overrides,
  };
}

export function monitorEvent(overrides: Partial<MonitorEvent> = {}): MonitorEvent {
  return { type: "monitor", capabilities_version: 1, snapshot: snapshot(), ...overrides };
}

export function monitorHistory(samples: MonitorSnapshot[] = [], overrides: Partial<MonitorHistory> = {}): MonitorHistory {
  return { seconds: 300, max_seconds: 600, sample_interval_s: 2, samples, ...overrides };
}

/** GPU 0 in detail with every figure, this ComfyUI holding 14 of its 20 GiB in use and another program the rest. */
export function gpuInspection(overrides: Partial<GpuInspection> = {}): GpuInspection {
  return {
    device: gpuDevice(0, "NVIDIA GeForce RTX 3090 Ti", 24),
    inspected_at: 1_700_000_000,
    driver_version: "580.95.05",
    cuda_driver_version: "13.0",
    vram_total_bytes: 24 * GIB,
    vram_used_bytes: 20 * GIB,
    vram_free_bytes: 4 * GIB,
    this_process_bytes: 14 * GIB,
    other_processes_bytes: 6 * GIB,
    utilization_percent: 95,
    memory_utilization_percent: 57,
    temperature_c: 70,
    power_draw_watts: 300,
    power_limit_watts: 450,
    graphics_clock_mhz: 1970,
    max_graphics_clock_mhz: 2100,
    memory_clock_mhz: 10501,
    fan_percent: 77.5,
    processes: [
      { pid: 100, name: "python", used_bytes: 14 * GIB, kind: "compute", this_process: true },
      { pid: 4242, name: "blender", used_bytes: 6 * GIB, kind: "graphics", this_process: false },
    ],
    models: [{ name: "sd_xl_base_1.0", loaded_bytes: 6 * GIB }],
    ...overrides,
  };
}

export function monitorSettings(overrides: Partial<MonitorSettings> = {}): MonitorSettings {
  return {
    sample_interval_s: 2,
    min_sample_interval_s: 0.5,
    max_sample_interval_s: 10,
    default_sample_interval_s: 2,
    persisted: true,
    ...overrides,
  };
}

export function session(overrides: Partial<SessionInfo> = {}): SessionInfo {
  return {
    token: "tok",
    token_header: "X-SwissArmyKnife-Token",
    boot_id: "boot-1",
    actions_allowed: true,
    actions_refused_reason: null,
    queue: { running: 0, queued: 0 },
    restart_kind: "exec",
    restart_description: "re-exec python main.py",
    ...overrides,
  };
}

export function restartAccepted(overrides: Partial<RestartAccepted> = {}): RestartAccepted {
  return { kind: "exec", description: "re-exec python main.py", restarts_in_ms: 500, ...overrides };
}

/** GPU `index` with unknown figures unless given. */
export function vramDeviceReport(index: number, overrides: Partial<VramDeviceReport> = {}): VramDeviceReport {
  return {
    index,
    name: `GPU ${index}`,
    vram_total_bytes: null,
    vram_used_before_bytes: null,
    vram_used_after_bytes: null,
    vram_freed_bytes: null,
    ...overrides,
  };
}

/** Two GPUs: 6 GiB freed on GPU 0 (24 GiB), 12 GiB on GPU 1 (48 GiB), two models unloaded. */
export function clearVramResult(overrides: Partial<ClearVramResult> = {}): ClearVramResult {
  return {
    models_unloaded: 2,
    vram_freed_bytes: 18 * GIB,
    devices: [
      vramDeviceReport(0, { name: "A", vram_total_bytes: 24 * GIB, vram_used_before_bytes: 20 * GIB, vram_used_after_bytes: 14 * GIB, vram_freed_bytes: 6 * GIB }),
      vramDeviceReport(1, { name: "B", vram_total_bytes: 48 * GIB, vram_used_before_bytes: 30 * GIB, vram_used_after_bytes: 18 * GIB, vram_freed_bytes: 12 * GIB }),
    ],
    ...overrides,
  };
}

export const MIB = 1024 ** 2;

/** Node `id` of class `classType`, executed successfully in 100 ms with 1 GiB of VRAM peak, unless given. */
export function nodeRecord(id: string, classType: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    node_id: id,
    class_type: classType,
    title: null,
    parent_node_id: null,
    order: 0,
    status: "success",
    cache_hit: false,
    started_at: 1_700_000_000,
    ended_at: 1_700_000_000.1,
    duration_ms: 100,
    vram_before_bytes: 2 * GIB,
    vram_after_bytes: 2 * GIB,
    vram_peak_delta_bytes: GIB,
    vram_free_before_bytes: null,
    vram_percent_before: null,
    rss_before_bytes: 4 * GIB,
    rss_after_bytes: 4 * GIB,
    input_shapes: [],
    output_shapes: [],
    error: null,
    models: [],
    ...overrides,
  };
}

/** A cached node: no clock, no memory figures. */
export function cachedNode(id: string, classType: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  return nodeRecord(id, classType, {
    status: "cached",
    cache_hit: true,
    started_at: null,
    ended_at: null,
    duration_ms: null,
    vram_before_bytes: null,
    vram_after_bytes: null,
    vram_peak_delta_bytes: null,
    rss_before_bytes: null,
    rss_after_bytes: null,
    ...overrides,
  });
}

/** A successful run's summary of workflow "0123456789abcdef", 3 s long, started at `startedAt`. */
export function workflowSummary(promptId: string, overrides: Partial<WorkflowSummary> = {}): WorkflowSummary {
  const startedAt = overrides.started_at ?? 1_700_000_000;
  return {
    prompt_id: promptId,
    workflow_hash: "0123456789abcdef",
    status: "success",
    started_at: startedAt,
    ended_at: startedAt + 3,
    duration_ms: 3000,
    node_count: 3,
    executed_count: 3,
    cache_hits: 0,
    cache_misses: 3,
    peak_vram_bytes: 8 * GIB,
    peak_rss_bytes: 12 * GIB,
    error: null,
    workflow_name: null,
    environment_id: null,
    ...overrides,
  };
}

/** A run with `nodes` (orders as given), its counts derived from them. */
export function workflowRecord(promptId: string, nodes: NodeRecord[], overrides: Partial<WorkflowSummary> = {}): WorkflowRecord {
  const ordered = nodes.map((node, order) => ({ ...node, order }));
  const hits = ordered.filter((node) => node.cache_hit).length;
  return {
    ...workflowSummary(promptId, {
      node_count: ordered.length,
      executed_count: ordered.length - hits,
      cache_hits: hits,
      cache_misses: ordered.length - hits,
      ...overrides,
    }),
    nodes: ordered,
    model_residency: [],
    reloaded_models: [],
  };
}

/** Workflow `hash`'s averages: 4 runs, all successful, 3 s on average, unless given. */
export function workflowAverage(hash: string, overrides: Partial<WorkflowAverage> = {}): WorkflowAverage {
  return {
    workflow_hash: hash,
    runs: 4,
    successes: 4,
    mean_duration_ms: 3000,
    min_duration_ms: 2500,
    max_duration_ms: 3500,
    last_run_at: 1_700_000_000,
    workflow_name: null,
    ...overrides,
  };
}

/** GET /profiler/stats: nothing running, `latest` (none by default), no averages or history unless given. */
export function profilerStats(overrides: Partial<ProfilerStats> = {}): ProfilerStats {
  return {
    current: null,
    latest: null,
    node_averages: [],
    workflow_averages: [],
    history: { items: [], total: 0, next_before: null },
    vram_warning_percent: 85,
    vram_critical_percent: 95,
    latest_regression: null,
    ...overrides,
  };
}
