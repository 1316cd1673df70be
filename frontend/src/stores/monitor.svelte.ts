// The monitor's state: one discriminated union, changed by pure transitions, fed by REST and events.
import type { MonitorEvent, MonitorSnapshot, MonitorStatus } from "../api/types";
import { MONITOR_EVENT, type HostEvents } from "../lib/events";

export type MonitorState =
  | { kind: "loading" }
  | { kind: "ready"; status: MonitorStatus; snapshot: MonitorSnapshot | null; stale: boolean }
  | { kind: "error"; message: string };

/** A fresh status replaces everything it describes. */
export function withStatus(_state: MonitorState, status: MonitorStatus): MonitorState {
  return { kind: "ready", status, snapshot: status.snapshot, stale: false };
}

/** An event updates the snapshot only; it says whether capabilities changed (refetch then). */
export function withEvent(state: MonitorState, event: MonitorEvent): { state: MonitorState; refetch: boolean } {
  if (state.kind !== "ready") return { state, refetch: true };
  const refetch = event.capabilities_version !== state.status.capabilities_version;
  return { state: { ...state, snapshot: event.snapshot, stale: false }, refetch };
}

export function withError(state: MonitorState, message: string): MonitorState {
  // Keep showing the last data, marked stale, rather than blanking the bar on a transient failure.
  if (state.kind === "ready") return { ...state, stale: true };
  return { kind: "error", message };
}

/** The socket dropped: keep the last values, marked stale, until the reconnect's refetch. */
export function withDisconnected(state: MonitorState): MonitorState {
  return state.kind === "ready" && !state.stale ? { ...state, stale: true } : state;
}

export interface MonitorDeps {
  getStatus(): Promise<MonitorStatus>;
  /** Telemetry frames (malformed ones are dropped before they get here) and the socket's state. */
  events: Pick<HostEvents, "onServerEvent" | "onConnection">;
  onError(message: string, error: unknown): void;
}

export class MonitorStore {
  // Raw: every transition builds a new immutable state, so no deep proxy is needed (cheaper reads, less GC).
  state = $state.raw<MonitorState>({ kind: "loading" });
  #deps: MonitorDeps;
  #unsubscribe: (() => void)[] = [];
  #inflight: Promise<void> | null = null;

  constructor(deps: MonitorDeps) {
    this.#deps = deps;
  }

  /** Fetch the status, then follow live events; a reconnect refetches. */
  start(): Promise<void> {
    const { events } = this.#deps;
    this.#unsubscribe.push(
      events.onServerEvent(MONITOR_EVENT, (event) => this.apply(event)),
      events.onConnection((event) => {
        if (event === "reconnecting") this.state = withDisconnected(this.state);
        else void this.refresh();
      }),
    );
    return this.refresh();
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  apply(event: MonitorEvent): void {
    const { state, refetch } = withEvent(this.state, event);
    this.state = state;
    if (refetch) void this.refresh();
  }

  refresh(): Promise<void> {
    // Coalesce: a burst of events after a capability change triggers one request.
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #load(): Promise<void> {
    try {
      this.state = withStatus(this.state, await this.#deps.getStatus());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#deps.onError(`could not load the monitor status: ${message}`, error);
      this.state = withError(this.state, message);
    }
  }
}
