// Typed out-of-memory payloads for store and component tests (one factory per type, overrides as
// the argument), shaped like the demo host's: an SDXL checkpoint and an upscaler loaded when
// KSampler asked for 25.6 GiB of a 24 GiB GPU; and a fake server answering the OOM routes.
import { vi } from "vitest";

import { ApiRequestError } from "../api/errors";
import type {
  LoadedModelInfo,
  ModelCorrelation,
  NodeTypeOoms,
  OomCapturedEvent,
  OomEvent,
  OomEventPage,
  OomFigures,
  OomRisk,
  OomRiskEvent,
  OomStats,
  Recommendation,
  SessionInfo,
  UnloadResult,
  VramPressureEvent,
} from "../api/types";
import { GIB, MIB, session } from "./fixtures";

export const CHECKPOINT = "sd_xl_base_1.0.safetensors";
export const UPSCALER = "4x-UltraSharp.pth";

export function loadedModel(name: string, overrides: Partial<LoadedModelInfo> = {}): LoadedModelInfo {
  return {
    name,
    file_name: name,
    loader_node_id: null,
    loader_class_type: null,
    model_type: null,
    device: "cuda:0",
    size_bytes: 70 * MIB,
    loaded_bytes: 70 * MIB,
    needed_later: false,
    used_by_node_ids: [],
    last_used_at: null,
    ...overrides,
  };
}

export function oomFigures(overrides: Partial<OomFigures> = {}): OomFigures {
  return {
    backend: "cuda",
    device_index: 0,
    requested_bytes: 25.6 * GIB,
    total_bytes: 24 * GIB,
    free_bytes: 17.43 * GIB,
    process_bytes: null,
    allocated_bytes: null,
    reserved_unallocated_bytes: null,
    other_bytes: null,
    ...overrides,
  };
}

/** KSampler (#3) of "Text to image (SDXL)" out of memory at t=1,000,000 s, the checkpoint and the upscaler loaded. */
export function oomEvent(promptId = "p-oom-1", overrides: Partial<OomEvent> = {}): OomEvent {
  return {
    prompt_id: promptId,
    workflow_hash: "fa0d68992095b09f",
    workflow_name: "Text to image (SDXL)",
    node_id: "3",
    node_type: "KSampler",
    captured_at: 1_000_000,
    exception_type: "OutOfMemoryError",
    message: "CUDA out of memory. Tried to allocate 25.60 GiB. GPU 0 has a total capacity of 24.00 GiB of which 17.43 GiB is free.",
    figures: oomFigures(),
    vram_allocated_bytes: 6.57 * GIB,
    vram_reserved_bytes: 6.57 * GIB,
    vram_free_before_bytes: 0.93 * GIB,
    input_shapes: [{ path: "latent_image.samples", shape: [1, 4, 128, 128], dtype: "torch.float32", device: "cuda:0" }],
    loaded_models: [
      loadedModel(UPSCALER),
      loadedModel(CHECKPOINT, {
        loader_node_id: "4",
        loader_class_type: "CheckpointLoaderSimple",
        size_bytes: 6.5 * GIB,
        loaded_bytes: 6.5 * GIB,
        needed_later: true,
        used_by_node_ids: ["3"],
        last_used_at: 999_999.5,
      }),
    ],
    memory_summary: null,
    allocator_stats: null,
    ...overrides,
  };
}

export function nodeTypeOoms(nodeType: string, overrides: Partial<NodeTypeOoms> = {}): NodeTypeOoms {
  return {
    node_type: nodeType,
    count: 4,
    rate: 0.19,
    mean_requested_bytes: 25.6 * GIB,
    mean_allocated_bytes: 6.57 * GIB,
    mean_free_before_bytes: 0.93 * GIB,
    ...overrides,
  };
}

export function modelCorrelation(name: string, overrides: Partial<ModelCorrelation> = {}): ModelCorrelation {
  return { name, oom_events: 4, oom_share: 1, mean_loaded_bytes: 70 * MIB, runs: 29, run_share: 0.78, ...overrides };
}

export function recommendation(kind: Recommendation["kind"], overrides: Partial<Recommendation> = {}): Recommendation {
  const unload = kind === "unload_models";
  return {
    kind,
    title: unload ? "Unload 1 model before KSampler" : "KSampler asks for more than the GPU has",
    detail: unload
      ? `When KSampler ran out of memory, ${UPSCALER} (0.1 GiB) was loaded but no node still to run used it.`
      : "KSampler asked for 25.6 GiB at once; the device holds 24.0 GiB in all.",
    node_type: "KSampler",
    models: unload ? [UPSCALER] : [],
    expected_freed_bytes: unload ? 70 * MIB : null,
    resulting_percent: unload ? 27.1 : null,
    ...overrides,
  };
}

/** Four OOMs of KSampler, the two models, an unload and a too-large request recommended. */
export function oomStats(overrides: Partial<OomStats> = {}): OomStats {
  return {
    total_oom_count: 4,
    oom_rate: 0.108,
    node_type_ranking: [nodeTypeOoms("KSampler"), nodeTypeOoms("VAEDecode", { count: 1, rate: 0.02 })],
    model_correlation: [modelCorrelation(UPSCALER), modelCorrelation(CHECKPOINT, { mean_loaded_bytes: 6.5 * GIB, runs: 37, run_share: 1 })],
    recent_oom_events: [oomEvent("p-oom-2", { captured_at: 1_000_600 }), oomEvent("p-oom-1")],
    recommendations: [recommendation("request_exceeds_device"), recommendation("unload_models")],
    ...overrides,
  };
}

