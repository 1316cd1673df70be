import { afterEach, describe, expect, it, vi } from "vitest";

import type { MonitorHistory, MonitorSnapshot } from "../api/types";
import { MONITOR_EVENT } from "../lib/events";
import { monitorEvent, snapshot } from "../testing/fixtures";
import { FakeEvents, FakePage } from "../testing/hud";
import { MonitorHistoryStore, type MonitorHistoryDeps } from "./monitorHistory.svelte";

const at = (sampledAt: number, cpu: number | null = 50): MonitorSnapshot => snapshot({ sampled_at: sampledAt, cpu_percent: cpu });

function history(samples: MonitorSnapshot[], interval = 10): MonitorHistory {
  return { seconds: 300, max_seconds: 600, sample_interval_s: interval, samples };
}

function historyStore(answers: MonitorHistory[] = [history([])], overrides: Partial<MonitorHistoryDeps> = {}) {
  const events = new FakeEvents();
  const page = new FakePage();
  const queue = [...answers];
  const intervalS = vi.fn<() => number | null>(() => null);
  const deps = {
    getHistory: vi.fn(async (_seconds: number) => queue.shift() ?? history([])),
    events: events.host,
    intervalS,
    isPageHidden: page.isPageHidden,
    onVisibilityChange: page.onVisibilityChange,
    onError: vi.fn(),
    ...overrides,
  } satisfies MonitorHistoryDeps;
  const store = new MonitorHistoryStore(deps);
  return { store, deps, intervalS, events, page };
}

/** Lets the history reads under way answer. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The path's points as [x, y] (y = 100 - percent). */
function points(d: string): number[][] {
  return [...d.matchAll(/[ML](\d+) (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("MonitorHistoryStore", () => {
  it("draws the server's samples at once, then each event's", async () => {
    const { store, deps, events } = historyStore([history([at(1000, 10), at(1010, 20)])]);
    await store.start();
    expect(deps.getHistory).toHaveBeenCalledWith(300);
    expect(points(store.path("cpu")).map(([, y]) => y)).toEqual([90, 80]);
    const version = store.version;
    events.emit(MONITOR_EVENT, monitorEvent({ snapshot: at(1020, 30) }));
    expect(store.version).toBe(version + 1);
    expect(points(store.path("cpu")).map(([, y]) => y)).toEqual([90, 80, 70]);
    // Every tile's series, GPUs included.
    expect(store.path("vram-0")).not.toBe("");
    expect(store.path("gpu-temp-0")).not.toBe("");
    expect(store.path("gpu-7")).toBe("");
  });

  it("merges the history with events that came first, one point per sample time", async () => {
    let answer: (value: MonitorHistory) => void = () => {};
    const { store, events } = historyStore([], { getHistory: () => new Promise((resolve) => (answer = resolve)) });
    const started = store.start();
    events.emit(MONITOR_EVENT, monitorEvent({ snapshot: at(1020, 40) }));
    events.emit(MONITOR_EVENT, monitorEvent({ snapshot: at(1030, 60) }));
    answer(history([at(1000, 0), at(1010, 20), at(1020, 99)]));
    await started;
    expect(points(store.path("cpu")).map(([, y]) => y)).toEqual([100, 80, 60, 40]);
  });

  it("shows a gap where samples are further apart than 2.5 intervals (10 s here), and at a missing value", async () => {
    const { store } = historyStore([history([at(1000), at(1010), at(1100), at(1110, null), at(1120), at(1130)])]);
    await store.start();
    expect(store.path("cpu").match(/M/g)).toHaveLength(3);
  });

  it("reads the history again after a reconnect and after the page was hidden longer than a gap", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { store, deps, events, page } = historyStore();
    await store.start();
    events.emit("reconnected");
    await settle();
    expect(deps.getHistory).toHaveBeenCalledTimes(2);
    page.setHidden(true);
    vi.advanceTimersByTime(1000);
    page.setHidden(false);
    expect(deps.getHistory).toHaveBeenCalledTimes(2);
    page.setHidden(true);
    vi.advanceTimersByTime(60_000);
    page.setHidden(false);
    await settle();
    expect(deps.getHistory).toHaveBeenCalledTimes(3);
  });

  it("off forgets the history and keeps none; on reads it again", async () => {
    const { store, deps, events } = historyStore([history([at(1000)]), history([at(1000), at(1010)])]);
    await store.start();
    store.setEnabled(false);
    expect(store.enabled).toBe(false);
    expect(store.path("cpu")).toBe("");
    events.emit(MONITOR_EVENT, monitorEvent({ snapshot: at(1010) }));
    expect(store.path("cpu")).toBe("");
    store.setEnabled(true);
    await settle();
    expect(deps.getHistory).toHaveBeenCalledTimes(2);
    expect(points(store.path("cpu"))).toHaveLength(2);
  });

  it("a setting made before start is kept; nothing is read until start", async () => {
    const { store, deps } = historyStore();
    store.setEnabled(false);
    store.setWindowMinutes(20);
    expect(deps.getHistory).not.toHaveBeenCalled();
    store.setEnabled(true);
    await store.start();
    // The server keeps 10 minutes: a longer window asks for what it has.
    expect(deps.getHistory).toHaveBeenCalledWith(600);
  });

  it("sizes its rings by the window and the interval in force", async () => {
    const { store, intervalS, events } = historyStore();
    await store.start();
    store.setWindowMinutes(1);
    await settle();
    intervalS.mockReturnValue(10);
    // 60 s at 10 s: 7 samples; the 8th pushes out the first (x 0 is outside the window anyway).
    for (let t = 0; t <= 70; t += 10) events.emit(MONITOR_EVENT, monitorEvent({ snapshot: at(t, t) }));
    expect(points(store.path("cpu")).map(([x]) => x)).toEqual([0, 17, 33, 50, 67, 83, 100]);
  });

  it("a failed history read is logged and the events still draw", async () => {
    const { store, deps, events } = historyStore([], { getHistory: async () => Promise.reject(new Error("down")) });
    await store.start();
    expect(deps.onError).toHaveBeenCalledWith("could not load the monitor history: down", expect.any(Error));
    events.emit(MONITOR_EVENT, monitorEvent({ snapshot: at(1000) }));
    expect(store.path("cpu")).toBe("M100 50h0");
  });
});
