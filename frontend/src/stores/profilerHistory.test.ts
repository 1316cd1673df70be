import { describe, expect, it } from "vitest";

import { FakeProfilerServer, HASH_A, HASH_B, profilerHistoryStore, refusal, sampleRuns } from "../testing/profilerTabs";
import { HISTORY_PAGE_SIZE } from "./profilerHistory.svelte";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function watched(server = new FakeProfilerServer()) {
  const built = profilerHistoryStore(server);
  built.store.watch();
  await settle();
  return built;
}

describe("ProfilerHistoryStore", () => {
  it("reads nothing until a view looks, then the newest page and the workflows", async () => {
    const { store, deps } = profilerHistoryStore();
    await settle();
    expect(deps.getHistory).not.toHaveBeenCalled();
    store.watch();
    await settle();
    expect(deps.getHistory).toHaveBeenCalledWith({ limit: HISTORY_PAGE_SIZE, before: null, workflow_hash: null, status: null });
    expect(store.items.map((r) => r.prompt_id).slice(0, 3)).toEqual(["run-011", "run-010", "run-009"]);
    expect(store.workflows.map((w) => w.workflow_hash)).toEqual([HASH_B, HASH_A]);
    expect(store.range).toEqual({ first: 1, last: 12, total: 12 });
  });

  it("pages back through history with each page's next_before, and forward again", async () => {
    const { store, deps } = await watched(new FakeProfilerServer(sampleRuns(120)));
    expect(store.items).toHaveLength(50);
    expect(store.hasNext).toBe(true);
    expect(store.hasPrevious).toBe(false);
    const lastOfFirst = store.items.at(-1)!;
    store.next();
    await settle();
    expect(deps.getHistory).toHaveBeenLastCalledWith(expect.objectContaining({ before: lastOfFirst.started_at }));
    expect(store.items[0]!.prompt_id).toBe("run-069");
    expect(store.range).toEqual({ first: 51, last: 100, total: 120 });
    store.next();
    await settle();
    expect(store.items).toHaveLength(20);
    expect(store.hasNext).toBe(false);
    store.next();
    expect(deps.getHistory).toHaveBeenCalledTimes(3);
    store.previous();
    await settle();
    expect(store.items[0]!.prompt_id).toBe("run-069");
    store.previous();
    await settle();
    expect(store.items[0]!.prompt_id).toBe("run-119");
    expect(store.hasPrevious).toBe(false);
  });

  it("filters by workflow and status from the newest page", async () => {
    const { store, deps } = await watched(new FakeProfilerServer(sampleRuns(120)));
    store.next();
    await settle();
    store.setWorkflow(HASH_A);
    await settle();
    expect(deps.getHistory).toHaveBeenLastCalledWith({ limit: 50, before: null, workflow_hash: HASH_A, status: null });
    expect(store.items.every((r) => r.workflow_hash === HASH_A)).toBe(true);
    expect(store.page?.total).toBe(60);
    store.setStatus("error");
    await settle();
    expect(store.items.every((r) => r.status === "error" && r.workflow_hash === HASH_A)).toBe(true);
    expect(store.filtered).toBe(true);
    store.clearFilter();
    await settle();
    expect(store.filter).toEqual({ workflowHash: null, status: null });
    expect(store.page?.total).toBe(120);
  });

  it("shows the answer to the last request only (a slow page after a quick filter change)", async () => {
    const server = new FakeProfilerServer(sampleRuns(20));
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { store } = profilerHistoryStore(server, undefined, {
      getHistory: async (query) => {
        if (query.status === null && query.workflow_hash === null) await slow;
        return server.getHistory(query);
      },
    });
    store.watch();
    store.setStatus("oom");
    await settle();
    release();
    await settle();
    expect(store.items.map((r) => r.status)).toEqual(["oom"]);
    expect(store.loading).toBe(false);
  });

  it("keeps the page shown when a read fails, and says why", async () => {
    const { store, server } = await watched();
    server.failNext["getHistory"] = refusal(400, "invalid query parameters (workflow_hash: ...)", "validation_error");
    store.setStatus("error");
    await settle();
    expect(store.error).toBe("invalid query parameters (workflow_hash: ...)");
    expect(store.items.length).toBeGreaterThan(0);
    server.failNext["getHistory"] = new TypeError("Failed to fetch");
    store.setStatus(null);
    await settle();
    expect(store.error).toBe("The server did not answer.");
  });

  it("says so when the workflows cannot be read, and still lists runs", async () => {
    const server = new FakeProfilerServer();
    server.failNext["getWorkflowStats"] = refusal(503, "history is not available");
    const { store } = await watched(server);
    expect(store.workflowsError).toBe("history is not available");
    expect(store.items.length).toBe(12);
  });

  it("names runs by their workflow's latest name, unsaved ones by the short hash", async () => {
    const { store } = await watched();
    expect(store.nameOf({ workflow_hash: HASH_A, workflow_name: null })).toBe("portrait");
    expect(store.nameOf({ workflow_hash: HASH_B, workflow_name: null })).toBe("Unsaved workflow · bbbbbbb");
    expect(store.nameOf({ workflow_hash: "cccccccccccccccc", workflow_name: "old name" })).toBe("old name");
  });

  describe("after the server changes", () => {
    it("reads the newest page again when a run is stored, and not further pages", async () => {
      const { store, events, deps } = await watched(new FakeProfilerServer(sampleRuns(60)));
      events.emit("swissarmyknife.profiler", { type: "profiler", workflow: store.items[0] });
      await settle();
      expect(deps.getHistory).toHaveBeenCalledTimes(2);
      store.next();
      await settle();
      events.emit("swissarmyknife.profiler", { type: "profiler", workflow: store.items[0] });
      await settle();
      expect(deps.getHistory).toHaveBeenCalledTimes(3);
    });

    it("goes back to the newest page and drops the picks when history was cleared or archived", async () => {
      const { store, events, server } = await watched(new FakeProfilerServer(sampleRuns(60)));
      store.next();
      await settle();
      store.toggleSelected(store.items[0]!);
      server.runs = sampleRuns(3);
      events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "cleared" });
      await settle();
      expect(store.hasPrevious).toBe(false);
      expect(store.items).toHaveLength(3);
      expect(store.selected).toEqual([]);
    });

    it("keeps the picks when an archive was loaded (runs only came back), and ignores a deleted archive file", async () => {
      const { store, events, deps } = await watched();
      store.toggleSelected(store.items[0]!);
      events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "loaded" });
      await settle();
      expect(store.selected).toHaveLength(1);
      expect(deps.getHistory).toHaveBeenCalledTimes(2);
      events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "deleted" });
      await settle();
      expect(deps.getHistory).toHaveBeenCalledTimes(2);
    });

    it("only marks itself stale while no view looks, and reads at the next look", async () => {
      const { store, events, deps } = profilerHistoryStore();
      const release = store.watch();
      await settle();
      release();
      events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "archived" });
      events.emit("reconnected");
      await settle();
      expect(deps.getHistory).toHaveBeenCalledTimes(1);
      store.watch();
      await settle();
      expect(deps.getHistory).toHaveBeenCalledTimes(2);
    });

    it("reads again after a reconnect", async () => {
      const { events, deps } = await watched();
      events.emit("reconnected");
      await settle();
      expect(deps.getHistory).toHaveBeenCalledTimes(2);
      expect(deps.getWorkflowStats).toHaveBeenCalledTimes(2);
    });

    it("stops following events once stopped", async () => {
      const { store, events, deps } = await watched();
      store.stop();
      expect(events.count()).toBe(0);
      events.emit("reconnected");
      await settle();
      expect(deps.getHistory).toHaveBeenCalledTimes(1);
    });
  });

  describe("picking and comparing runs", () => {
    it("picks two runs at most, a third dropping the first; a second press drops a pick", async () => {
      const { store } = await watched();
      const [r0, r1, r2] = store.items;
      store.toggleSelected(r0!);
      store.toggleSelected(r1!);
      store.toggleSelected(r2!);
      expect(store.selected.map((r) => r.prompt_id)).toEqual([r1!.prompt_id, r2!.prompt_id]);
      store.toggleSelected(r1!);
      expect(store.selected.map((r) => r.prompt_id)).toEqual([r2!.prompt_id]);
      expect(store.isSelected(r2!.prompt_id)).toBe(true);
      store.clearSelection();
      expect(store.selected).toEqual([]);
    });

    it("says why it cannot compare: fewer than two runs, or runs of different workflows", async () => {
      const { store } = await watched();
      expect(store.compareReadiness).toEqual({ ok: false, reason: "Pick two runs of one workflow to compare them." });
      store.toggleSelected(store.items[0]!); // workflow B
      store.toggleSelected(store.items[1]!); // workflow A
      expect(store.compareReadiness.ok).toBe(false);
      expect(store.compareReadiness).toMatchObject({ reason: expect.stringContaining("different workflows") });
      await store.compareSelected();
      expect(store.compare).toEqual({ kind: "none" });
    });

    it("compares two runs of one workflow, the older as the baseline", async () => {
      const { store, deps } = await watched();
      const newer = store.items.find((r) => r.prompt_id === "run-010")!;
      const older = store.items.find((r) => r.prompt_id === "run-000")!;
      store.toggleSelected(newer);
      store.toggleSelected(older);
      const comparing = store.compareSelected();
      expect(store.compare).toEqual({ kind: "loading", promptIds: ["run-000", "run-010"] });
      await comparing;
      expect(deps.getWorkflow).toHaveBeenCalledTimes(2);
      expect(store.compare.kind).toBe("ready");
      if (store.compare.kind !== "ready") return;
      expect(store.compare.diff.a.prompt_id).toBe("run-000");
      expect(store.compare.diff.rows.find((r) => r.key === "1")!.cache).toBe("now-cached");
      store.closeCompare();
      expect(store.compare).toEqual({ kind: "none" });
    });

    it("compares one run with its workflow's baseline (before, even when it ran later), with the environments' differences", async () => {
      const server = new FakeProfilerServer();
      server.runs = server.runs.map((r) => (r.prompt_id === "run-010" ? { ...r, environment_id: 2 } : r.workflow_hash === HASH_A ? { ...r, environment_id: 1 } : r));
      const { store } = await watched(server);
      const one = store.items.find((r) => r.prompt_id === "run-002")!;
      store.toggleSelected(one);
      expect(store.compareReadiness).toMatchObject({ ok: false, reason: expect.stringContaining("pin a baseline") });
      store.clearSelection();
      await server.setBaseline(HASH_A, "run-010");
      store.toggleSelected(one);
      expect(store.compareReadiness.ok).toBe(true);
      await store.compareSelected();
      expect(store.compare.kind).toBe("ready");
      if (store.compare.kind !== "ready") return;
      expect(store.compare.against).toBe("baseline");
      expect([store.compare.diff.a.prompt_id, store.compare.diff.b.prompt_id]).toEqual(["run-010", "run-002"]);
      expect(store.compare.environment).toEqual({ kind: "changed", lines: ["torch 2.13.0 → 2.12.0", "--lowvram removed"] });
      // The baseline itself picked: nothing to compare it with.
      store.toggleSelected(one);
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-010")!);
      expect(store.compareReadiness).toMatchObject({ ok: false, reason: expect.stringContaining("is the baseline") });
    });

    it("two runs of one environment read as the same environment; a baseline unpinned meanwhile is said", async () => {
      const server = new FakeProfilerServer();
      server.runs = server.runs.map((r) => ({ ...r, environment_id: 1 }));
      const { store } = await watched(server);
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-010")!);
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-000")!);
      await store.compareSelected();
      expect(store.compare).toMatchObject({ kind: "ready", against: "runs", environment: { kind: "same" } });
      await store.compareWithBaseline({ prompt_id: "run-010", workflow_hash: HASH_A });
      expect(store.compare).toEqual({ kind: "error", message: expect.stringContaining("no baseline pinned") });
    });

    it("says which run is gone when one left history meanwhile", async () => {
      const { store, server } = await watched();
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-010")!);
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-008")!);
      server.runs = server.runs.filter((r) => r.prompt_id !== "run-008");
      await store.compareSelected();
      expect(store.compare).toEqual({ kind: "missing", promptId: "run-008" });
    });

    it("says why when the runs cannot be read", async () => {
      const { store, deps } = await watched();
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-010")!);
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-008")!);
      deps.getWorkflow.mockRejectedValueOnce(new TypeError("Failed to fetch"));
      await store.compareSelected();
      expect(store.compare).toEqual({ kind: "error", message: "The server did not answer." });
      expect(deps.logError).toHaveBeenCalled();
    });

    it("drops a comparison's answer when it was closed meanwhile", async () => {
      const { store } = await watched();
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-010")!);
      store.toggleSelected(store.items.find((r) => r.prompt_id === "run-008")!);
      const comparing = store.compareSelected();
      store.closeCompare();
      await comparing;
      expect(store.compare).toEqual({ kind: "none" });
    });
  });
});
