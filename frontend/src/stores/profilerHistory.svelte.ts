// The Previous tab: one page of stored runs (newest first, paged with the API's `before` cursor),
// filtered by workflow (graph hash) and status; the runs picked to open, export or compare; and the
// comparison of two runs of one workflow. It reads only while a view looks (watch()): on its first
// look, when a run was stored (the newest page then changes), when history changed (an archive
// loaded, history cleared or archived), after a reconnect. Nothing polls.
import type { BaselineSummary, HistoryPage, HistoryQuery, WorkflowAverage, WorkflowAveragePage, WorkflowRecord, WorkflowSummary } from "../api/types";
import { canCompare, compareRuns, orderRuns, type RunDiff } from "../lib/compareRuns";
import type { EnvironmentDiff } from "../lib/environment";
import { HISTORY_EVENT, PROFILER_EVENT, type Unsubscribe } from "../lib/events";
import type { HistoryStatus } from "../lib/history";
import { currentCursor, FIRST_PAGE, nextPage, pageIndex, pageRange, previousPage, type Paging } from "../lib/paging";
import { runName } from "../lib/profilerRun";
import { failureMessage, isNotFound } from "./failure";
import type { EnvironmentCache } from "./environments";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";
import { WorkflowSearch } from "./workflowSearch.svelte";

export const HISTORY_PAGE_SIZE = 50;
/** The workflow filter offers this many workflows, most recently run first (the API's most). */
export const WORKFLOW_OPTIONS_LIMIT = 500;

export interface HistoryFilter {
  workflowHash: string | null;
  status: HistoryStatus | null;
}

export type CompareState =
  | { kind: "none" }
  | { kind: "loading"; promptIds: string[] }
  /**
   * `against`: "baseline" when "before" is the workflow's pinned baseline (read with its pin, so it
   * may have left history); `environment`: what differed between the runs' environments, null while read.
   */
  | { kind: "ready"; diff: RunDiff; against: "baseline" | "runs"; environment: EnvironmentDiff | null }
  /** One of the runs is no longer in history (archived or cleared meanwhile). */
  | { kind: "missing"; promptId: string }
  | { kind: "error"; message: string };

/** What the selection allows, and why not when it does not. */
export type CompareReadiness = { ok: true } | { ok: false; reason: string };

export interface ProfilerHistoryDeps {
  getHistory(query: HistoryQuery): Promise<HistoryPage>;
  getWorkflowStats(limit: number, name?: string | null): Promise<WorkflowAveragePage>;
  getWorkflow(promptId: string): Promise<WorkflowRecord>;
  /** The workflow's pinned baseline as last read (the marks, whether "compare with baseline" can). */
  baselineOf(workflowHash: string): BaselineSummary | null;
  /** The baseline's record (kept with its pin); null when none is pinned. */
  baselineRecord(workflowHash: string): Promise<WorkflowRecord | null>;
  environments: EnvironmentCache;
  events: ServerViewEvents;
  logError(message: string, error?: unknown): void;
}

export class ProfilerHistoryStore extends ServerView {
  filter = $state.raw<HistoryFilter>({ workflowHash: null, status: null });
  paging = $state.raw<Paging>(FIRST_PAGE);
  /** The page shown; kept while the next one loads, so the table does not blink. */
  page = $state.raw<HistoryPage | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The workflows the filter offers (names by graph hash), most recently run first. */
  workflows = $state.raw<readonly WorkflowAverage[]>([]);
  workflowsError = $state<string | null>(null);
  /** The runs picked, in the order picked (two at most). */
  selected = $state.raw<readonly WorkflowSummary[]>([]);
  compare = $state.raw<CompareState>({ kind: "none" });
  /** The workflow filter's search by name, for workflows past the newest 500. */
  readonly workflowSearch: WorkflowSearch;

  #deps: ProfilerHistoryDeps;
  /** Each read of a page counts up; an answer to an older read than the last is dropped. */
  #generation = 0;
  #compareGeneration = 0;

