// The OOM tab: the server's out-of-memory analysis (counts, node classes, models, recommendations)
// and the last captures whole. It reads only while a view looks (watch()): on its first look, when
// an OOM is captured, when a run is stored (the rate and the runs' shares change), when history
// changed (cleared, archived, an archive loaded), after a reconnect. Nothing polls.
import type { OomEvent, OomEventPage, OomStats } from "../api/types";
import { OOM_EVENT, type Unsubscribe } from "../lib/events";
import { Coalesced } from "./coalesced";
import { failureMessage } from "./failure";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";

/** The captures the tab lists whole (the server keeps the last 1,000). */
export const OOM_EVENTS_LIMIT = 20;

export interface OomDeps {
  getOomStats(): Promise<OomStats>;
  listOomEvents(limit: number): Promise<OomEventPage>;
  events: ServerViewEvents;
  logError(message: string, error?: unknown): void;
}

export class OomStore extends ServerView {
  stats = $state.raw<OomStats | null>(null);
  statsError = $state<string | null>(null);
  /** The newest captures, newest first. */
  captures = $state.raw<readonly OomEvent[] | null>(null);
  capturesError = $state<string | null>(null);
  loading = $state(false);

  #deps: OomDeps;
  #reads = new Coalesced(() => this.#load());

  constructor(deps: OomDeps) {
    super(deps.events);
    this.#deps = deps;
  }

  /** The newest capture the tab knows of. */
  readonly newest = $derived<OomEvent | null>(this.captures?.[0] ?? this.stats?.recent_oom_events[0] ?? null);
  /** Whether history holds no OOM and no capture is kept: the tab says so plainly. */
  readonly empty = $derived(this.stats !== null && this.stats.total_oom_count === 0 && (this.captures?.length ?? 0) === 0);

  protected follow(events: ServerViewEvents): Unsubscribe[] {
    return [events.onServerEvent(OOM_EVENT, () => this.changed()), ...this.followHistory(events)];
  }

  refresh(): Promise<void> {
    this.fresh();
    return this.#reads.request();
  }

  async #load(): Promise<void> {
    this.loading = true;
    try {
      await Promise.all([this.#loadStats(), this.#loadCaptures()]);
    } finally {
      this.loading = false;
    }
  }

  async #loadStats(): Promise<void> {
    try {
      this.stats = await this.#deps.getOomStats();
      this.statsError = null;
    } catch (error) {
      this.stale();
      this.#deps.logError("could not read the out-of-memory analysis", error);
      this.statsError = failureMessage(error);
    }
  }

  async #loadCaptures(): Promise<void> {
    try {
      this.captures = (await this.#deps.listOomEvents(OOM_EVENTS_LIMIT)).data;
      this.capturesError = null;
    } catch (error) {
      this.stale();
      this.#deps.logError("could not read the out-of-memory captures", error);
      this.capturesError = failureMessage(error);
    }
  }
}
