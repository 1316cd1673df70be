// The typed API client: openapi-fetch over the fetch it is given (ComfyUI's api.fetchApi, handed in
// by the composition root), types generated from the backend.
import createClient from "openapi-fetch";

import { ApiRequestError, errorBodyOf } from "./errors";
import type { paths } from "./schema.gen";
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

/** ComfyUI's fetch: adds the base path and /api prefix, so requests work behind a sub-path proxy. */
export type FetchApi = (route: string, init?: RequestInit) => Promise<Response>;

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

// openapi-fetch builds absolute Requests; this placeholder origin is stripped again below so that
// ComfyUI's fetchApi adds the real base path (sub-path proxies) and the /api prefix.
const PLACEHOLDER_ORIGIN = "http://swissarmyknife.invalid";

/** What openapi-fetch answers: `data` when the status was 2xx, else `error` (the body, if any). */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiRequestError carrying the server's error body. */
export function unwrap<T>({ data, error, response }: Answer<T>): T {
  if (data === undefined) throw new ApiRequestError(response.status, errorBodyOf(error));
  return data;
}

/** A query without its null and undefined fields: the server refuses `?workflow_hash=null` (and it means "any"). */
export function given<T extends object>(query: T): Partial<T> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== null && value !== undefined)) as Partial<T>;
}

export function createApiClient(fetchApi: FetchApi): ApiClient {
  const viaComfy = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const init: RequestInit = { method: request.method, headers: request.headers };
    if (request.method !== "GET" && request.method !== "HEAD") {
      init.body = await request.text();
    }
    return fetchApi(url.pathname + url.search, init);
  };
  const client = createClient<paths>({ baseUrl: PLACEHOLDER_ORIGIN, fetch: viaComfy });
  const guarded = (token: string) => ({ params: { header: { "X-SwissArmyKnife-Token": token } }, body: {} });
  const archive = (token: string, id: string) => ({ params: { header: { "X-SwissArmyKnife-Token": token }, path: { id } }, body: {} });

  return {
    getMonitorStatus: async () => unwrap(await client.GET("/swissarmyknife/monitor/status")),
    getMonitorSettings: async () => unwrap(await client.GET("/swissarmyknife/monitor/settings")),
    getMonitorHistory: async (seconds) => unwrap(await client.GET("/swissarmyknife/monitor/history", { params: { query: { seconds } } })),
    inspectGpu: async (index) => unwrap(await client.GET("/swissarmyknife/monitor/gpus/{index}", { params: { path: { index } } })),
    updateMonitorSettings: async (update) => unwrap(await client.PUT("/swissarmyknife/monitor/settings", { body: update })),
    getSession: async () => unwrap(await client.GET("/swissarmyknife/session")),
    postRestart: async (token) => unwrap(await client.POST("/swissarmyknife/restart", guarded(token))),
    postClearVram: async (token) => unwrap(await client.POST("/swissarmyknife/monitor/clear-vram", guarded(token))),
    getProfilerStats: async (limit) => unwrap(await client.GET("/swissarmyknife/profiler/stats", { params: { query: { limit } } })),
    getProfilerWorkflow: async (promptId) =>
      unwrap(await client.GET("/swissarmyknife/profiler/workflows/{prompt_id}", { params: { path: { prompt_id: promptId } } })),
    clearProfilerHistory: async (token) => unwrap(await client.DELETE("/swissarmyknife/profiler/history", guarded(token))),
    nameProfilerWorkflow: async (promptId, workflowName) =>
      unwrap(
        await client.PUT("/swissarmyknife/profiler/workflows/{prompt_id}/name", {
          params: { path: { prompt_id: promptId } },
          body: { workflow_name: workflowName },
        }),
      ),
    getProfilerHistory: async (query) => unwrap(await client.GET("/swissarmyknife/profiler/history", { params: { query: given(query) } })),
    getProfilerSeries: async (query) => unwrap(await client.GET("/swissarmyknife/profiler/series", { params: { query: given(query) } })),
    getProfilerNodeClasses: async (query) => unwrap(await client.GET("/swissarmyknife/profiler/analytics/nodes", { params: { query: given(query) } })),
    getProfilerWorkflowStats: async (limit, name) =>
      unwrap(await client.GET("/swissarmyknife/profiler/analytics/workflows", { params: { query: given({ limit, name }) } })),
    getProfilerSettings: async () => unwrap(await client.GET("/swissarmyknife/profiler/settings")),
    updateProfilerSettings: async (update) => unwrap(await client.PUT("/swissarmyknife/profiler/settings", { body: update })),
    listProfilerArchives: async () => unwrap(await client.GET("/swissarmyknife/profiler/archives")),
    createProfilerArchive: async (token) => unwrap(await client.POST("/swissarmyknife/profiler/archive", guarded(token))),
    loadProfilerArchive: async (token, id) => unwrap(await client.POST("/swissarmyknife/profiler/archive/{id}/load", archive(token, id))),
    deleteProfilerArchive: async (token, id) => unwrap(await client.DELETE("/swissarmyknife/profiler/archive/{id}", archive(token, id))),
    getOomStats: async () => unwrap(await client.GET("/swissarmyknife/profiler/oom_stats")),
    listOomEvents: async (limit) => unwrap(await client.GET("/swissarmyknife/profiler/oom_events", { params: { query: { limit } } })),
    unloadModels: async (token, models) =>
      unwrap(
        await client.POST("/swissarmyknife/profiler/unload", {
          params: { header: { "X-SwissArmyKnife-Token": token } },
          body: { models: [...models] },
        }),
      ),
    getProfilerRegressions: async (query = {}) => unwrap(await client.GET("/swissarmyknife/profiler/regressions", { params: { query: given(query) } })),
    listProfilerBaselines: async () => unwrap(await client.GET("/swissarmyknife/profiler/baselines")),
    getProfilerBaseline: async (hash) => unwrap(await client.GET("/swissarmyknife/profiler/baselines/{workflow_hash}", { params: { path: { workflow_hash: hash } } })),
    setProfilerBaseline: async (hash, promptId) =>
      unwrap(await client.PUT("/swissarmyknife/profiler/baselines/{workflow_hash}", { params: { path: { workflow_hash: hash } }, body: { prompt_id: promptId } })),
    clearProfilerBaseline: async (token, hash) =>
      unwrap(
        await client.DELETE("/swissarmyknife/profiler/baselines/{workflow_hash}", {
          params: { header: { "X-SwissArmyKnife-Token": token }, path: { workflow_hash: hash } },
          body: {},
        }),
      ),
    getProfilerEnvironment: async (id) =>
      unwrap(await client.GET("/swissarmyknife/profiler/environments/{environment_id}", { params: { path: { environment_id: id } } })),
  };
}