export function emptyOomStats(): OomStats {
  return { total_oom_count: 0, oom_rate: 0, node_type_ranking: [], model_correlation: [], recent_oom_events: [], recommendations: [] };
}

export function unloadResult(overrides: Partial<UnloadResult> = {}): UnloadResult {
  return { unloaded: [{ name: CHECKPOINT, freed_bytes: 6.5 * GIB }], not_found: [UPSCALER], freed_bytes: 6.5 * GIB, ...overrides };
}

export function vramPressureEvent(overrides: Partial<VramPressureEvent> = {}): VramPressureEvent {
  return {
    type: "vram_pressure",
    prompt_id: "p-live",
    level: "critical",
    node_id: "3",
    node_type: "KSampler",
    percent: 96.1,
    free_bytes: 0.93 * GIB,
    total_bytes: 24 * GIB,
    device_index: 0,
    warning_percent: 85,
    critical_percent: 95,
    ...overrides,
  };
}

export function oomCapturedEvent(overrides: Partial<OomCapturedEvent> = {}): OomCapturedEvent {
  return {
    type: "oom_captured",
    prompt_id: "p-live",
    workflow_name: "Text to image (SDXL)",
    node_id: "3",
    node_type: "KSampler",
    captured_at: 1_000_000,
    requested_bytes: 25.6 * GIB,
    free_bytes: 17.43 * GIB,
    loaded_models: [CHECKPOINT, UPSCALER],
    ...overrides,
  };
}

export function oomRisk(overrides: Partial<OomRisk> = {}): OomRisk {
  return {
    workflow_hash: "fa0d68992095b09f",
    workflow_name: "Text to image (SDXL)",
    needed_bytes: 20 * GIB,
    free_bytes: 16 * GIB,
    total_bytes: 24 * GIB,
    margin_bytes: 1.2 * GIB,
    shortfall_bytes: 5.2 * GIB,
    models_to_unload: [{ name: UPSCALER, loaded_bytes: 70 * MIB }, { name: "flux1-dev.safetensors", loaded_bytes: 11 * GIB }],
    fits_after_unload: true,
    runs: 3,
    ooms: 1,
    message: "“Text to image (SDXL)” peaked at 20.0 GiB; 16.0 GiB is free: unload 2 models first.",
    ...overrides,
  };
}

export function oomRiskEvent(overrides: Partial<OomRisk> = {}): OomRiskEvent {
  return { type: "oom_risk", prompt_id: "p-queued", client_id: null, risk: oomRisk(overrides) };
}

export function refused(status: number, message: string, error: "conflict" | "forbidden" | "unavailable" = "conflict"): ApiRequestError {
  return new ApiRequestError(status, { error, message, details: [] });
}

/** The OOM routes over what a test sets: `stats`, `events`, what an unload answers; `failNext` makes the next call of a name fail. */
export class FakeOomServer {
  stats: OomStats = oomStats();
  events: OomEvent[] = [oomEvent("p-oom-2", { captured_at: 1_000_600 }), oomEvent("p-oom-1")];
  /** The token guarded routes take; `session` is what the page is told (a stale one, say). */
  token = "tok";
  session: SessionInfo = session();
  /** The models on the device now, with the bytes an unload frees. */
  loaded = new Map<string, number>([[CHECKPOINT, 6.5 * GIB]]);
  failNext: Partial<Record<"getOomStats" | "listOomEvents" | "unloadModels" | "getSession", unknown>> = {};

  #fail(name: keyof FakeOomServer["failNext"]): void {
    if (name in this.failNext) {
      const error = this.failNext[name];
      delete this.failNext[name];
      throw error;
    }
  }

  getOomStats = vi.fn(async (): Promise<OomStats> => {
    this.#fail("getOomStats");
    return this.stats;
  });

  listOomEvents = vi.fn(async (limit: number): Promise<OomEventPage> => {
    this.#fail("listOomEvents");
    const data = this.events.slice(0, limit);
    return { data, count: data.length };
  });

  getSession = vi.fn(async (): Promise<SessionInfo> => {
    this.#fail("getSession");
    return this.session;
  });

  unloadModels = vi.fn(async (token: string, models: readonly string[]): Promise<UnloadResult> => {
    this.#fail("unloadModels");
    if (token !== this.token) throw refused(403, "missing or wrong X-SwissArmyKnife-Token header", "forbidden");
    const unloaded = models.filter((m) => this.loaded.has(m)).map((name) => ({ name, freed_bytes: this.loaded.get(name) ?? null }));
    for (const { name } of unloaded) this.loaded.delete(name);
    const freed = unloaded.reduce((n, m) => n + (m.freed_bytes ?? 0), 0);
    return { unloaded, not_found: models.filter((m) => !unloaded.some((u) => u.name === m)), freed_bytes: unloaded.length ? freed : null };
  });
}
