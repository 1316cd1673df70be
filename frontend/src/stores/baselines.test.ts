import { describe, expect, it } from "vitest";

import { FakeProfilerServer, HASH_A, baselineStore, refusal } from "../testing/profilerTabs";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("BaselineStore", () => {
  it("reads the pins only while a view looks, and again after a history change", async () => {
    const { store, deps, events } = baselineStore();
    await settle();
    expect(deps.listBaselines).not.toHaveBeenCalled();
    store.watch();
    await settle();
    expect(store.pins).toEqual({});
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "loaded" });
    await settle();
    expect(deps.listBaselines).toHaveBeenCalledTimes(2);
  });

  it("pins a run, marks it, says so in place and tells the flags", async () => {
    const { store, deps } = baselineStore();
    store.watch();
    const run = { workflow_hash: HASH_A, prompt_id: "run-002", started_at: 1_000_120 };
    await store.pin(run);
    expect(deps.setBaseline).toHaveBeenCalledWith(HASH_A, "run-002");
    expect(store.isBaseline(run)).toBe(true);
    expect(store.of(HASH_A)?.prompt_id).toBe("run-002");
    expect(store.notice).toMatchObject({ tone: "success", workflowHash: HASH_A });
    expect(deps.pinsChanged).toHaveBeenCalledTimes(1);
    expect((await store.record(HASH_A))?.prompt_id).toBe("run-002");
  });

  it("a refused pin says the server's words and changes nothing", async () => {
    const { store, deps } = baselineStore();
    await store.pin({ workflow_hash: HASH_A, prompt_id: "run-004", started_at: 1 });
    expect(store.notice).toEqual({ tone: "error", text: "Baseline not changed: run run-004 did not succeed (error): only a successful run can be a baseline", workflowHash: HASH_A });
    expect(store.of(HASH_A)).toBeNull();
    expect(deps.pinsChanged).not.toHaveBeenCalled();
  });

  it("unpins guarded with the session's token; a 403 or a refused session is said in place", async () => {
    const server = new FakeProfilerServer();
    const { store, deps } = baselineStore(server);
    await store.pin({ workflow_hash: HASH_A, prompt_id: "run-002", started_at: 1 });
    server.session = { ...server.session, token: "stale" };
    await store.unpin(HASH_A);
    expect(store.notice?.text).toBe("Baseline not changed: missing or wrong X-SwissArmyKnife-Token header");
    expect(store.of(HASH_A)).not.toBeNull();
    server.session = { ...server.session, actions_allowed: false, token: null, actions_refused_reason: "the server listens beyond loopback" } as never;
    await store.unpin(HASH_A);
    expect(store.notice?.text).toBe("Baseline not changed: the server listens beyond loopback");
    server.session = { ...server.session, actions_allowed: true, token: "tok" };
    await store.unpin(HASH_A);
    expect(deps.clearBaseline).toHaveBeenLastCalledWith("tok", HASH_A);
    expect(store.of(HASH_A)).toBeNull();
    expect(store.notice?.tone).toBe("success");
    expect(await store.record(HASH_A)).toBeNull();
    server.failNext.getBaseline = refusal(503, "history is unavailable", "unavailable");
    await expect(store.record(HASH_A)).rejects.toThrow("history is unavailable");
  });
});