  constructor(deps: ProfilerHistoryDeps) {
    super(deps.events);
    this.#deps = deps;
    this.workflowSearch = new WorkflowSearch({ getWorkflowStats: deps.getWorkflowStats, logError: deps.logError });
  }

  readonly items = $derived<readonly WorkflowSummary[]>(this.page?.items ?? []);
  readonly range = $derived(this.page ? pageRange(this.paging, HISTORY_PAGE_SIZE, this.page.items.length, this.page.total) : null);
  readonly hasNext = $derived(this.page?.next_before != null);
  readonly hasPrevious = $derived(pageIndex(this.paging) > 0);
  readonly filtered = $derived(this.filter.workflowHash !== null || this.filter.status !== null);

  readonly compareReadiness = $derived.by((): CompareReadiness => {
    const [a, b] = this.selected;
    if (a && !b) {
      const pin = this.#deps.baselineOf(a.workflow_hash);
      if (pin && pin.prompt_id !== a.prompt_id) return { ok: true };
      return { ok: false, reason: pin ? "This run is the baseline: pick another run to compare." : "One run picked: pick another of the same workflow to compare, or pin a baseline." };
    }
    if (!a || !b) return { ok: false, reason: "Pick two runs of one workflow to compare them." };
    if (!canCompare(a, b)) return { ok: false, reason: "These runs are of different workflows: pick two runs of one workflow." };
    return { ok: true };
  });

  protected follow(events: ServerViewEvents): Unsubscribe[] {
    return [
      // A stored run changes the newest page only; further pages are pinned by their cursor.
      events.onServerEvent(PROFILER_EVENT, () => {
        if (pageIndex(this.paging) === 0) this.changed();
      }),
      events.onServerEvent(HISTORY_EVENT, (event) => this.historyChanged(event.reason)),
    ];
  }

  /**
   * History changed other than by a new run (an archive loaded, history cleared or archived, our
   * own action or another page's): back to the newest page; picks of runs that may be gone are dropped.
   */
  historyChanged(reason: "cleared" | "archived" | "loaded" | "deleted" | "retention"): void {
    // Deleting an archive file leaves history as it was.
    if (reason === "deleted") return;
    this.paging = FIRST_PAGE;
    if (reason !== "loaded") this.selected = [];
    this.changed();
  }

