// The GPU inspector: which GPU it shows, its latest reading and whether one is under way. While it is
// open and the page visible it reads the GPU again a few seconds after each answer; closed or hidden,
// it reads nothing (the server reads the driver on each request, never per tick).
import type { GpuInspection } from "../api/types";
import type { Unsubscribe } from "../lib/events";

export type GpuInspectorState =
  | { kind: "closed" }
  /** `data`: the last answer (kept through a failed read); `error`: the last read's failure. */
  | { kind: "open"; index: number; data: GpuInspection | null; error: string | null; loading: boolean };

/** How long after an answer the next read starts. */
export const INSPECT_EVERY_MS = 3000;

export interface GpuInspectorDeps {
  inspectGpu(index: number): Promise<GpuInspection>;
  isPageHidden(): boolean;
  onVisibilityChange(listener: () => void): Unsubscribe;
}

export class GpuInspectorStore {
  state = $state.raw<GpuInspectorState>({ kind: "closed" });
  #deps: GpuInspectorDeps;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unwatch: Unsubscribe | null = null;
  /** Which read is current: an answer to an earlier one (closed, reopened) is dropped. */
  #read = 0;

  constructor(deps: GpuInspectorDeps) {
    this.#deps = deps;
  }

  open(index: number): void {
    this.close();
    this.state = { kind: "open", index, data: null, error: null, loading: false };
    // Visible again: read now and go on; hidden: the pending read finds the page hidden and stops.
    this.#unwatch = this.#deps.onVisibilityChange(() => void this.refresh());
    void this.refresh();
  }

  close(): void {
    this.#read++;
    clearTimeout(this.#timer);
    this.#unwatch?.();
    this.#unwatch = null;
    this.state = { kind: "closed" };
  }

  /** Reads the open GPU now (nothing when closed or the page is hidden), then again every few seconds. */
  async refresh(): Promise<void> {
    clearTimeout(this.#timer);
    const state = this.state;
    if (state.kind === "closed" || this.#deps.isPageHidden()) return;
    const read = ++this.#read;
    this.state = { ...state, loading: true };
    let answer: Pick<GpuInspectorState & { kind: "open" }, "data" | "error">;
    try {
      answer = { data: await this.#deps.inspectGpu(state.index), error: null };
    } catch (error) {
      answer = { data: state.data, error: error instanceof Error ? error.message : String(error) };
    }
    if (read !== this.#read) return;
    this.state = { ...state, ...answer, loading: false };
    this.#timer = setTimeout(() => void this.refresh(), INSPECT_EVERY_MS);
  }
}
