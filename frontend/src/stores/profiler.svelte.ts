// The profiler as the popup, the sidebar and the Latest tab show it: the latest stored run and the
// workflows' averages (GET /profiler/stats), the run opened in the Latest view (GET
// /profiler/workflows/{id}), and the run in progress from ComfyUI's execution events. It fetches
// only while someone looks (views call watch()): on their first look, when a run was stored
// (`swissarmyknife.profiler`), when history changed, after a reconnect. Nothing polls while no
// workflow runs; while one runs and a view is open, the server's live record is read once a second
// (its memory peaks and nodes so far), and the elapsed time ticks with it; the run's VRAM pressure
// comes with each change of its level (`swissarmyknife.profiler.vram_pressure`).
import { untrack } from "svelte";

import type { ProfilerStats, WorkflowAverage, WorkflowRecord } from "../api/types";
import { HISTORY_EVENT, PROFILER_EVENT, VRAM_PRESSURE_EVENT, type HostEvents, type Unsubscribe } from "../lib/events";
import { liveProgress, liveTransition, withNodeCount, type LiveProgress, type LiveRun } from "../lib/liveRun";
import type { LivePressure } from "../lib/profilerCards";
import { DEFAULT_VRAM_THRESHOLDS, shareOf, usualDurationMs, type VramThresholds } from "../lib/profilerRun";
import { Coalesced } from "./coalesced";
import { failureMessage, isNotFound } from "./failure";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";

/** How often the live record is read while a workflow runs and a view is open. */
export const LIVE_POLL_MS = 1000;
/** The stats read asks for this much history: the views here need the latest run and the averages only. */
export const STATS_HISTORY_LIMIT = 1;

export type StatsState =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "ready"; stats: ProfilerStats }
  | { kind: "error"; message: string };

/** The run the Latest tab shows: whatever is latest, or one opened by id (from the Previous tab). */
export type Opened = { kind: "latest" } | { kind: "run"; promptId: string; state: OpenedState };
export type OpenedState = { kind: "loading" } | { kind: "ready"; record: WorkflowRecord } | { kind: "missing" } | { kind: "error"; message: string };

/** What the Latest view renders. */
export type Shown =
  | { kind: "loading" }
  | { kind: "empty" }
  | { kind: "ready"; record: WorkflowRecord; isLatest: boolean }
  | { kind: "missing"; promptId: string }
  | { kind: "error"; message: string };

/** The popup's gauge: the running workflow's progress, else the latest run's time against its usual time. */
export type Gauge =
  | { kind: "running"; progress: LiveProgress; elapsedMs: number }
  | { kind: "latest"; durationMs: number | null; usualMs: number | null; ratio: number | null }
  | { kind: "empty" };

export interface ProfilerDeps {
  getStats(historyLimit: number): Promise<ProfilerStats>;
  getWorkflow(promptId: string): Promise<WorkflowRecord>;
  events: Pick<HostEvents, "onExecution" | "onServerEvent" | "onConnection">;
  /** The node count of a prompt this page queued (host/workflows.ts), else null. */
  nodeCountOf?(promptId: string): number | null;
  /** Switch the modal to the Latest tab (opening it), for open(). */
  showLatestTab(): void;
  logError(message: string, error?: unknown): void;
  now?(): number;
  setTimer?(callback: () => void, ms: number): unknown;
  clearTimer?(timer: unknown): void;
}

export class ProfilerStore extends ServerView {
  // Raw: each value is replaced whole, never mutated (records hold hundreds of nodes).
  stats = $state.raw<StatsState>({ kind: "idle" });
  opened = $state.raw<Opened>({ kind: "latest" });
  live = $state.raw<LiveRun | null>(null);
  /** The server's live record of the running workflow (read while someone looks). */
  current = $state.raw<WorkflowRecord | null>(null);
  /** The running workflow's last vram_pressure event (its level before a node), until it ends. */
  pressure = $state.raw<LivePressure | null>(null);
  /** The page's clock, moved on while a run is watched (elapsed time). */
  nowMs = $state(0);

