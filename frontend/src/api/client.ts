// The typed API client: our request function (request.ts) over the fetch it is given (ComfyUI's
// api.fetchApi, handed in by the composition root), types generated from the backend.
import { requester, type FetchApi } from "./request";
import type {
  ArchiveInfo,
  ArchiveLoadResult,
  ArchivePage,
  Baseline,
  BaselineCleared,
  BaselinePage,
  ClearVramResult,
  GpuInspection,
  Environment,
  HistoryClearResult,
  HistoryPage,
  HistoryQuery,
  NodeClassPage,
  MonitorHistory,
  MonitorSettings,
  MonitorSettingsUpdate,
  MonitorStatus,
  OomEventPage,
  OomStats,
  ProfilerSeries,
  ProfilerSettings,
  ProfilerSettingsUpdate,
  ProfilerStats,
  RegressionReport,
  RestartAccepted,
  SeriesQuery,
  SessionInfo,
  UnloadResult,
  WorkflowAveragePage,
  WorkflowNameResult,
  WorkflowRecord,
} from "./types";

export interface ApiClient {
  getMonitorStatus(): Promise<MonitorStatus>;
  getMonitorSettings(): Promise<MonitorSettings>;
  /** The samples the server took in the last `seconds` (1-600), oldest first: history for a page just opened. */
  getMonitorHistory(seconds: number): Promise<MonitorHistory>;
  /** One GPU in detail, read when asked (never per tick); 404 (ApiRequestError) for an index no source reports. */
  inspectGpu(index: number): Promise<GpuInspection>;
  updateMonitorSettings(update: MonitorSettingsUpdate): Promise<MonitorSettings>;
  /** The page's token for server actions, whether they are allowed here, and the server's boot id. */
  getSession(): Promise<SessionInfo>;
  /** Ask the server to restart; a refusal throws ApiRequestError, a dropped connection a TypeError. */
  postRestart(token: string): Promise<RestartAccepted>;
  /** Unload models and free cached GPU memory; 409 (ApiRequestError) while a workflow runs or waits. */
  postClearVram(token: string): Promise<ClearVramResult>;
  /** The running and latest runs with the averages, and `historyLimit` runs of history (1-500). */
  getProfilerStats(historyLimit: number): Promise<ProfilerStats>;
  /** One run with every node; 404 (ApiRequestError) when it is not in history (archived, cleared). */
  getProfilerWorkflow(promptId: string): Promise<WorkflowRecord>;
  /** Forget every stored run (guarded: the session's token). */
  clearProfilerHistory(token: string): Promise<HistoryClearResult>;
  /** Name a run as its tab does (null: an unsaved workflow); before, while or after it runs. */
  nameProfilerWorkflow(promptId: string, workflowName: string | null): Promise<WorkflowNameResult>;
  /** One page of stored runs, newest first; filters left null or out are not sent. */
  getProfilerHistory(query: HistoryQuery): Promise<HistoryPage>;
  /** Stored runs bucketed in time by the server (at most `points` buckets, empty ones left out). */
  getProfilerSeries(query: SeriesQuery): Promise<ProfilerSeries>;
  /** Per node class statistics, most total time first. */
  getProfilerNodeClasses(query: { workflow_hash?: string | null; limit?: number }): Promise<NodeClassPage>;
  /**
   * Per workflow (graph hash) statistics, most recently run first; `name`: only the workflows whose
   * newest name contains it (the server searches them all, past the `limit` newest).
   */
  getProfilerWorkflowStats(limit: number, name?: string | null): Promise<WorkflowAveragePage>;
  getProfilerSettings(): Promise<ProfilerSettings>;
  updateProfilerSettings(update: Partial<ProfilerSettingsUpdate>): Promise<ProfilerSettings>;
  listProfilerArchives(): Promise<ArchivePage>;
  /** Move the whole history into a new archive (guarded); 409 when history is empty. */
  createProfilerArchive(token: string): Promise<ArchiveInfo>;
  /** Import an archive's runs back into history (guarded). */
  loadProfilerArchive(token: string, id: string): Promise<ArchiveLoadResult>;
  /** Delete one archive file (guarded). */
  deleteProfilerArchive(token: string, id: string): Promise<ArchiveInfo>;
  /** The out-of-memory analysis: counts, node classes, models, the last captures, what to do. */
  getOomStats(): Promise<OomStats>;
  /** The captured out-of-memory events whole, newest first (`limit` of the last 1,000). */
  listOomEvents(limit: number): Promise<OomEventPage>;
  /** Unload models by the names a capture gave them (guarded); 409 (ApiRequestError) while a workflow runs or waits. */
  unloadModels(token: string, models: readonly string[]): Promise<UnloadResult>;
  /** Workflows (and, without a hash, node classes) whose latest runs are markedly slower or hungrier than usual. */
  getProfilerRegressions(query?: { workflow_hash?: string | null; limit?: number }): Promise<RegressionReport>;
  /** Every workflow's pinned baseline, without the records. */
  listProfilerBaselines(): Promise<BaselinePage>;
  /** A workflow's baseline with its record (kept with the pin); 404 (ApiRequestError) when none is pinned. */
  getProfilerBaseline(workflowHash: string): Promise<Baseline>;
  /** Pin a successful run in history as its workflow's baseline; 404 not in history, 409 another workflow's or not a success. */
  setProfilerBaseline(workflowHash: string, promptId: string): Promise<Baseline>;
  /** Unpin a workflow's baseline (guarded); 404 when none is pinned. */
  clearProfilerBaseline(token: string, workflowHash: string): Promise<BaselineCleared>;
  /** The environment a run ran in (a record's environment_id); 404 when history has no such id. */
  getProfilerEnvironment(environmentId: number): Promise<Environment>;
}