  /** Read the page shown and the workflows again. */
  async refresh(): Promise<void> {
    this.fresh();
    await Promise.all([this.#loadPage(), this.#loadWorkflows(), this.workflowSearch.search()]);
  }

  setWorkflow(workflowHash: string | null): void {
    this.workflowSearch.choose(workflowHash);
    if (workflowHash === this.filter.workflowHash) return;
    this.filter = { ...this.filter, workflowHash };
    this.#firstPage();
  }

  setStatus(status: HistoryStatus | null): void {
    if (status === this.filter.status) return;
    this.filter = { ...this.filter, status };
    this.#firstPage();
  }

  clearFilter(): void {
    if (!this.filtered) return;
    this.filter = { workflowHash: null, status: null };
    this.#firstPage();
  }

  next(): void {
    const before = this.page?.next_before ?? null;
    if (before === null || this.loading) return;
    this.paging = nextPage(this.paging, before);
    void this.#loadPage();
  }

  previous(): void {
    if (!this.hasPrevious || this.loading) return;
    this.paging = previousPage(this.paging);
    void this.#loadPage();
  }

  /** The name to show for a run or a workflow: its latest name (the graph's newest run), else its own. */
  nameOf(run: { workflow_hash: string; workflow_name?: string | null }): string {
    const latest = this.workflows.find((w) => w.workflow_hash === run.workflow_hash) ?? this.workflowSearch.known(run.workflow_hash);
    return runName(latest?.workflow_name ? latest : run);
  }

  isSelected(promptId: string): boolean {
    return this.selected.some((run) => run.prompt_id === promptId);
  }

  /** Pick a run, or drop it when picked; a third pick drops the first. */
  toggleSelected(run: WorkflowSummary): void {
    if (this.isSelected(run.prompt_id)) {
      this.selected = this.selected.filter((r) => r.prompt_id !== run.prompt_id);
      return;
    }
    this.selected = [...this.selected, run].slice(-2);
  }

  clearSelection(): void {
    this.selected = [];
  }

  /** Compare the two runs picked (older one first), or the one picked with its workflow's baseline. */
  async compareSelected(): Promise<void> {
    const [x, y] = this.selected;
    if (!x || !this.compareReadiness.ok) return;
    if (!y) return this.compareWithBaseline(x);
    const [a, b] = orderRuns(x, y);
    return this.#compare([a.prompt_id, b.prompt_id], async () => {
      const [older, newer] = await Promise.all([a, b].map((run) => this.#record(run.prompt_id)));
      return { kind: "ready", diff: compareRuns(older!, newer!), against: "runs", environment: null };
    });
  }

  /** Compare a run with its workflow's pinned baseline (before: the baseline, even when it ran later). */
  compareWithBaseline(run: Pick<WorkflowSummary, "prompt_id" | "workflow_hash">): Promise<void> {
    return this.#compare([run.prompt_id], async () => {
      const [baseline, record] = await Promise.all([this.#deps.baselineRecord(run.workflow_hash), this.#record(run.prompt_id)]);
      if (!baseline) return { kind: "error", message: "This workflow has no baseline pinned (it was unpinned meanwhile)." };
      return { kind: "ready", diff: compareRuns(baseline, record, true), against: "baseline", environment: null };
    });
  }

  async #compare(promptIds: string[], read: () => Promise<CompareState>): Promise<void> {
    const generation = ++this.#compareGeneration;
    this.compare = { kind: "loading", promptIds };
    let next: CompareState;
    try {
      next = await read();
    } catch (error) {
      if (error instanceof MissingRun) next = { kind: "missing", promptId: error.promptId };
      else {
        this.#deps.logError("could not read the runs to compare", error);
        next = { kind: "error", message: failureMessage(error) };
      }
    }
    if (generation !== this.#compareGeneration) return;
    this.compare = next;
    if (next.kind !== "ready") return;
    const environment = await this.#deps.environments.diff(next.diff.a.environment_id, next.diff.b.environment_id);
    if (generation === this.#compareGeneration) this.compare = { ...next, environment };
  }

  closeCompare(): void {
    this.#compareGeneration++;
    this.compare = { kind: "none" };
  }

  async #record(promptId: string): Promise<WorkflowRecord> {
    try {
      return await this.#deps.getWorkflow(promptId);
    } catch (error) {
      throw isNotFound(error) ? new MissingRun(promptId) : error;
    }
  }

  #firstPage(): void {
    this.paging = FIRST_PAGE;
    void this.#loadPage();
  }

  async #loadPage(): Promise<void> {
    const generation = ++this.#generation;
    const { workflowHash, status } = this.filter;
    this.loading = true;
    try {
      const page = await this.#deps.getHistory({
        limit: HISTORY_PAGE_SIZE,
        before: currentCursor(this.paging),
        workflow_hash: workflowHash,
        status,
      });
      if (generation !== this.#generation) return;
      this.page = page;
      this.error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.stale();
      this.#deps.logError("could not read the profiler's history", error);
      this.error = failureMessage(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  async #loadWorkflows(): Promise<void> {
    try {
      this.workflows = (await this.#deps.getWorkflowStats(WORKFLOW_OPTIONS_LIMIT)).data;
      this.workflowsError = null;
    } catch (error) {
      this.#deps.logError("could not read the profiler's workflows", error);
      this.workflowsError = failureMessage(error);
    }
  }
}

class MissingRun extends Error {
  constructor(readonly promptId: string) {
    super(`run ${promptId} is no longer in history`);
  }
}
