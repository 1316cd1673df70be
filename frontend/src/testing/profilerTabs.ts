// The modal's Previous, Analytics and Settings tabs over an in-memory profiler server: one fake that
// pages, filters and aggregates the runs it holds as the API does (before cursor, total of matches,
// next_before), keeps archives and settings, and refuses what a test tells it to; one builder per
// store, each returning the store, its fakes and its spied dependencies.
import { vi } from "vitest";

import { ApiRequestError } from "../api/errors";
import type {
  ArchiveInfo,
  ArchiveLoadResult,
  ArchivePage,
  Baseline,
  BaselineCleared,
  BaselinePage,
  Environment,
  EnvironmentFingerprint,
  ErrorBody,
  HistoryPage,
  HistoryQuery,
  NodeClassPage,
  NodeClassStats,
  ProfilerSeries,
  ProfilerSettings,
  ProfilerSettingsUpdate,
  RegressionReport,
  SeriesPoint,
  SeriesQuery,
  SessionInfo,
  WorkflowAverage,
  WorkflowAveragePage,
  WorkflowRecord,
} from "../api/types";
import { BaselineStore, type BaselineDeps } from "../stores/baselines.svelte";
import { EnvironmentCache } from "../stores/environments";
import { ProfilerAnalyticsStore, type ProfilerAnalyticsDeps } from "../stores/profilerAnalytics.svelte";
import { ProfilerExportStore, type ProfilerExportDeps } from "../stores/profilerExport.svelte";
import { ProfilerHistoryStore, type ProfilerHistoryDeps } from "../stores/profilerHistory.svelte";
import { ProfilerSettingsStore, type ProfilerSettingsDeps } from "../stores/profilerSettings.svelte";
import { RegressionStore, type RegressionDeps } from "../stores/regressions.svelte";
import { cachedNode, GIB, nodeRecord, session, workflowRecord } from "./fixtures";
import { FakeEvents } from "./hud";
import { fingerprint, regressionReport } from "./regressions";

export const HASH_A = "aaaaaaaaaaaaaaaa";
export const HASH_B = "bbbbbbbbbbbbbbbb";

export function refusal(status: number, message: string, error: ErrorBody["error"] = "conflict"): ApiRequestError {
  return new ApiRequestError(status, { error, message, details: [] });
}

/**
 * `count` runs, one a minute from t=1,000,000 s: even ones of workflow A ("portrait"), odd ones of
 * B (unsaved); every fifth an error, the seventh an OOM; the later ones take their loader from the cache.
 */