export type { FetchApi } from "./request";
export { unwrap } from "./request";

export function createApiClient(fetchApi: FetchApi): ApiClient {
  const send = requester(fetchApi);
  // A guarded action sends the session's token in its header and a JSON body (an empty one for most).
  const guarded = (token: string) => ({ header: { "X-SwissArmyKnife-Token": token }, body: {} });

  return {
    getMonitorStatus: () => send("GET", "/swissarmyknife/monitor/status"),
    getMonitorSettings: () => send("GET", "/swissarmyknife/monitor/settings"),
    getMonitorHistory: (seconds) => send("GET", "/swissarmyknife/monitor/history", { query: { seconds } }),
    inspectGpu: (index) => send("GET", "/swissarmyknife/monitor/gpus/{index}", { path: { index } }),
    updateMonitorSettings: (update) => send("PUT", "/swissarmyknife/monitor/settings", { body: update }),
    getSession: () => send("GET", "/swissarmyknife/session"),
    postRestart: (token) => send("POST", "/swissarmyknife/restart", guarded(token)),
    postClearVram: (token) => send("POST", "/swissarmyknife/monitor/clear-vram", guarded(token)),
    getProfilerStats: (limit) => send("GET", "/swissarmyknife/profiler/stats", { query: { limit } }),
    getProfilerWorkflow: (promptId) => send("GET", "/swissarmyknife/profiler/workflows/{prompt_id}", { path: { prompt_id: promptId } }),
    clearProfilerHistory: (token) => send("DELETE", "/swissarmyknife/profiler/history", guarded(token)),
    nameProfilerWorkflow: (promptId, workflowName) =>
      send("PUT", "/swissarmyknife/profiler/workflows/{prompt_id}/name", { path: { prompt_id: promptId }, body: { workflow_name: workflowName } }),
    getProfilerHistory: (query) => send("GET", "/swissarmyknife/profiler/history", { query }),
    getProfilerSeries: (query) => send("GET", "/swissarmyknife/profiler/series", { query }),
    getProfilerNodeClasses: (query) => send("GET", "/swissarmyknife/profiler/analytics/nodes", { query }),
    getProfilerWorkflowStats: (limit, name) => send("GET", "/swissarmyknife/profiler/analytics/workflows", { query: { limit, name } }),
    getProfilerSettings: () => send("GET", "/swissarmyknife/profiler/settings"),
    updateProfilerSettings: (update) => send("PUT", "/swissarmyknife/profiler/settings", { body: update }),
    listProfilerArchives: () => send("GET", "/swissarmyknife/profiler/archives"),
    createProfilerArchive: (token) => send("POST", "/swissarmyknife/profiler/archive", guarded(token)),
    loadProfilerArchive: (token, id) => send("POST", "/swissarmyknife/profiler/archive/{id}/load", { ...guarded(token), path: { id } }),
    deleteProfilerArchive: (token, id) => send("DELETE", "/swissarmyknife/profiler/archive/{id}", { ...guarded(token), path: { id } }),
    getOomStats: () => send("GET", "/swissarmyknife/profiler/oom_stats"),
    listOomEvents: (limit) => send("GET", "/swissarmyknife/profiler/oom_events", { query: { limit } }),
    unloadModels: (token, models) => send("POST", "/swissarmyknife/profiler/unload", { ...guarded(token), body: { models: [...models] } }),
    getProfilerRegressions: (query) => send("GET", "/swissarmyknife/profiler/regressions", { query }),
    listProfilerBaselines: () => send("GET", "/swissarmyknife/profiler/baselines"),
    getProfilerBaseline: (hash) => send("GET", "/swissarmyknife/profiler/baselines/{workflow_hash}", { path: { workflow_hash: hash } }),
    setProfilerBaseline: (hash, promptId) =>
      send("PUT", "/swissarmyknife/profiler/baselines/{workflow_hash}", { path: { workflow_hash: hash }, body: { prompt_id: promptId } }),
    clearProfilerBaseline: (token, hash) => send("DELETE", "/swissarmyknife/profiler/baselines/{workflow_hash}", { ...guarded(token), path: { workflow_hash: hash } }),
    getProfilerEnvironment: (id) => send("GET", "/swissarmyknife/profiler/environments/{environment_id}", { path: { environment_id: id } }),
  };
}
