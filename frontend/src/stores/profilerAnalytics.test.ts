import { describe, expect, it } from "vitest";

import { FakeProfilerServer, HASH_A, profilerAnalyticsStore, refusal, sampleRuns } from "../testing/profilerTabs";
import { NODE_CLASS_LIMIT, SERIES_POINTS, WORKFLOW_LIMIT } from "./profilerAnalytics.svelte";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function watched(server = new FakeProfilerServer()) {
  const built = profilerAnalyticsStore(server);
  built.store.watch();
  await settle();
  return built;
}

describe("ProfilerAnalyticsStore", () => {
  it("reads nothing until a view looks, then the aggregated endpoints only", async () => {
    const { store, deps, server } = profilerAnalyticsStore();
    await settle();
    expect(server.calls).toEqual([]);
    store.watch();
    await settle();
    expect(deps.getNodeClasses).toHaveBeenCalledWith({ workflow_hash: null, limit: NODE_CLASS_LIMIT });
    expect(deps.getSeries).toHaveBeenCalledWith({ points: SERIES_POINTS, workflow_hash: null });
    expect(deps.getWorkflowStats).toHaveBeenCalledWith(WORKFLOW_LIMIT);
    expect(server.calls).not.toContain("getHistory");
    expect(server.calls).not.toContain("getWorkflow");
  });

  it("holds each part's figures, the chart columns and the slowest classes", async () => {
    const { store } = await watched();
    expect(store.nodes.value?.items.map((c) => c.class_type)).toEqual(["KSampler", "CheckpointLoaderSimple", "VAEDecode"]);
    expect(store.workflows.value?.count).toBe(2);
    expect(store.series.value?.items.length).toBeGreaterThan(0);
    expect(store.columns?.time[0].length).toBeGreaterThan(0);
    expect(store.slowest.map((s) => s.stats.class_type)).toEqual(["CheckpointLoaderSimple", "KSampler", "VAEDecode"]);
    expect([store.nodes.loading, store.series.loading, store.workflows.loading]).toEqual([false, false, false]);
  });

  it("shows one workflow's classes and charts, with no figures of the other filter meanwhile", async () => {
    const { store, deps } = await watched();
    store.setWorkflow(HASH_A);
    expect(store.nodes).toEqual({ value: null, loading: true, error: null });
    expect(store.series.value).toBeNull();
    await settle();
    expect(deps.getNodeClasses).toHaveBeenLastCalledWith({ workflow_hash: HASH_A, limit: NODE_CLASS_LIMIT });
    expect(deps.getSeries).toHaveBeenLastCalledWith({ points: SERIES_POINTS, workflow_hash: HASH_A });
    expect(store.series.value?.items.reduce((n, p) => n + p.runs, 0)).toBe(6);
    store.setWorkflow(HASH_A);
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(2);
  });

  it("drops figures read for a filter changed meanwhile", async () => {
    const server = new FakeProfilerServer(sampleRuns(20));
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { store } = profilerAnalyticsStore(server, undefined, {
      getSeries: async (query) => {
        if (!query.workflow_hash) await slow;
        return server.getSeries(query);
      },
    });
    store.watch();
    store.setWorkflow(HASH_A);
    release();
    await settle();
    await settle();
    expect(store.series.value?.items.reduce((n, p) => n + p.runs, 0)).toBe(10);
  });

  it("keeps a part's last figures when a read fails, says why, and leaves the other parts be", async () => {
    const { store, server, events } = await watched();
    const before = store.nodes.value;
    server.failNext["getNodeClasses"] = refusal(503, "history is not available", "unavailable");
    events.emit("reconnected");
    await settle();
    expect(store.nodes.value).toBe(before);
    expect(store.nodes.error).toBe("history is not available");
    expect(store.series.error).toBeNull();
    events.emit("reconnected");
    await settle();
    expect(store.nodes.error).toBeNull();
  });

  it("reads again when a run is stored or history changed while watched, not for a deleted archive file", async () => {
    const { events, deps } = await watched();
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(2);
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "loaded" });
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(3);
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "deleted" });
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(3);
  });

  it("makes two reads at most for a burst of events", async () => {
    const { events, deps } = await watched();
    for (let i = 0; i < 5; i++) events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    await settle();
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(3);
  });

  it("waits for the next look when nobody looks, and reads after our own change", async () => {
    const { store, events, deps } = profilerAnalyticsStore();
    const release = store.watch();
    await settle();
    release();
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    store.changed();
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(1);
    store.watch();
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(2);
    store.changed();
    await settle();
    expect(deps.getSeries).toHaveBeenCalledTimes(3);
  });

  it("has empty charts and no slowest classes for an empty history", async () => {
    const { store } = await watched(new FakeProfilerServer([]));
    expect(store.columns?.time[0]).toEqual([]);
    expect(store.slowest).toEqual([]);
    expect(store.workflows.value?.data).toEqual([]);
  });
});
