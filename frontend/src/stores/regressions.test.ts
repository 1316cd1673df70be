import { describe, expect, it } from "vitest";

import { regressionReport } from "../testing/regressions";
import { FakeProfilerServer, refusal, regressionStore } from "../testing/profilerTabs";
import { EnvironmentCache } from "./environments";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("RegressionStore", () => {
  it("reads while watched, on a stored run or a history change (not an archive deleted), never while idle", async () => {
    const { store, deps, events } = regressionStore();
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    await settle();
    expect(deps.getRegressions).not.toHaveBeenCalled();
    const release = store.watch();
    await settle();
    expect(store.report?.workflows[0]?.workflow_name).toBe("portrait");
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "deleted" });
    await settle();
    expect(deps.getRegressions).toHaveBeenCalledTimes(2);
    release();
    store.changed();
    await settle();
    expect(deps.getRegressions).toHaveBeenCalledTimes(2);
  });

  it("keeps the last report and says why when a read fails", async () => {
    const server = new FakeProfilerServer();
    const { store } = regressionStore(server);
    store.watch();
    await settle();
    server.failNext.getRegressions = refusal(503, "history is unavailable", "unavailable");
    await store.refresh();
    expect(store.error).toBe("history is unavailable");
    expect(store.report).not.toBeNull();
    server.regressions = regressionReport({ workflows: [] });
    await store.refresh();
    expect(store.error).toBeNull();
    expect(store.report?.workflows).toEqual([]);
  });

  it("shows a flag's environment change on demand, each environment read once", async () => {
    const server = new FakeProfilerServer();
    const { store, deps } = regressionStore(server);
    const flag = server.regressions.workflows[0]!;
    await store.toggleEnvironment(flag);
    expect(store.environments[flag.workflow_hash]).toEqual({ kind: "changed", lines: ["torch 2.12.0 → 2.13.0", "--lowvram added"] });
    await store.toggleEnvironment(flag);
    expect((flag.workflow_hash in store.environments)).toBe(false);
    await store.toggleEnvironment(flag);
    expect(server.calls.filter((c) => c === "getEnvironment")).toHaveLength(2);
    expect(deps.environments).toBeInstanceOf(EnvironmentCache);
  });
});

describe("EnvironmentCache", () => {
  it("a null id is not recorded, a 404 too; another failure is tried again", async () => {
    const server = new FakeProfilerServer();
    const cache = new EnvironmentCache(server.getEnvironment);
    expect(await cache.diff(null, 1)).toEqual({ kind: "unknown", why: "before: not recorded" });
    expect(await cache.diff(1, 9)).toEqual({ kind: "unknown", why: "after: not recorded" });
    expect(await cache.diff(1, 1)).toEqual({ kind: "same" });
    server.failNext.getEnvironment = new TypeError("fetch failed");
    expect(await cache.diff(1, 3)).toEqual({ kind: "unknown", why: "after: could not be read (The server did not answer.)" });
  });
});
