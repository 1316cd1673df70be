import { describe, expect, it } from "vitest";

import { session } from "../testing/fixtures";
import { FakeProfilerServer, profilerSettingsStore, refusal, sampleRuns } from "../testing/profilerTabs";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function watched(server = new FakeProfilerServer()) {
  const built = profilerSettingsStore(server);
  built.store.watch();
  await settle();
  return built;
}

/** A server holding one archive of 12 runs and an empty history. */
async function withArchive() {
  const built = await watched();
  await built.store.createArchive();
  built.deps.historyChanged.mockClear();
  built.deps.toast.mockClear();
  return built;
}

describe("ProfilerSettingsStore: settings", () => {
  it("reads the settings and the archives when a view first looks", async () => {
    const { store, deps } = profilerSettingsStore();
    await settle();
    expect(deps.getSettings).not.toHaveBeenCalled();
    store.watch();
    await settle();
    expect(store.settings).toMatchObject({ enabled: true, accurate_gpu_timing: false, max_workflows: 10_000 });
    expect(store.archives).toEqual([]);
  });

  it("sends one setting at a time and shows what the server then uses", async () => {
    const { store, deps } = await watched();
    const saving = store.setAccurateGpuTiming(true);
    expect(store.saving).toBe("accurate_gpu_timing");
    await saving;
    expect(deps.updateSettings).toHaveBeenCalledWith({ accurate_gpu_timing: true });
    expect(store.settings?.accurate_gpu_timing).toBe(true);
    expect(store.saving).toBeNull();
    await store.setMaxWorkflows(2000);
    expect(store.settings?.max_workflows).toBe(2000);
  });

  it("refuses a retention outside the server's limits before sending, saying them", async () => {
    const { store, deps } = await watched();
    await store.setMaxWorkflows(50);
    expect(store.settingsError).toBe("History keeps 100 to 100,000 runs (a whole number).");
    await store.setMaxWorkflows(1.5e5);
    await store.setMaxWorkflows(2.5 * 1000 + 0.5);
    expect(deps.updateSettings).not.toHaveBeenCalled();
    await store.setMaxWorkflows(10_000);
    expect(deps.updateSettings).not.toHaveBeenCalled();
  });

  it("shows the server's refusal, toasts it, and reads back what the server uses", async () => {
    const { store, server, deps } = await watched();
    server.failNext["updateSettings"] = refusal(400, "invalid body (accurate_gpu_timing: Input should be a valid boolean)", "validation_error");
    await store.setAccurateGpuTiming(true);
    expect(store.settingsError).toBe("invalid body (accurate_gpu_timing: Input should be a valid boolean)");
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "error", summary: "Profiler setting not changed" }));
    expect(deps.getSettings).toHaveBeenCalledTimes(2);
  });

  it("says why when the settings cannot be read", async () => {
    const server = new FakeProfilerServer();
    server.failNext["getSettings"] = new TypeError("Failed to fetch");
    const { store } = await watched(server);
    expect(store.settings).toBeNull();
    expect(store.settingsError).toBe("The server did not answer.");
  });
});

describe("ProfilerSettingsStore: archives", () => {
  it("creates an archive of the whole history with the session's token and says what it did", async () => {
    const { store, deps, server } = await watched();
    await store.createArchive();
    expect(deps.getSession).toHaveBeenCalled();
    expect(deps.createArchive).toHaveBeenCalledWith("tok");
    expect(deps.historyChanged).toHaveBeenCalledWith("archived");
    expect(store.notice).toEqual({ tone: "success", text: expect.stringMatching(/^Archived 12 runs into .+; history is empty now\.$/) });
    expect(store.archives).toHaveLength(1);
    expect(server.runs).toEqual([]);
    expect(store.busy).toEqual({ kind: "idle" });
  });

  it("shows the server's refusal text and changes nothing else", async () => {
    const { store, deps } = await watched(new FakeProfilerServer([]));
    await store.createArchive();
    expect(store.notice).toEqual({ tone: "error", text: "history is empty: nothing to archive" });
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "error", detail: "history is empty: nothing to archive" }));
    expect(deps.historyChanged).not.toHaveBeenCalled();
    // The server's answer, not a fault: no log line.
    expect(deps.logError).not.toHaveBeenCalled();
  });

  it("says why when this server refuses every action (exposed beyond loopback)", async () => {
    const server = new FakeProfilerServer();
    server.session = session({ token: null, actions_allowed: false, actions_refused_reason: "ComfyUI listens on 0.0.0.0: server actions are refused" });
    const { store, deps } = await watched(server);
    await store.createArchive();
    expect(deps.createArchive).not.toHaveBeenCalled();
    expect(store.notice).toEqual({ tone: "error", text: "ComfyUI listens on 0.0.0.0: server actions are refused" });
  });

  it("shows a wrong token's refusal as the server words it", async () => {
    const { store, server } = await watched();
    server.session = session({ token: "stale" });
    await store.createArchive();
    expect(store.notice).toEqual({ tone: "error", text: "missing or wrong X-SwissArmyKnife-Token header" });
  });

  it("loads an archive only once confirmed, then says how many runs came back", async () => {
    const { store, deps, server } = await withArchive();
    const archive = store.archives![0]!;
    store.askLoad(archive);
    expect(store.confirming).toEqual({ kind: "load", archive });
    expect(deps.loadArchive).not.toHaveBeenCalled();
    await store.confirm();
    expect(deps.loadArchive).toHaveBeenCalledWith("tok", archive.id);
    expect(deps.historyChanged).toHaveBeenCalledWith("loaded");
    expect(store.notice?.text).toBe(`Loaded 12 runs from ${archive.id}.`);
    expect(server.runs).toHaveLength(12);
    expect(store.confirming).toEqual({ kind: "none" });
    await store.confirm();
    expect(deps.loadArchive).toHaveBeenCalledTimes(1);
  });

  it("says how many runs a second load skipped", async () => {
    const { store } = await withArchive();
    const archive = store.archives![0]!;
    store.askLoad(archive);
    await store.confirm();
    store.askLoad(archive);
    await store.confirm();
    expect(store.notice?.text).toBe(`Loaded 0 runs from ${archive.id} (12 skipped: already in history or unreadable).`);
  });

  it("deletes an archive only once confirmed; cancelling does nothing", async () => {
    const { store, deps } = await withArchive();
    const archive = store.archives![0]!;
    store.askDelete(archive);
    store.cancel();
    await store.confirm();
    expect(deps.deleteArchive).not.toHaveBeenCalled();
    store.askDelete(archive);
    await store.confirm();
    expect(deps.deleteArchive).toHaveBeenCalledWith("tok", archive.id);
    expect(deps.historyChanged).toHaveBeenCalledWith("deleted");
    expect(store.archives).toEqual([]);
    expect(store.notice?.text).toBe(`Deleted archive ${archive.id}.`);
  });

  it("runs one action at a time", async () => {
    const { store, deps } = await watched(new FakeProfilerServer(sampleRuns(3)));
    const first = store.createArchive();
    const second = store.createArchive();
    await Promise.all([first, second]);
    expect(deps.createArchive).toHaveBeenCalledTimes(1);
  });

  it("lists the archives again when history changed elsewhere, and says why when it cannot", async () => {
    const { store, server, events } = await watched();
    await server.createArchive("tok");
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "retention" });
    await settle();
    expect(store.archives).toHaveLength(1);
    server.failNext["listArchives"] = refusal(503, "history is not available", "unavailable");
    events.emit("reconnected");
    await settle();
    expect(store.archivesError).toBe("history is not available");
    expect(store.archives).toHaveLength(1);
  });
});