  #deps: ProfilerDeps;
  #now: () => number;
  /** One stats read at a time; one asked for meanwhile (a run stored during a read) reads again after it. */
  #reads = new Coalesced(() => this.#loadStats());
  #timer: unknown = null;

  constructor(deps: ProfilerDeps) {
    super(deps.events);
    this.#deps = deps;
    this.#now = deps.now ?? (() => Date.now());
    this.nowMs = this.#now();
  }

  readonly latest = $derived(this.stats.kind === "ready" ? this.stats.stats.latest : null);
  readonly averages = $derived<readonly WorkflowAverage[]>(this.stats.kind === "ready" ? this.stats.stats.workflow_averages : []);
  /** The VRAM-before thresholds in force (the profiler's settings, as the stats said them), else the defaults. */
  readonly vramThresholds = $derived.by((): VramThresholds => {
    if (this.stats.kind !== "ready") return DEFAULT_VRAM_THRESHOLDS;
    const { vram_warning_percent: warningPercent, vram_critical_percent: criticalPercent } = this.stats.stats;
    return typeof warningPercent === "number" && typeof criticalPercent === "number" ? { warningPercent, criticalPercent } : DEFAULT_VRAM_THRESHOLDS;
  });

  readonly shown = $derived.by((): Shown => {
    const opened = this.opened;
    if (opened.kind === "run") {
      const { state, promptId } = opened;
      if (state.kind === "ready") return { kind: "ready", record: state.record, isLatest: state.record.prompt_id === this.latest?.prompt_id };
      if (state.kind === "missing") return { kind: "missing", promptId };
      return state;
    }
    const stats = this.stats;
    if (stats.kind === "ready") return stats.stats.latest ? { kind: "ready", record: stats.stats.latest, isLatest: true } : { kind: "empty" };
    if (stats.kind === "error") return stats;
    return { kind: "loading" };
  });

  readonly gauge = $derived.by((): Gauge => {
    const live = this.live;
    if (live) return { kind: "running", progress: liveProgress(live), elapsedMs: Math.max(0, this.nowMs - live.startedAtMs) };
    const latest = this.latest;
    if (!latest) return { kind: "empty" };
    const usualMs = usualDurationMs(this.averages, latest.workflow_hash);
    return { kind: "latest", durationMs: latest.duration_ms, usualMs, ratio: shareOf(latest.duration_ms, usualMs) };
  });

  /** The usual time of a workflow (its successful runs' mean), from the averages read last. */
  usualMs(workflowHash: string): number | null {
    return usualDurationMs(this.averages, workflowHash);
  }

