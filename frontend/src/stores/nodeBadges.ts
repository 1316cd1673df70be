// The badges on the graph's nodes: which run they show (the newest stored run of the workflow on
// screen, the run going on now over it), what each says (lib/nodeBadges.ts) and the settings they
// follow. It hands the host a new view only when something changed: the host marks the canvas
// dirty once per view, so nothing redraws while nothing happens.
import type { WorkflowRecord } from "../api/types";
import { HISTORY_EVENT, PROFILER_EVENT, type ExecutionEvent, type HostEvents, type Unsubscribe } from "../lib/events";
import {
  badgeMode,
  badgeOpacity,
  liveBadges,
  overStale,
  recordBadges,
  recordMatchesGraph,
  type BadgeFigures,
  type BadgeMode,
  type GraphNodes,
  type LiveNode,
  type NodeBadge,
} from "../lib/nodeBadges";

/** Runs kept to find the graph on screen's newest one again (a tab switched away and back). */
export const KEPT_RECORDS = 20;

/** What the host puts on the nodes. */
export interface BadgeView {
  mode: BadgeMode;
  opacity: number;
  /** By root-graph node id; empty when the graph on screen is not the run's workflow. */
  badges: ReadonlyMap<string, NodeBadge>;
}

export interface NodeBadgeDeps {
  events: Pick<HostEvents, "onExecution" | "onServerEvent">;
  getWorkflow(promptId: string): Promise<WorkflowRecord>;
  /** The newest stored run (GET /profiler/stats's latest), read once at start. */
  getLatest(): Promise<WorkflowRecord | null>;
  /** The graph on screen's nodes (id -> class), null when there is none. */
  graphNodes(): GraphNodes | null;
  render(view: BadgeView): void;
  logError(message: string, error?: unknown): void;
  now?(): number;
}

interface Live {
  promptId: string | null;
  startedMs: number;
  nodes: Map<string, LiveNode>;
  running: string | null;
  ended: boolean;
}

export class NodeBadgeStore {
  mode: BadgeMode = "on";
  figures: BadgeFigures = { time: true, vram: true };
  opacity = 0.9;

  #deps: NodeBadgeDeps;
  #now: () => number;
  /** Newest last, one per workflow (graph hash). */
  #records = new Map<string, WorkflowRecord>();
  #shown: WorkflowRecord | null = null;
  /** The shown run's badges, made again only when it or the figures change (not per live event). */
  #base: { record: WorkflowRecord | null; figures: BadgeFigures; badges: Map<string, NodeBadge> } | null = null;
  #live: Live | null = null;
  #unsubscribe: Unsubscribe[] = [];
  #last = "";