export function sampleRuns(count: number): WorkflowRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const a = i % 2 === 0;
    const status = i === 7 ? "oom" : i % 5 === 4 ? "error" : "success";
    const loader = i < 2 ? nodeRecord("1", "CheckpointLoaderSimple", { duration_ms: 2000 }) : cachedNode("1", "CheckpointLoaderSimple");
    const sampler = nodeRecord("2", "KSampler", { duration_ms: 1000 + i * 10, vram_peak_delta_bytes: 3 * GIB });
    const decode = nodeRecord("3", "VAEDecode", { duration_ms: 300 });
    return workflowRecord(`run-${String(i).padStart(3, "0")}`, [loader, sampler, decode], {
      workflow_hash: a ? HASH_A : HASH_B,
      workflow_name: a ? "portrait" : null,
      status,
      started_at: 1_000_000 + i * 60,
      duration_ms: 1300 + i * 10 + (i < 2 ? 2000 : 0),
      peak_vram_bytes: 8 * GIB + i,
    });
  });
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export class FakeProfilerServer {
  runs: WorkflowRecord[];
  archives: { info: ArchiveInfo; runs: WorkflowRecord[] }[] = [];
  settings: ProfilerSettings = {
    enabled: true,
    enabled_locked_reason: null,
    max_workflows: 10_000,
    min_max_workflows: 100,
    max_max_workflows: 100_000,
    accurate_gpu_timing: false,
    vram_warning_percent: 85,
    vram_critical_percent: 95,
    regression_percent: 20,
    regression_sigma: 3,
    regression_window_runs: 20,
    regression_recent_runs: 3,
    persisted: true,
  };
  /** The token guarded routes take; `session` is what the page is told (a stale one, say). */
  token = "tok";
  session: SessionInfo = session({ token: "tok" });
  /** Set to make the next call of that name fail with this error (then cleared). */
  failNext: Partial<Record<string, unknown>> = {};
  calls: string[] = [];
  /** Pins by workflow hash: the run's record as it was when pinned. */
  baselines = new Map<string, Baseline>();
  /** Environments by id: 1 the usual one, 2 a newer torch with --lowvram. */
  environments = new Map<number, EnvironmentFingerprint>([
    [1, fingerprint()],
    [2, fingerprint({ torch_version: "2.13.0", launch_flags: [{ name: "--lowvram", value: null }] })],
  ]);
  regressions: RegressionReport = regressionReport();
  #archiveSeq = 0;

  constructor(runs: WorkflowRecord[] = sampleRuns(12)) {
    this.runs = runs;
  }

  #call(name: string): void {
    this.calls.push(name);
    if (name in this.failNext) {
      const error = this.failNext[name];
      delete this.failNext[name];
      throw error;
    }
  }

  #newestFirst(): WorkflowRecord[] {
    return [...this.runs].sort((x, y) => y.started_at - x.started_at);
  }

  #summary({ nodes: _nodes, ...summary }: WorkflowRecord) {
    return summary;
  }

  getHistory = async (query: HistoryQuery): Promise<HistoryPage> => {
    this.#call("getHistory");
    const limit = query.limit ?? 50;
    const matching = this.#newestFirst().filter(
      (r) => (!query.workflow_hash || r.workflow_hash === query.workflow_hash) && (!query.status || r.status === query.status),
    );
    const from = query.before == null ? matching : matching.filter((r) => r.started_at < query.before!);
    const items = from.slice(0, limit);
    const more = from.length > limit;
    return { items: items.map((r) => this.#summary(r)), total: matching.length, next_before: more ? items.at(-1)!.started_at : null };
  };

  getWorkflow = async (promptId: string): Promise<WorkflowRecord> => {
    this.#call("getWorkflow");
    const run = this.runs.find((r) => r.prompt_id === promptId);
    if (!run) throw refusal(404, `no workflow ${promptId} in history`, "not_found");
    return run;
  };

  /** `name`: only workflows whose newest name contains it (ASCII case-insensitive), as the server does. */
  getWorkflowStats = async (limit: number, name?: string | null): Promise<WorkflowAveragePage> => {
    this.#call("getWorkflowStats");
    const byHash = new Map<string, WorkflowRecord[]>();
    for (const run of this.#newestFirst()) byHash.set(run.workflow_hash, [...(byHash.get(run.workflow_hash) ?? []), run]);
    const data: WorkflowAverage[] = [...byHash.entries()].map(([hash, runs]) => {
      const ok = runs.filter((r) => r.status === "success" && r.duration_ms !== null).map((r) => r.duration_ms!);
      return {
        workflow_hash: hash,
        runs: runs.length,
        successes: runs.filter((r) => r.status === "success").length,
        mean_duration_ms: mean(ok),
        min_duration_ms: ok.length ? Math.min(...ok) : null,
        max_duration_ms: ok.length ? Math.max(...ok) : null,
        last_run_at: runs[0]!.started_at,
        workflow_name: runs.find((r) => r.workflow_name)?.workflow_name ?? null,
      };
    });
    const found = name ? data.filter((w) => (w.workflow_name ?? "").toLowerCase().includes(name.toLowerCase())) : data;
    return { data: found.slice(0, limit), count: found.length };
  };

  getNodeClasses = async (query: { workflow_hash?: string | null; limit?: number }): Promise<NodeClassPage> => {
    this.#call("getNodeClasses");
    const runs = this.runs.filter((r) => !query.workflow_hash || r.workflow_hash === query.workflow_hash);
    const nodes = runs.flatMap((r) => r.nodes);
    const total = nodes.reduce((n, node) => n + (node.duration_ms ?? 0), 0);
    const classes = [...new Set(nodes.map((n) => n.class_type))];
    const items: NodeClassStats[] = classes.map((cls) => {
      const mine = nodes.filter((n) => n.class_type === cls);
      const timed = mine.filter((n) => n.duration_ms !== null).map((n) => n.duration_ms!);
      const sum = timed.reduce((a, b) => a + b, 0);
      const vram = mine.filter((n) => n.vram_peak_delta_bytes !== null).map((n) => n.vram_peak_delta_bytes!);
      return {
        class_type: cls,
        runs: mine.length,
        cached_runs: mine.filter((n) => n.cache_hit).length,
        timed_runs: timed.length,
        mean_duration_ms: mean(timed),
        min_duration_ms: timed.length ? Math.min(...timed) : null,
        max_duration_ms: timed.length ? Math.max(...timed) : null,
        p95_duration_ms: timed.length ? [...timed].sort((a, b) => a - b)[Math.ceil(0.95 * timed.length) - 1]! : null,
        total_duration_ms: sum,
        time_share: total > 0 ? sum / total : null,
        mean_vram_peak_delta_bytes: mean(vram),
        max_vram_peak_delta_bytes: vram.length ? Math.max(...vram) : null,
      };
    });
    items.sort((x, y) => y.total_duration_ms - x.total_duration_ms);
    return { items: items.slice(0, query.limit ?? 200), total_duration_ms: total };
  };

  /** Buckets of `bucket_s` = range / points, empty ones left out, as the server's SQL does. */
  getSeries = async (query: SeriesQuery): Promise<ProfilerSeries> => {
    this.#call("getSeries");
    const runs = this.runs.filter((r) => !query.workflow_hash || r.workflow_hash === query.workflow_hash);
    if (runs.length === 0) return { bucket_s: 0, since: null, until: null, items: [] };
    const since = Math.min(...runs.map((r) => r.started_at));
    const until = Math.max(...runs.map((r) => r.started_at));
    const points = query.points ?? 120;
    const bucket = Math.max(1, (until - since) / points);
    const buckets = new Map<number, WorkflowRecord[]>();
    for (const run of runs) {
      const index = Math.min(points - 1, Math.floor((run.started_at - since) / bucket));
      buckets.set(index, [...(buckets.get(index) ?? []), run]);
    }
    const items: SeriesPoint[] = [...buckets.entries()]
      .sort(([x], [y]) => x - y)
      .map(([index, rs]) => {
        const ok = rs.filter((r) => r.status === "success" && r.duration_ms !== null).map((r) => r.duration_ms!);
        const vram = rs.filter((r) => r.peak_vram_bytes !== null).map((r) => r.peak_vram_bytes!);
        return {
          start: since + index * bucket,
          runs: rs.length,
          successes: rs.filter((r) => r.status === "success").length,
          errors: rs.filter((r) => r.status === "error").length,
          interrupted: rs.filter((r) => r.status === "interrupted").length,
          ooms: rs.filter((r) => r.status === "oom").length,
          mean_duration_ms: mean(ok),
          max_duration_ms: ok.length ? Math.max(...ok) : null,
          mean_peak_vram_bytes: mean(vram),
          max_peak_vram_bytes: vram.length ? Math.max(...vram) : null,
          cache_hits: rs.reduce((n, r) => n + r.cache_hits, 0),
          cache_lookups: rs.reduce((n, r) => n + r.node_count, 0),
        };
      });
    return { bucket_s: bucket, since, until, items };
  };

  getSettings = async (): Promise<ProfilerSettings> => {
    this.#call("getSettings");
    return this.settings;
  };

  updateSettings = async (update: Partial<ProfilerSettingsUpdate>): Promise<ProfilerSettings> => {
    this.#call("updateSettings");
    const given = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== null && v !== undefined));
    const next = { ...this.settings, ...given };
    if (next.vram_warning_percent >= next.vram_critical_percent) {
      throw refusal(400, "invalid body (vram_warning_percent must be below vram_critical_percent)", "validation_error");
    }
    this.settings = next;
    return this.settings;
  };

  getSession = async (): Promise<SessionInfo> => {
    this.#call("getSession");
    return this.session;
  };

  #guard(token: string): void {
    if (token !== this.token) throw refusal(403, "missing or wrong X-SwissArmyKnife-Token header", "forbidden");
  }

  listArchives = async (): Promise<ArchivePage> => {
    this.#call("listArchives");
    const data = [...this.archives].reverse().map((a) => a.info);
    return { data, count: data.length };
  };

  createArchive = async (token: string): Promise<ArchiveInfo> => {
    this.#call("createArchive");
    this.#guard(token);
    if (this.runs.length === 0) throw refusal(409, "history is empty: nothing to archive");
    const seq = ++this.#archiveSeq;
    const runs = this.runs;
    const info: ArchiveInfo = {
      id: `20260101T12000${seq}Z-0123abc${seq}`,
      created_at: 1_100_000 + seq,
      size_bytes: 1000 * runs.length,
      workflow_count: runs.length,
      oom_count: runs.filter((r) => r.status === "oom").length,
      oom_event_count: runs.filter((r) => r.status === "oom").length,
      reason: "manual",
      first_started_at: Math.min(...runs.map((r) => r.started_at)),
      last_started_at: Math.max(...runs.map((r) => r.started_at)),
    };
    this.archives.push({ info, runs });
    this.runs = [];
    return info;
  };

  loadArchive = async (token: string, id: string): Promise<ArchiveLoadResult> => {
    this.#call("loadArchive");
    this.#guard(token);
    const archive = this.archives.find((a) => a.info.id === id);
    if (!archive) throw refusal(404, `no archive ${id}`, "not_found");
    const known = new Set(this.runs.map((r) => r.prompt_id));
    const fresh = archive.runs.filter((r) => !known.has(r.prompt_id));
    this.runs = [...this.runs, ...fresh];
    return {
      archive: archive.info,
      imported_count: fresh.length,
      already_present_count: archive.runs.length - fresh.length,
      invalid_count: 0,
      imported_oom_event_count: 0,
    };
  };

  listBaselines = async (): Promise<BaselinePage> => {
    this.#call("listBaselines");
    const data = [...this.baselines.values()].map(({ record: _record, ...summary }) => summary);
    return { data, count: data.length };
  };

  getBaseline = async (hash: string): Promise<Baseline> => {
    this.#call("getBaseline");
    const pin = this.baselines.get(hash);
    if (!pin) throw refusal(404, `workflow ${hash} has no baseline`, "not_found");
    return pin;
  };

  setBaseline = async (hash: string, promptId: string): Promise<Baseline> => {
    this.#call("setBaseline");
    const run = this.runs.find((r) => r.prompt_id === promptId);
    if (!run) throw refusal(404, `run ${promptId} is not in history`, "not_found");
    if (run.workflow_hash !== hash) throw refusal(409, `run ${promptId} is another workflow's`);
    if (run.status !== "success") throw refusal(409, `run ${promptId} did not succeed (${run.status}): only a successful run can be a baseline`);
    const { workflow_name, status, started_at, duration_ms, peak_vram_bytes } = run;
    const pin: Baseline = { workflow_hash: hash, prompt_id: promptId, pinned_at: 2_000_000, workflow_name, status, started_at, duration_ms, peak_vram_bytes, record: run };
    this.baselines.set(hash, pin);
    return pin;
  };

  clearBaseline = async (token: string, hash: string): Promise<BaselineCleared> => {
    this.#call("clearBaseline");
    this.#guard(token);
    const pin = this.baselines.get(hash);
    if (!pin) throw refusal(404, `workflow ${hash} has no baseline`, "not_found");
    this.baselines.delete(hash);
    return { workflow_hash: hash, prompt_id: pin.prompt_id };
  };

  getEnvironment = async (id: number): Promise<Environment> => {
    this.#call("getEnvironment");
    const found = this.environments.get(id);
    if (!found) throw refusal(404, `no environment ${id} in history`, "not_found");
    return { id, first_seen_at: 1_000_000, fingerprint: found };
  };

  getRegressions = async (_query: { limit: number }): Promise<RegressionReport> => {
    this.#call("getRegressions");
    return this.regressions;
  };

  deleteArchive = async (token: string, id: string): Promise<ArchiveInfo> => {
    this.#call("deleteArchive");
    this.#guard(token);
    const archive = this.archives.find((a) => a.info.id === id);
    if (!archive) throw refusal(404, `no archive ${id}`, "not_found");
    this.archives = this.archives.filter((a) => a !== archive);
    return archive.info;
  };
}

