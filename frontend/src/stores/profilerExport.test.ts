import { describe, expect, it } from "vitest";

import { FakeProfilerServer, profilerExportStore, refusal } from "../testing/profilerTabs";

describe("ProfilerExportStore", () => {
  it("downloads a run read whole from the server, as JSON or CSV", async () => {
    const { store, deps } = profilerExportStore();
    await store.exportRun("run-003", "json");
    expect(deps.getWorkflow).toHaveBeenCalledWith("run-003");
    const file = deps.download.mock.calls[0]![0];
    expect(file.name).toBe("swissarmyknife-run-run-003.json");
    expect(JSON.parse(file.text).nodes).toHaveLength(3);
    expect(store.notice).toEqual({ tone: "success", text: "Saved swissarmyknife-run-run-003.json." });
    await store.exportRun("run-003", "csv");
    expect(deps.download.mock.calls[1]![0].text.split("\r\n")).toHaveLength(5);
  });

  it("downloads the latest run", async () => {
    const { store, deps } = profilerExportStore();
    await store.exportRun(null, "csv");
    expect(deps.latestRun).toHaveBeenCalled();
    expect(deps.download.mock.calls[0]![0].name).toBe("swissarmyknife-run-run-011.csv");
  });

  it("says so when there is nothing to export, and downloads nothing", async () => {
    const { store, deps } = profilerExportStore(new FakeProfilerServer([]));
    await store.exportRun(null, "json");
    expect(store.notice).toEqual({ tone: "error", text: "No run is stored yet: nothing to export." });
    await store.exportPage([], { workflow_hash: null, status: null, before: null }, 0, "csv");
    expect(store.notice?.text).toBe("This page has no runs: nothing to export.");
    expect(deps.download).not.toHaveBeenCalled();
  });

  it("says a run left history, or why the server failed", async () => {
    const { store, server, deps } = profilerExportStore();
    await store.exportRun("gone", "json");
    expect(store.notice).toEqual({ tone: "error", text: "Run gone is no longer in history (archived or cleared)." });
    server.failNext["getWorkflow"] = refusal(503, "history is not available", "unavailable");
    await store.exportRun("run-001", "json");
    expect(store.notice).toEqual({ tone: "error", text: "Export failed: history is not available" });
    expect(deps.logError).toHaveBeenCalledOnce();
  });

  it("downloads a page of history with its filter, named by the time", async () => {
    const { store, deps, server } = profilerExportStore();
    const page = await server.getHistory({ limit: 5 });
    await store.exportPage(page.items, { workflow_hash: null, status: "error", before: null }, page.total, "json");
    const file = deps.download.mock.calls[0]![0];
    expect(file.name).toBe("swissarmyknife-history-20260105-140307.json");
    expect(JSON.parse(file.text)).toMatchObject({ total: 12, filter: { status: "error" } });
    expect(deps.getWorkflow).not.toHaveBeenCalled();
  });

  it("runs one export at a time", async () => {
    const { store, deps } = profilerExportStore();
    await Promise.all([store.exportRun("run-001", "json"), store.exportRun("run-002", "json")]);
    expect(deps.download).toHaveBeenCalledTimes(1);
    expect(store.busy).toBeNull();
  });
});
