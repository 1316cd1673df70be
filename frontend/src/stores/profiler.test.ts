import { describe, expect, it } from "vitest";

import { HISTORY_EVENT, PROFILER_EVENT } from "../lib/events";
import { nodeRecord, profilerStats, workflowAverage, workflowRecord, workflowSummary } from "../testing/fixtures";
import { vramPressureEvent } from "../testing/oom";
import { profilerStore, settle } from "../testing/profiler";
import { LIVE_POLL_MS, STATS_HISTORY_LIMIT } from "./profiler.svelte";

const LATEST = workflowRecord("p1", [nodeRecord("1", "KSampler")], { duration_ms: 4500 });
const stored = (promptId = "p1") => ({ type: "profiler", workflow: workflowSummary(promptId) });

describe("ProfilerStore: reading", () => {
  it("reads nothing until a view looks, then the latest run and the averages (one run of history)", async () => {
    const { store, server } = profilerStore();
    server.stats = profilerStats({ latest: LATEST, workflow_averages: [workflowAverage(LATEST.workflow_hash, { mean_duration_ms: 3000 })] });
    await settle();
    expect(server.getStats).not.toHaveBeenCalled();
    expect(store.stats.kind).toBe("idle");
    const release = store.watch();
    await settle();
    expect(server.getStats).toHaveBeenCalledWith(STATS_HISTORY_LIMIT);
    expect(store.latest?.prompt_id).toBe("p1");
    expect(store.shown).toEqual({ kind: "ready", record: LATEST, isLatest: true });
    expect(store.gauge).toEqual({ kind: "latest", durationMs: 4500, usualMs: 3000, ratio: 1.5 });
    release();
  });

  it("says there is nothing yet, or what went wrong, in place", async () => {
    const { store, server } = profilerStore();
    store.watch();
    await settle();
    expect(store.shown).toEqual({ kind: "empty" });
    expect(store.gauge).toEqual({ kind: "empty" });
    const failing = profilerStore();
    failing.server.failure = new TypeError("Failed to fetch");
    failing.store.watch();
    await settle();
    expect(failing.store.shown).toEqual({ kind: "error", message: "The server did not answer." });
    expect(server.getStats).toHaveBeenCalledTimes(1);
  });

  it("keeps the last figures when a later read fails", async () => {
    const { store, server, events } = profilerStore();
    server.stats = profilerStats({ latest: LATEST });
    store.watch();
    await settle();
    server.failure = new TypeError("Failed to fetch");
    events.emit(PROFILER_EVENT, stored());
    await settle();
    expect(store.shown.kind).toBe("ready");
  });

  it("reads again when a run is stored or history changes while a view looks; otherwise at the next look", async () => {
    const { store, server, events } = profilerStore();
    const release = store.watch();
    await settle();
    events.emit(PROFILER_EVENT, stored());
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(2);
    events.emit(HISTORY_EVENT, { type: "history_changed", reason: "cleared" });
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(3);
    release();
    events.emit(PROFILER_EVENT, stored());
    events.emit(PROFILER_EVENT, stored());
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(3);
    store.watch();
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(4);
    // Still fresh: a second look reads nothing.
    store.watch();
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(4);
  });

  it("reads again after the socket reconnects (events may have been missed)", async () => {
    const { store, server, events } = profilerStore();
    store.watch();
    await settle();
    events.emit("reconnected");
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(2);
  });
});

describe("ProfilerStore: opening a run", () => {
  it("open() shows that run in the Latest tab, switching the modal to it", async () => {
    const { store, server, ui } = profilerStore();
    const older = workflowRecord("old", [nodeRecord("1", "A")]);
    server.runs.set("old", older);
    server.stats = profilerStats({ latest: LATEST });
    store.watch();
    await settle();
    const opening = store.open("old");
    expect(ui.mode).toEqual({ kind: "modal", tab: "latest", under: { kind: "bar" } });
    expect(store.shown).toEqual({ kind: "loading" });
    await opening;
    expect(store.shown).toEqual({ kind: "ready", record: older, isLatest: false });
    store.showLatest();
    expect(store.shown).toMatchObject({ kind: "ready", isLatest: true });
  });

  it("says a run that left history (404) is missing, and another failure in place", async () => {
    const { store, server } = profilerStore();
    await store.open("gone");
    expect(store.shown).toEqual({ kind: "missing", promptId: "gone" });
    server.failure = new TypeError("Failed to fetch");
    await store.open("other");
    expect(store.shown).toEqual({ kind: "error", message: "The server did not answer." });
  });

  it("reads an opened run again when history changes: archived meanwhile, it says so", async () => {
    const { store, server, events } = profilerStore();
    server.runs.set("old", workflowRecord("old", [nodeRecord("1", "A")]));
    await store.open("old");
    expect(store.shown.kind).toBe("ready");
    server.runs.delete("old");
    events.emit(HISTORY_EVENT, { type: "history_changed", reason: "archived" });
    await settle();
    expect(store.shown).toEqual({ kind: "missing", promptId: "old" });
  });

  it("keeps the last run asked for when answers come back out of order", async () => {
    const { store, server } = profilerStore();
    server.runs.set("a", workflowRecord("a", []));
    server.runs.set("b", workflowRecord("b", []));
    const first = store.open("a");
    const second = store.open("b");
    await Promise.all([first, second]);
    expect(store.shown).toMatchObject({ kind: "ready", record: { prompt_id: "b" } });
  });
});

