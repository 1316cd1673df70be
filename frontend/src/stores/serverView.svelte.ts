// A store whose figures come from the server and are read only while a view shows them: views call
// watch(), the server's events mark the figures changed (read at once while watched, else at the
// next look), a reconnect reads them again. The profiler tabs' stores extend it.
import { untrack } from "svelte";

import { HISTORY_EVENT, PROFILER_EVENT, type HostEvents, type Unsubscribe } from "../lib/events";

export type ServerViewEvents = Pick<HostEvents, "onServerEvent" | "onConnection">;

export abstract class ServerView {
  #watchers = $state(0);
  #stale = true;
  #unsubscribe: Unsubscribe[] = [];
  #events: ServerViewEvents;

  constructor(events: ServerViewEvents) {
    this.#events = events;
  }

  /** Reads the figures again (calls fresh() as it starts, stale() when it fails). */
  abstract refresh(): Promise<void>;

  /** The store's own events (a stored run, a history change), each calling changed() or its own reaction. */
  protected abstract follow(events: ServerViewEvents): Unsubscribe[];

  /** What history's figures follow: a run stored, and history changed, except an archive file
   * deleted (that leaves history, and every figure read from it, as it was). */
  protected followHistory(events: ServerViewEvents): Unsubscribe[] {
    return [
      events.onServerEvent(PROFILER_EVENT, () => this.changed()),
      events.onServerEvent(HISTORY_EVENT, (event) => {
        if (event.reason !== "deleted") this.changed();
      }),
    ];
  }

  get watched(): boolean {
    return this.#watchers > 0;
  }

  start(): void {
    if (this.#unsubscribe.length > 0) return;
    this.#unsubscribe.push(
      ...this.follow(this.#events),
      this.#events.onConnection((event) => {
        if (event === "reconnected") this.changed();
      }),
    );
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** A view shows the figures: read them now if stale. Returns the function to call when it goes. */
  watch(): () => void {
    // Untracked: views call this from an $effect, which must not rerun when what it reads (the
    // count it writes, the filters the read uses) changes.
    untrack(() => {
      this.#watchers++;
      if (this.#stale) void this.refresh();
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      untrack(() => this.#watchers--);
    };
  }

  /** The server changed: read now while a view looks, else at the next look. */
  changed(): void {
    if (this.watched) void this.refresh();
    else this.#stale = true;
  }

  /** A read started: the figures are current once it answers. */
  protected fresh(): void {
    this.#stale = false;
  }

  /** A read failed: try again at the next look. */
  protected stale(): void {
    this.#stale = true;
  }
}
