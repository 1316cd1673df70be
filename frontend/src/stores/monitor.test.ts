import { describe, expect, it } from "vitest";

import { MONITOR_EVENT } from "../lib/events";
import { monitorEvent, snapshot, status } from "../testing/fixtures";
import { monitorStore } from "../testing/hud";
import { withDisconnected, withError, withEvent, withStatus } from "./monitor.svelte";

const event = (capabilitiesVersion: number, cpu: number) =>
  monitorEvent({ capabilities_version: capabilitiesVersion, snapshot: snapshot({ cpu_percent: cpu }) });

describe("transitions", () => {
  it("an event replaces only the snapshot and asks for a refetch when capabilities changed", () => {
    const ready = withStatus({ kind: "loading" }, status());
    const same = withEvent(ready, event(1, 7));
    expect(same.refetch).toBe(false);
    expect(same.state.kind === "ready" && same.state.snapshot?.cpu_percent).toBe(7);
    expect(withEvent(ready, event(2, 7)).refetch).toBe(true);
  });
  it("a dropped socket marks data stale; nothing to mark before data", () => {
    const ready = withStatus({ kind: "loading" }, status());
    expect(withDisconnected(ready)).toMatchObject({ kind: "ready", stale: true });
    const stale = withDisconnected(ready);
    expect(withDisconnected(stale)).toBe(stale);
    expect(withDisconnected({ kind: "loading" })).toEqual({ kind: "loading" });
  });
  it("an error after data keeps the data, marked stale", () => {
    const ready = withStatus({ kind: "loading" }, status());
    expect(withError(ready, "boom")).toMatchObject({ kind: "ready", stale: true });
    expect(withError({ kind: "loading" }, "boom")).toEqual({ kind: "error", message: "boom" });
  });
});

describe("MonitorStore", () => {
  it("loads the status, then follows events", async () => {
    const { store, deps, events } = monitorStore(async () => status());
    await store.start();
    expect(store.state.kind).toBe("ready");
    events.emit(MONITOR_EVENT, event(1, 88));
    expect(store.state.kind === "ready" && store.state.snapshot?.cpu_percent).toBe(88);
    expect(deps.getStatus).toHaveBeenCalledTimes(1);
  });

  it("refetches once on reconnect and once for a burst of capability changes", async () => {
    const { store, deps, events } = monitorStore(async () => status());
    await store.start();
    events.emit("reconnected", undefined);
    await store.refresh();
    expect(deps.getStatus).toHaveBeenCalledTimes(2);
    events.emit(MONITOR_EVENT, event(5, 1));
    events.emit(MONITOR_EVENT, event(5, 2));
    await store.refresh();
    expect(deps.getStatus).toHaveBeenCalledTimes(3);
  });

  it("is stale while disconnected and fresh again after the reconnect's refetch", async () => {
    const { store, events } = monitorStore(async () => status());
    await store.start();
    events.emit("reconnecting", undefined);
    expect(store.state.kind === "ready" && store.state.stale).toBe(true);
    events.emit("reconnected", undefined);
    await store.refresh();
    expect(store.state.kind === "ready" && store.state.stale).toBe(false);
  });

  it("drops malformed events without touching the state", async () => {
    const { store, deps, events } = monitorStore(async () => status());
    await store.start();
    const before = store.state;
    for (const bad of [null, "x", { type: "monitor" }, { capabilities_version: 1, snapshot: { gpus: "no" } }]) events.emit(MONITOR_EVENT, bad);
    expect(store.state).toBe(before);
    expect(deps.getStatus).toHaveBeenCalledTimes(1);
  });

  it("reports a failed load and shows the error state", async () => {
    const { store, deps } = monitorStore(async () => {
      throw new Error("HTTP 503");
    });
    await store.start();
    expect(store.state).toEqual({ kind: "error", message: "HTTP 503" });
    expect(deps.onError).toHaveBeenCalledOnce();
  });

  it("stop() removes its listeners", async () => {
    const { store, events } = monitorStore(async () => status());
    await store.start();
    expect(events.count()).toBe(3);
    store.stop();
    expect(events.count()).toBe(0);
  });
});