export function profilerHistoryStore(server = new FakeProfilerServer(), events = new FakeEvents(), overrides: Partial<ProfilerHistoryDeps> = {}) {
  const deps = {
    getHistory: vi.fn(server.getHistory),
    getWorkflowStats: vi.fn(server.getWorkflowStats),
    getWorkflow: vi.fn(server.getWorkflow),
    baselineOf: (hash: string) => server.baselines.get(hash) ?? null,
    baselineRecord: async (hash: string) => server.baselines.get(hash)?.record ?? null,
    environments: new EnvironmentCache(server.getEnvironment),
    logError: vi.fn<ProfilerHistoryDeps["logError"]>(),
  };
  const store = new ProfilerHistoryStore({ ...deps, ...overrides, events: events.host });
  store.start();
  return { store, server, events, deps };
}

export function profilerAnalyticsStore(server = new FakeProfilerServer(), events = new FakeEvents(), overrides: Partial<ProfilerAnalyticsDeps> = {}) {
  const deps = {
    getNodeClasses: vi.fn(server.getNodeClasses),
    getWorkflowStats: vi.fn(server.getWorkflowStats),
    getSeries: vi.fn(server.getSeries),
    logError: vi.fn<ProfilerAnalyticsDeps["logError"]>(),
  };
  const store = new ProfilerAnalyticsStore({ ...deps, ...overrides, events: events.host });
  store.start();
  return { store, server, events, deps };
}

