// The profiler's stores built over in-memory fakes of our seams, for store and component tests: a
// server answering the stats and runs it is given, a manual clock and timers, one builder per store.
import { vi } from "vitest";

import { ApiRequestError } from "../api/errors";
import type { NodeRecord, ProfilerStats, WorkflowRecord } from "../api/types";
import type { ProfilerViews } from "../components/profiler/context";
import type { TimelinePlotEvents, TimelinePlotFactory, TimelinePlotInput } from "../components/profiler/latest/timelinePlot";
import type { TimelineBar } from "../lib/timeline";
import { ClearHistoryController, type ClearHistoryDeps } from "../stores/clearHistory.svelte";
import { ProfilerStore, type ProfilerDeps } from "../stores/profiler.svelte";
import { UiModeStore } from "../stores/uiMode.svelte";
import { createPreferences } from "../lib/persistence";
import { profilerStats, session } from "./fixtures";
import { FakeEvents, MemoryStorage } from "./hud";

/** setTimeout and Date.now by hand: `advance` moves the clock and runs the timers due. */
export class ManualTimers {
  nowMs = 1_000_000;
  #next = 1;
  #timers = new Map<number, { at: number; callback: () => void }>();

  now = (): number => this.nowMs;
  set = (callback: () => void, ms: number): number => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.nowMs + ms, callback });
    return id;
  };
  clear = (id: unknown): void => {
    this.#timers.delete(id as number);
  };
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves the clock on, running each timer that falls due (and awaiting what it started). */
  async advance(ms: number): Promise<void> {
    const until = this.nowMs + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.nowMs = due[1].at;
      due[1].callback();
      await settle();
    }
    this.nowMs = until;
  }
}

/** Lets pending promises (the fake server's answers) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** A server that holds stats and runs: `stats` and `runs` can change between requests. */
export class FakeProfilerServer {
  stats: ProfilerStats = profilerStats();
  runs = new Map<string, WorkflowRecord>();
  /** When set, every request fails with it (a TypeError: the server is gone). */
  failure: Error | null = null;
  getStats = vi.fn(async (_limit: number): Promise<ProfilerStats> => {
    if (this.failure) throw this.failure;
    return this.stats;
  });
  getWorkflow = vi.fn(async (promptId: string): Promise<WorkflowRecord> => {
    if (this.failure) throw this.failure;
    const run = this.runs.get(promptId);
    if (!run) throw new ApiRequestError(404, { error: "not_found", message: `no workflow ${promptId}`, details: [] });
    return run;
  });
}

/** A started ProfilerStore over a fake server, ComfyUI's events, a UI mode and manual timers. */
export function profilerStore(overrides: Partial<ProfilerDeps> = {}) {
  const server = new FakeProfilerServer();
  const events = new FakeEvents();
  const timers = new ManualTimers();
  const ui = new UiModeStore(createPreferences(() => null, new MemoryStorage()));
  const deps = {
    getStats: server.getStats,
    getWorkflow: server.getWorkflow,
    events: events.host,
    showLatestTab: vi.fn(() => ui.openModal("latest")),
    logError: vi.fn(),
    now: timers.now,
    setTimer: timers.set,
    clearTimer: timers.clear,
    ...overrides,
  };
  const store = new ProfilerStore(deps);
  store.start();
  return { store, server, events, timers, ui, deps };
}

/** A ClearHistoryController whose server forgets 3 runs (override any dependency). */
export function clearHistoryStore(overrides: Partial<ClearHistoryDeps> = {}) {
  const deps = {
    getSession: vi.fn<ClearHistoryDeps["getSession"]>(async () => session()),
    clearHistory: vi.fn<ClearHistoryDeps["clearHistory"]>(async () => ({ removed_count: 3 })),
    cleared: vi.fn<ClearHistoryDeps["cleared"]>(),
    toast: vi.fn<ClearHistoryDeps["toast"]>(),
    logError: vi.fn<ClearHistoryDeps["logError"]>(),
    ...overrides,
  };
  return { controller: new ClearHistoryController(deps), deps };
}

/** The timeline's plot without a canvas: it records what it was asked to draw; tests hover and click its bars. */
export class FakeTimelinePlot {
  inputs: TimelinePlotInput[] = [];
  widths: number[] = [];
  destroyed = 0;
  #events: TimelinePlotEvents | null = null;

  readonly factory: TimelinePlotFactory = (targets, input, events, width) => {
    this.#events = events;
    this.inputs.push(input);
    this.widths.push(width);
    const canvas = document.createElement("div");
    canvas.dataset.fakePlot = "true";
    targets.bars.append(canvas);
    return {
      update: (next) => void this.inputs.push(next),
      resize: (w) => void this.widths.push(w),
      destroy: () => {
        this.destroyed++;
        canvas.remove();
      },
    };
  };

  get last(): TimelinePlotInput | undefined {
    return this.inputs.at(-1);
  }
  hover(bar: TimelineBar | null, leftPx = 100): void {
    this.#events?.hover(bar, leftPx);
  }
  click(bar: TimelineBar): void {
    this.#events?.select(bar);
  }
}

/** Everything the profiler's components read from their context, over the fakes above. */
export function profilerViews(overrides: Partial<ProfilerDeps> = {}) {
  const built = profilerStore(overrides);
  const { controller: clearHistory, deps: clearDeps } = clearHistoryStore({ cleared: () => void built.store.refresh() });
  const plot = new FakeTimelinePlot();
  const focused: NodeRecord[] = [];
  const views: ProfilerViews = {
    profiler: built.store,
    ui: built.ui,
    clearHistory,
    focusNode: (node) => {
      focused.push(node);
      return node.node_id !== "offcanvas";
    },
    timelinePlot: plot.factory,
  };
  return { ...built, views, clearHistory, clearDeps, plot, focused };
}