  constructor(deps: NodeBadgeDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => Date.now());
  }

  start(): Promise<void> {
    if (this.#unsubscribe.length === 0) {
      this.#unsubscribe = [
        this.#deps.events.onExecution((event) => this.#execution(event)),
        this.#deps.events.onServerEvent(PROFILER_EVENT, (event) => void this.#stored(event.workflow.prompt_id)),
        // Cleared, archived or loaded: the runs we hold may be gone; the newest is read again.
        this.#deps.events.onServerEvent(HISTORY_EVENT, () => {
          this.#records.clear();
          void this.#loadLatest();
        }),
      ];
    }
    return this.#loadLatest();
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }

  /** The settings (each onChange): applied at once. */
  setMode(value: unknown): void {
    const mode = badgeMode(value);
    const wasOff = this.mode === "off";
    this.mode = mode;
    // Runs stored while off were not read: read the newest now.
    if (wasOff && mode !== "off") void this.#loadLatest();
    this.#update();
  }

  setFigures(figures: Partial<BadgeFigures>): void {
    this.figures = { ...this.figures, ...figures };
    this.#update();
  }

  setOpacity(value: unknown): void {
    this.opacity = badgeOpacity(value, this.opacity);
    this.#update();
  }

  /** The graph on screen changed (another tab, a graph loaded): show its newest run, if we hold one. */
  graphChanged(): void {
    this.#shown = this.#matching();
    this.#update(true);
  }

  /** The badges now, as the host was last given them. */
  view(): BadgeView {
    return { mode: this.mode, opacity: this.opacity, badges: this.mode === "off" ? new Map() : this.#badges() };
  }

  #execution(event: ExecutionEvent): void {
    const now = this.#now();
    const live = this.#live;
    switch (event.type) {
      case "execution_start":
        this.#live = { promptId: event.promptId, startedMs: now, nodes: new Map(), running: null, ended: false };
        break;
      case "execution_cached": {
        const run = live && !live.ended ? live : (this.#live = { promptId: event.promptId, startedMs: now, nodes: new Map(), running: null, ended: false });
        for (const id of event.nodes) run.nodes.set(id, { startedMs: null, endedMs: null, cached: true });
        break;
      }
      case "executing": {
        const run = live && !live.ended ? live : (this.#live = { promptId: null, startedMs: now, nodes: new Map(), running: null, ended: false });
        if (run.running === event.node) return;
        this.#finishRunning(run, now);
        if (event.node === null) run.ended = true;
        else {
          const known = run.nodes.get(event.node);
          run.nodes.set(event.node, { startedMs: known?.startedMs ?? now, endedMs: null, cached: false });
          run.running = event.node;
        }
        break;
      }
      case "progress":
        return;
      default:
        if (!live) return;
        this.#finishRunning(live, now);
        live.ended = true;
    }
    this.#update();
  }

  #finishRunning(run: Live, now: number): void {
    const running = run.running === null ? undefined : run.nodes.get(run.running);
    if (running) running.endedMs = now;
    run.running = null;
  }

  async #stored(promptId: string): Promise<void> {
    if (this.mode === "off") {
      if (this.#live?.promptId === promptId) this.#live = null;
      return;
    }
    try {
      this.#keep(await this.#deps.getWorkflow(promptId));
    } catch (error) {
      this.#deps.logError(`could not read run ${promptId} for the node badges`, error);
      return;
    }
    // The stored run replaces the page's timing of it (the server's figures, VRAM included).
    if (this.#live && (this.#live.promptId === promptId || this.#live.ended)) this.#live = null;
    this.#shown = this.#matching();
    this.#update();
  }

  async #loadLatest(): Promise<void> {
    if (this.mode === "off") return;
    try {
      const latest = await this.#deps.getLatest();
      if (latest && !this.#records.has(latest.workflow_hash)) this.#keep(latest, false);
    } catch (error) {
      this.#deps.logError("could not read the latest run for the node badges", error);
      return;
    }
    this.#shown = this.#matching();
    this.#update();
  }

  #keep(record: WorkflowRecord, newest = true): void {
    if (newest) this.#records.delete(record.workflow_hash);
    else if (this.#records.has(record.workflow_hash)) return;
    if (newest) this.#records.set(record.workflow_hash, record);
    else this.#records = new Map([[record.workflow_hash, record], ...this.#records]);
    while (this.#records.size > KEPT_RECORDS) this.#records.delete(this.#records.keys().next().value!);
  }

  /** The newest run we hold whose workflow is the graph on screen. */
  #matching(): WorkflowRecord | null {
    const graph = this.#deps.graphNodes();
    if (!graph) return null;
    const records = [...this.#records.values()];
    for (let i = records.length - 1; i >= 0; i--) if (recordMatchesGraph(records[i]!, graph)) return records[i]!;
    return null;
  }

  #badges(): ReadonlyMap<string, NodeBadge> {
    if (this.#base?.record !== this.#shown || this.#base.figures !== this.figures) {
      this.#base = { record: this.#shown, figures: this.figures, badges: this.#shown ? recordBadges(this.#shown, this.figures) : new Map() };
    }
    const base = this.#base.badges;
    const live = this.#live;
    if (!live || live.nodes.size === 0) return base;
    // A run of another workflow (queued elsewhere) reaches nodes this graph does not have.
    const graph = this.#deps.graphNodes();
    if (!graph || [...live.nodes.keys()].some((id) => !graph.has(id.split(":")[0] ?? id))) return base;
    return overStale(base, liveBadges(live.nodes, this.#shown?.duration_ms ?? null, this.figures));
  }

  #update(force = false): void {
    const view = this.view();
    const key = `${view.mode}|${view.opacity}|${[...view.badges].map(([id, b]) => `${id}:${b.text}:${b.heat}:${b.stale}`).join(",")}`;
    if (!force && key === this.#last) return;
    this.#last = key;
    try {
      this.#deps.render(view);
    } catch (error) {
      this.#deps.logError("could not put the badges on the nodes", error);
    }
  }
}
