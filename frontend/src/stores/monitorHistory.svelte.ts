// The sparklines' history: one ring per tile (lib/ring.ts) fed by each monitor event, and the
// server's recent samples (GET /monitor/history) merged in when it starts, after a reconnect and when
// the page comes back after a while, so a page just opened draws the last minutes at once.
import type { MonitorHistory } from "../api/types";
import { MONITOR_EVENT, type HostEvents, type Unsubscribe } from "../lib/events";
import { GAP_INTERVALS, HISTORY_MAX_S, ringCapacity, SPARKLINE_MINUTES, TileSeries, windowSeconds } from "../lib/ring";

export interface MonitorHistoryDeps {
  getHistory(seconds: number): Promise<MonitorHistory>;
  events: Pick<HostEvents, "onServerEvent" | "onConnection">;
  /** The sample interval in force (the server's setting); null before it is known. */
  intervalS(): number | null;
  isPageHidden(): boolean;
  onVisibilityChange(listener: () => void): Unsubscribe;
  onError(message: string, error: unknown): void;
}

export class MonitorHistoryStore {
  /** Bumped once per change (an event, a merged history, a setting): every sparkline redraws on it, once. */
  version = $state(0);
  enabled = true;
  windowS = SPARKLINE_MINUTES.defaultValue * 60;

  #deps: MonitorHistoryDeps;
  #series = new TileSeries(1);
  /** The interval the last history answer gave, until the settings say. */
  #intervalS = 2;
  #started = false;
  #hiddenAt = 0;

  constructor(deps: MonitorHistoryDeps) {
    this.#deps = deps;
  }

  /** Follows the events for the page's life, and reads the server's samples. */
  start(): Promise<void> {
    const { events, isPageHidden } = this.#deps;
    this.#started = true;
    events.onServerEvent(MONITOR_EVENT, (event) => {
      if (!this.enabled) return;
      const capacity = this.#capacity();
      // Another window or interval: the same samples in a ring of its size.
      if (capacity !== this.#series.capacity) this.#series = this.#series.merged([], capacity);
      this.#series.add(event.snapshot);
      this.version++;
    });
    events.onConnection((event) => event === "reconnected" && void this.load());
    // Back after longer than a gap (a frozen tab misses events): read what the server took meanwhile.
    this.#deps.onVisibilityChange(() => {
      if (isPageHidden()) this.#hiddenAt = Date.now();
      else if (Date.now() - this.#hiddenAt > this.#gapS() * 1000) void this.load();
    });
    return this.load();
  }

  /** The on/off setting's onChange: off forgets the history and keeps none; on reads it again. */
  setEnabled(value: unknown): void {
    if (this.enabled === (value !== false)) return;
    this.enabled = value !== false;
    this.#series = new TileSeries(1);
    this.version++;
    void this.load();
  }

  /** The window setting's onChange (minutes): the server's samples of the new window are read. */
  setWindowMinutes(value: unknown): void {
    this.windowS = windowSeconds(value);
    this.version++;
    void this.load();
  }

  /** Reads the server's samples of the window and merges them in (nothing before start, or while off). */
  async load(): Promise<void> {
    if (!this.#started || !this.enabled) return;
    try {
      const history = await this.#deps.getHistory(Math.min(this.windowS, HISTORY_MAX_S));
      if (!this.enabled) return;
      this.#intervalS = history.sample_interval_s;
      this.#series = this.#series.merged(history.samples, this.#capacity());
      this.version++;
    } catch (error) {
      // The sparklines show what the events brought; nothing else depends on the history.
      this.#deps.onError(`could not load the monitor history: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }

  /** The tile's sparkline (lib/ring.ts's TileSeries.path); "" when off or without a sample in the window. */
  path(id: string): string {
    void this.version;
    return this.enabled ? this.#series.path(id, this.windowS, this.#gapS()) : "";
  }

  #interval(): number {
    return this.#deps.intervalS() ?? this.#intervalS;
  }

  #capacity(): number {
    return ringCapacity(this.windowS, this.#interval());
  }

  #gapS(): number {
    return GAP_INTERVALS * this.#interval();
  }
}