export function profilerSettingsStore(server = new FakeProfilerServer(), events = new FakeEvents(), overrides: Partial<ProfilerSettingsDeps> = {}) {
  const deps = {
    getSettings: vi.fn(server.getSettings),
    updateSettings: vi.fn(server.updateSettings),
    getSession: vi.fn(server.getSession),
    listArchives: vi.fn(server.listArchives),
    createArchive: vi.fn(server.createArchive),
    loadArchive: vi.fn(server.loadArchive),
    deleteArchive: vi.fn(server.deleteArchive),
    historyChanged: vi.fn<ProfilerSettingsDeps["historyChanged"]>(),
    toast: vi.fn<ProfilerSettingsDeps["toast"]>(),
    logError: vi.fn<ProfilerSettingsDeps["logError"]>(),
  };
  const store = new ProfilerSettingsStore({ ...deps, ...overrides, events: events.host });
  store.start();
  return { store, server, events, deps };
}

export function profilerExportStore(server = new FakeProfilerServer(), overrides: Partial<ProfilerExportDeps> = {}) {
  const deps = {
    getWorkflow: vi.fn(server.getWorkflow),
    latestRun: vi.fn<ProfilerExportDeps["latestRun"]>(async () => [...server.runs].sort((x, y) => y.started_at - x.started_at)[0] ?? null),
    download: vi.fn<ProfilerExportDeps["download"]>(),
    logError: vi.fn<ProfilerExportDeps["logError"]>(),
    now: () => new Date(2026, 0, 5, 14, 3, 7),
  };
  return { store: new ProfilerExportStore({ ...deps, ...overrides }), server, deps };
}


export function baselineStore(server = new FakeProfilerServer(), events = new FakeEvents(), overrides: Partial<BaselineDeps> = {}) {
  const deps = {
    listBaselines: vi.fn(server.listBaselines),
    getBaseline: vi.fn(server.getBaseline),
    setBaseline: vi.fn(server.setBaseline),
    clearBaseline: vi.fn(server.clearBaseline),
    getSession: vi.fn(server.getSession),
    pinsChanged: vi.fn(),
    logError: vi.fn<BaselineDeps["logError"]>(),
  };
  const store = new BaselineStore({ ...deps, ...overrides, events: events.host });
  store.start();
  return { store, server, events, deps };
}

export function regressionStore(server = new FakeProfilerServer(), events = new FakeEvents(), overrides: Partial<RegressionDeps> = {}) {
  const deps = {
    getRegressions: vi.fn(server.getRegressions),
    environments: new EnvironmentCache(vi.fn(server.getEnvironment)),
    logError: vi.fn<RegressionDeps["logError"]>(),
  };
  const store = new RegressionStore({ ...deps, ...overrides, events: events.host });
  store.start();
  return { store, server, events, deps };
}