describe("ProfilerStore: the live run", () => {
  it("follows ComfyUI's events: nodes done of nodes to run, with the count of a prompt this page queued", async () => {
    const { store, events } = profilerStore({ nodeCountOf: (id) => (id === "p2" ? 4 : null) });
    events.emit("execution_start", { prompt_id: "p2" });
    events.emit("execution_cached", { prompt_id: "p2", nodes: ["1"] });
    events.emit("executing", "2");
    events.emit("executing", "3");
    expect(store.gauge).toMatchObject({ kind: "running", progress: { done: 1, toRun: 3 } });
    events.emit("execution_success", { prompt_id: "p2" });
    expect(store.live).toBeNull();
  });

  it("polls nothing while no view looks, nor while nothing runs", async () => {
    const { store, server, events, timers } = profilerStore();
    events.emit("execution_start", { prompt_id: "p2" });
    await timers.advance(5 * LIVE_POLL_MS);
    expect(server.getStats).not.toHaveBeenCalled();
    expect(timers.pending).toBe(0);
    events.emit("execution_success", {});
    store.watch();
    await settle();
    await timers.advance(5 * LIVE_POLL_MS);
    expect(server.getStats).toHaveBeenCalledTimes(1);
    expect(timers.pending).toBe(0);
  });

  it("while a run is watched, reads the live record once a second and stops when the run ends or the view goes", async () => {
    const { store, server, events, timers } = profilerStore();
    const current = workflowRecord("p3", [nodeRecord("1", "A")], { status: "running", node_count: 6, duration_ms: null });
    server.stats = profilerStats({ current });
    const release = store.watch();
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(1);
    events.emit("execution_start", { prompt_id: "p3" });
    await settle();
    // At once (the node count), then each second.
    expect(server.getStats).toHaveBeenCalledTimes(2);
    expect(store.current?.prompt_id).toBe("p3");
    expect(store.live?.nodeCount).toBe(6);
    await timers.advance(3 * LIVE_POLL_MS);
    expect(server.getStats).toHaveBeenCalledTimes(5);
    expect(store.gauge).toMatchObject({ kind: "running", elapsedMs: 3 * LIVE_POLL_MS });
    release();
    await timers.advance(3 * LIVE_POLL_MS);
    expect(server.getStats).toHaveBeenCalledTimes(5);
    store.watch();
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(6);
    events.emit("execution_success", {});
    expect(store.current).toBeNull();
    await timers.advance(3 * LIVE_POLL_MS);
    expect(server.getStats).toHaveBeenCalledTimes(6);
    expect(timers.pending).toBe(0);
  });

  it("takes another prompt's live record for nothing", async () => {
    const { store, server, events } = profilerStore();
    server.stats = profilerStats({ current: workflowRecord("other", [], { node_count: 9 }) });
    store.watch();
    events.emit("execution_start", { prompt_id: "mine" });
    await settle();
    expect(store.current).toBeNull();
    expect(store.live?.nodeCount).toBeNull();
  });

  it("keeps the running prompt's last vram_pressure (either way), never another prompt's, and forgets it when the run ends", () => {
    const { store, events } = profilerStore();
    const pressure = (over: Parameters<typeof vramPressureEvent>[0]) => events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent({ prompt_id: "p2", ...over }));
    pressure({ level: "critical" });
    expect(store.pressure, "nothing runs").toBeNull();
    events.emit("execution_start", { prompt_id: "p2" });
    pressure({ level: "warning", percent: 88, node_id: "1", node_type: "LoadImage" });
    expect(store.pressure).toEqual({ promptId: "p2", percent: 88, nodeId: "1", nodeType: "LoadImage" });
    pressure({ prompt_id: "other", percent: 99 });
    expect(store.pressure?.percent).toBe(88);
    // Back to normal before a node is a reading too; the run's own end (node_id null) is not.
    pressure({ level: "normal", percent: 60, node_id: "4", node_type: "ImageScale" });
    expect(store.pressure?.percent).toBe(60);
    pressure({ level: "normal", percent: null, node_id: null, node_type: null });
    expect(store.pressure?.percent).toBe(60);
    events.emit("execution_success", { prompt_id: "p2" });
    expect(store.pressure).toBeNull();
  });

  it("says the VRAM thresholds in force as the stats carry them, the defaults until read", async () => {
    const { store, server } = profilerStore();
    expect(store.vramThresholds).toEqual({ warningPercent: 85, criticalPercent: 95 });
    server.stats = profilerStats({ vram_warning_percent: 70, vram_critical_percent: 90 });
    store.watch();
    await settle();
    expect(store.vramThresholds).toEqual({ warningPercent: 70, criticalPercent: 90 });
  });

  it("learns a queued prompt's node count when it is the one running", () => {
    const { store, events } = profilerStore();
    events.emit("execution_start", { prompt_id: "p4" });
    store.promptQueued("other", 3);
    expect(store.live?.nodeCount).toBeNull();
    store.promptQueued("p4", 3);
    expect(store.live?.nodeCount).toBe(3);
  });

  it("stops following everything when stopped", () => {
    const { store, events } = profilerStore();
    store.stop();
    expect(events.count()).toBe(0);
  });
});

describe("ProfilerStore: reads in flight", () => {
  it("reads again after the read in flight when a run is stored meanwhile (that read may predate it)", async () => {
    const { store, server, events } = profilerStore();
    let answer: (value: ReturnType<typeof profilerStats>) => void = () => {};
    server.getStats.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    store.watch();
    // The run is stored while the first read (made before it) is on its way.
    server.stats = profilerStats({ latest: LATEST });
    events.emit(PROFILER_EVENT, stored());
    answer(profilerStats());
    await settle();
    await settle();
    expect(server.getStats).toHaveBeenCalledTimes(2);
    expect(store.latest?.prompt_id).toBe("p1");
  });
});