  /** ComfyUI's execution events (the live run), a stored run, a history change, a reconnect. */
  protected override follow(events: ServerViewEvents): Unsubscribe[] {
    return [
      this.#deps.events.onExecution((event) => {
        const before = this.live;
        const next = liveTransition(before, event, this.#now(), (id) => this.#deps.nodeCountOf?.(id) ?? null);
        if (next === before) return;
        this.live = next;
        if (next && !before) this.#runStarted();
        if (!next) this.#runEnded();
      }),
      events.onServerEvent(PROFILER_EVENT, () => this.changed()),
      // Before a node of the running prompt, its level changed (either way): the popup's VRAM before.
      events.onServerEvent(VRAM_PRESSURE_EVENT, (event) => {
        const live = this.live;
        if (!live || event.node_id === null || (live.promptId !== null && live.promptId !== event.prompt_id)) return;
        this.pressure = { promptId: event.prompt_id, percent: event.percent, nodeId: event.node_id, nodeType: event.node_type };
      }),
      // A run opened by id may have left history (cleared, archived), or changed while the socket
      // was down: read it again to say so.
      events.onServerEvent(HISTORY_EVENT, () => {
        this.changed();
        this.#reopen();
      }),
      events.onConnection((event) => {
        if (event === "reconnected") this.#reopen();
      }),
    ];
  }

  override stop(): void {
    super.stop();
    this.#stopTimer();
  }

  /**
   * A view is showing the profiler: read what is stale now, and follow the live run while it is
   * shown (the timer stops at its next tick once no view looks). Returns the function to call when
   * the view goes.
   */
  override watch(): () => void {
    const release = super.watch();
    untrack(() => {
      if (this.live) this.#startTimer();
    });
    return release;
  }

  /** Read the stats again: a burst of events makes one more read after the one in flight, which sees them all. */
  override refresh(): Promise<void> {
    return this.#reads.request();
  }

  /** Show one run in the Latest tab (the Previous tab opens runs this way) and switch the modal to it. */
  open(promptId: string): Promise<void> {
    this.#deps.showLatestTab();
    if (this.opened.kind === "run" && this.opened.promptId === promptId && this.opened.state.kind === "ready") return Promise.resolve();
    return this.#loadRun(promptId);
  }

  /** Try again after a failure: the opened run, or the stats. */
  retry(): Promise<void> {
    return this.opened.kind === "run" ? this.#loadRun(this.opened.promptId) : this.refresh();
  }

  /** Back to following the latest run. */
  showLatest(): void {
    this.opened = { kind: "latest" };
  }

  /** The page learnt how many nodes a prompt has (it queued it); the live run takes it if it is that one. */
  promptQueued(promptId: string, nodeCount: number): void {
    if (this.live && this.live.promptId === promptId) this.live = withNodeCount(this.live, nodeCount);
  }

  async #loadStats(): Promise<void> {
    this.fresh();
    if (this.stats.kind !== "ready") this.stats = { kind: "loading" };
    try {
      const stats = await this.#deps.getStats(STATS_HISTORY_LIMIT);
      this.stats = { kind: "ready", stats };
      this.#takeCurrent(stats.current);
    } catch (error) {
      this.stale();
      this.#deps.logError("could not read the profiler's stats", error);
      // Keep the last figures on a transient failure; say so in place when there are none.
      if (this.stats.kind !== "ready") this.stats = { kind: "error", message: failureMessage(error) };
    }
  }

  async #loadRun(promptId: string): Promise<void> {
    this.opened = { kind: "run", promptId, state: { kind: "loading" } };
    let state: OpenedState;
    try {
      state = { kind: "ready", record: await this.#deps.getWorkflow(promptId) };
    } catch (error) {
      if (isNotFound(error)) state = { kind: "missing" };
      else {
        this.#deps.logError(`could not read run ${promptId}`, error);
        state = { kind: "error", message: failureMessage(error) };
      }
    }
    // Another run may have been opened meanwhile: this answer is then no longer wanted.
    if (this.opened.kind === "run" && this.opened.promptId === promptId) this.opened = { kind: "run", promptId, state };
  }

  /** The live record: its node count fills the gauge's total when the page did not queue the prompt. */
  #takeCurrent(current: WorkflowRecord | null): void {
    const live = this.live;
    if (!live) {
      this.current = null;
      return;
    }
    const matches = current !== null && (live.promptId === null || current.prompt_id === live.promptId);
    this.current = matches ? current : null;
    if (matches) this.live = withNodeCount(live, current.node_count);
  }

  #reopen(): void {
    const opened = this.opened;
    if (opened.kind === "run") void this.#loadRun(opened.promptId);
  }

  #runStarted(): void {
    this.current = null;
    this.pressure = null;
    this.nowMs = this.#now();
    if (this.watched) this.#startTimer();
  }

  #runEnded(): void {
    this.current = null;
    this.pressure = null;
    this.#stopTimer();
  }

  #startTimer(): void {
    if (this.#timer !== null) return;
    const tick = () => {
      this.#timer = null;
      if (!this.live || !this.watched) return;
      this.nowMs = this.#now();
      void this.refresh().finally(() => {
        if (this.live && this.watched && this.#timer === null) this.#timer = this.#setTimer(tick, LIVE_POLL_MS);
      });
    };
    // The first read at once: the node count and the nodes so far.
    tick();
  }

  #stopTimer(): void {
    if (this.#timer === null) return;
    (this.#deps.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)))(this.#timer);
    this.#timer = null;
  }

  #setTimer(callback: () => void, ms: number): unknown {
    return (this.#deps.setTimer ?? ((cb, delay) => setTimeout(cb, delay)))(callback, ms);
  }
}
