import { describe, expect, it, vi } from "vitest";

import type { MonitorEvent, MonitorStatus } from "../api/client";
import { snapshot, status } from "../testing/fixtures";
import { MONITOR_EVENT, MonitorStore, withDisconnected, withError, withEvent, withStatus } from "./monitor.svelte";

function fakeDeps(getStatus: () => Promise<MonitorStatus>) {
  const listeners = new Map<string, (detail: unknown) => void>();
  const deps = {
    getStatus: vi.fn(getStatus),
    onEvent: <T,>(type: string, listener: (detail: T) => void) => {
      listeners.set(type, listener as (detail: unknown) => void);
      return () => listeners.delete(type);
    },
    onError: vi.fn(),
  };
  const emit = (type: string, detail: unknown) => listeners.get(type)?.(detail);
  return { deps, emit, listeners };
}

const event = (capabilitiesVersion: number, cpu: number): MonitorEvent => ({
  type: "monitor",
  capabilities_version: capabilitiesVersion,
  snapshot: snapshot({ cpu_percent: cpu }),
});

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
    const { deps, emit } = fakeDeps(async () => status());
    const store = new MonitorStore(deps);
    await store.start();
    expect(store.state.kind).toBe("ready");
    emit(MONITOR_EVENT, event(1, 88));
    expect(store.state.kind === "ready" && store.state.snapshot?.cpu_percent).toBe(88);
    expect(deps.getStatus).toHaveBeenCalledTimes(1);
  });

  it("refetches once on reconnect and once for a burst of capability changes", async () => {
    const { deps, emit } = fakeDeps(async () => status());
    const store = new MonitorStore(deps);
    await store.start();
    emit("reconnected", undefined);
    await store.refresh();
    expect(deps.getStatus).toHaveBeenCalledTimes(2);
    emit(MONITOR_EVENT, event(5, 1));
    emit(MONITOR_EVENT, event(5, 2));
    await store.refresh();
    expect(deps.getStatus).toHaveBeenCalledTimes(3);
  });

  it("is stale while disconnected and fresh again after the reconnect's refetch", async () => {
    const { deps, emit } = fakeDeps(async () => status());
    const store = new MonitorStore(deps);
    await store.start();
    emit("reconnecting", undefined);
    expect(store.state.kind === "ready" && store.state.stale).toBe(true);
    emit("reconnected", undefined);
    await store.refresh();
    expect(store.state.kind === "ready" && store.state.stale).toBe(false);
  });

  it("drops malformed events without touching the state", async () => {
    const { deps, emit } = fakeDeps(async () => status());
    const store = new MonitorStore(deps);
    await store.start();
    const before = store.state;
    for (const bad of [null, "x", { type: "monitor" }, { capabilities_version: 1, snapshot: { gpus: "no" } }]) emit(MONITOR_EVENT, bad);
    expect(store.state).toBe(before);
    expect(deps.getStatus).toHaveBeenCalledTimes(1);
  });

  it("reports a failed load and shows the error state", async () => {
    const { deps } = fakeDeps(async () => {
      throw new Error("HTTP 503");
    });
    const store = new MonitorStore(deps);
    await store.start();
    expect(store.state).toEqual({ kind: "error", message: "HTTP 503" });
    expect(deps.onError).toHaveBeenCalledOnce();
  });

  it("stop() removes its listeners", async () => {
    const { deps, listeners } = fakeDeps(async () => status());
    const store = new MonitorStore(deps);
    await store.start();
    expect(listeners.size).toBe(3);
    store.stop();
    expect(listeners.size).toBe(0);
  });
});
