import { describe, expect, it } from "vitest";

import { FakeEvents } from "../testing/hud";
import { emptyOomStats, oomStats, refused } from "../testing/oom";
import { FakeOomServer, oomStore } from "../testing/oomStores";
import { settle } from "../testing/profiler";
import { OOM_EVENTS_LIMIT } from "./oom.svelte";

describe("OomStore", () => {
  it("reads nothing until a view looks, then the analysis and the last captures", async () => {
    const { store, server } = oomStore();
    await settle();
    expect(server.getOomStats).not.toHaveBeenCalled();
    const release = store.watch();
    await settle();
    expect(server.listOomEvents).toHaveBeenCalledWith(OOM_EVENTS_LIMIT);
    expect(store.stats?.total_oom_count).toBe(4);
    expect(store.captures?.map((e) => e.prompt_id)).toEqual(["p-oom-2", "p-oom-1"]);
    expect(store.newest?.prompt_id).toBe("p-oom-2");
    expect(store.empty).toBe(false);
    release();
  });

  it("reads again on an OOM, a stored run and a history change while watched; later when not", async () => {
    const events = new FakeEvents();
    const { store, server } = oomStore(new FakeOomServer(), events);
    const release = store.watch();
    await settle();
    events.emit("swissarmyknife.profiler.oom", { type: "oom_captured", prompt_id: "p", loaded_models: [] });
    await settle();
    expect(server.getOomStats).toHaveBeenCalledTimes(2);
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    await settle();
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "cleared" });
    await settle();
    expect(server.getOomStats).toHaveBeenCalledTimes(4);
    // Deleting an archive file leaves history as it was.
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "deleted" });
    await settle();
    expect(server.getOomStats).toHaveBeenCalledTimes(4);

    release();
    server.stats = emptyOomStats();
    server.events = [];
    events.emit("swissarmyknife.profiler.oom", { type: "oom_captured", prompt_id: "q", loaded_models: [] });
    await settle();
    expect(server.getOomStats).toHaveBeenCalledTimes(4);
    store.watch();
    await settle();
    expect(server.getOomStats).toHaveBeenCalledTimes(5);
    expect(store.empty).toBe(true);
  });

  it("keeps what it had and says why when a read fails, and reads again at the next look", async () => {
    const { store, server, deps } = oomStore();
    const release = store.watch();
    await settle();
    release();
    server.failNext.getOomStats = refused(503, "history is not open yet", "unavailable");
    server.failNext.listOomEvents = new TypeError("Failed to fetch");
    store.changed();
    store.watch();
    await settle();
    expect(store.statsError).toBe("history is not open yet");
    expect(store.capturesError).toBe("The server did not answer.");
    expect(store.stats).toEqual(oomStats());
    expect(deps.logError).toHaveBeenCalledTimes(2);
    store.watch();
    await settle();
    expect(store.statsError).toBeNull();
  });
});
