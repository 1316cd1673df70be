// The Analytics tab: per node class and per workflow statistics and the time series of history,
// all from the server's aggregated endpoints (bucketed in SQL: a chart never gets thousands of
// rows), for every workflow or one. It reads only while a view looks (watch()), and again when a
// run is stored, when history changed, after a reconnect; each part keeps its last figures when a
// read fails and says why.
import type { NodeClassPage, ProfilerSeries, SeriesQuery, WorkflowAveragePage } from "../api/types";
import { seriesColumns, slowestClasses, type SeriesColumns, type SlowClass } from "../lib/analytics";
import type { Unsubscribe } from "../lib/events";
import { Coalesced } from "./coalesced";
import { failureMessage } from "./failure";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";
import { WorkflowSearch } from "./workflowSearch.svelte";

/** Buckets per chart: enough for a readable line at any history size, a few kB to send. */
export const SERIES_POINTS = 120;
export const NODE_CLASS_LIMIT = 200;
/** The per workflow table lists the workflows run most recently (the API's most). */
export const WORKFLOW_LIMIT = 500;

/** One part of the tab: its last figures (kept while a new read runs or after one fails) and its error. */
export interface Part<T> {
  value: T | null;
  loading: boolean;
  error: string | null;
}

const EMPTY = { value: null, loading: false, error: null };

export interface ProfilerAnalyticsDeps {
  getNodeClasses(query: { workflow_hash?: string | null; limit?: number }): Promise<NodeClassPage>;
  getWorkflowStats(limit: number, name?: string | null): Promise<WorkflowAveragePage>;
  getSeries(query: SeriesQuery): Promise<ProfilerSeries>;
  events: ServerViewEvents;
  logError(message: string, error?: unknown): void;
}

export class ProfilerAnalyticsStore extends ServerView {
  /** The workflow the node classes and charts are of; null: every workflow. */
  workflowHash = $state<string | null>(null);
  nodes = $state.raw<Part<NodeClassPage>>(EMPTY);
  workflows = $state.raw<Part<WorkflowAveragePage>>(EMPTY);
  series = $state.raw<Part<ProfilerSeries>>(EMPTY);
  /** The workflow filter's search by name, for workflows past the newest 500. */
  readonly workflowSearch: WorkflowSearch;

  #deps: ProfilerAnalyticsDeps;
  #reads = new Coalesced(() => this.#load());
  /** Counts filter changes: figures read for an earlier filter are dropped. */
  #generation = 0;

  constructor(deps: ProfilerAnalyticsDeps) {
    super(deps.events);
    this.#deps = deps;
    this.workflowSearch = new WorkflowSearch({ getWorkflowStats: deps.getWorkflowStats, logError: deps.logError });
  }

  readonly columns = $derived<SeriesColumns | null>(this.series.value ? seriesColumns(this.series.value) : null);
  readonly slowest = $derived<SlowClass[]>(this.nodes.value ? slowestClasses(this.nodes.value.items) : []);

  protected follow(events: ServerViewEvents): Unsubscribe[] {
    return this.followHistory(events);
  }

  refresh(): Promise<void> {
    this.fresh();
    return this.#reads.request();
  }

  /** Show one workflow's classes and charts (null: every workflow's). */
  setWorkflow(workflowHash: string | null): void {
    this.workflowSearch.choose(workflowHash);
    if (workflowHash === this.workflowHash) return;
    this.workflowHash = workflowHash;
    this.#generation++;
    // The other filter's figures would read as this one's: none until this one's come.
    this.nodes = { ...EMPTY, loading: true };
    this.series = { ...EMPTY, loading: true };
    void this.refresh();
  }

  async #load(): Promise<void> {
    const generation = this.#generation;
    const workflowHash = this.workflowHash;
    const current = () => generation === this.#generation;
    await Promise.all([
      this.#part("nodes", current, () => this.#deps.getNodeClasses({ workflow_hash: workflowHash, limit: NODE_CLASS_LIMIT })),
      this.#part("series", current, () => this.#deps.getSeries({ points: SERIES_POINTS, workflow_hash: workflowHash })),
      this.#part("workflows", () => true, () => this.#deps.getWorkflowStats(WORKFLOW_LIMIT)),
      this.workflowSearch.search(),
    ]);
  }

  async #part<K extends "nodes" | "series" | "workflows">(key: K, current: () => boolean, read: () => Promise<NonNullable<this[K]["value"]>>): Promise<void> {
    this[key] = { ...this[key], loading: true };
    try {
      const value = await read();
      if (current()) this[key] = { value, loading: false, error: null } as this[K];
    } catch (error) {
      this.stale();
      this.#deps.logError(`could not read the profiler's ${key}`, error);
      if (current()) this[key] = { ...this[key], loading: false, error: failureMessage(error) };
    }
  }
}
