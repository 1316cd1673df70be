import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { GpuInspection } from "../api/types";
import { gpuInspection } from "../testing/fixtures";
import { FakePage } from "../testing/hud";
import { GpuInspectorStore, INSPECT_EVERY_MS } from "./gpuInspector.svelte";

function inspectorStore(inspect: (index: number) => Promise<GpuInspection> = async (index) => gpuInspection({ utilization_percent: index })) {
  const page = new FakePage();
  const deps = { inspectGpu: vi.fn(inspect), isPageHidden: page.isPageHidden, onVisibilityChange: page.onVisibilityChange };
  return { store: new GpuInspectorStore(deps), deps, page };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("GpuInspectorStore", () => {
  it("reads the GPU when opened, then again every few seconds while open", async () => {
    const { store, deps } = inspectorStore();
    expect(store.state).toEqual({ kind: "closed" });
    store.open(1);
    expect(store.state).toMatchObject({ kind: "open", index: 1, loading: true, data: null });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.state).toMatchObject({ kind: "open", index: 1, loading: false, error: null, data: { utilization_percent: 1 } });
    expect(deps.inspectGpu).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(INSPECT_EVERY_MS);
    expect(deps.inspectGpu).toHaveBeenCalledTimes(2);
    expect(deps.inspectGpu).toHaveBeenLastCalledWith(1);
    expect(INSPECT_EVERY_MS).toBeGreaterThanOrEqual(2000);
    expect(INSPECT_EVERY_MS).toBeLessThanOrEqual(5000);
  });

  it("reads nothing once closed, not even the answer in flight", async () => {
    let answer: (value: GpuInspection) => void = () => {};
    const { store, deps } = inspectorStore(() => new Promise((resolve) => (answer = resolve)));
    store.open(0);
    store.close();
    answer(gpuInspection());
    await vi.advanceTimersByTimeAsync(10 * INSPECT_EVERY_MS);
    expect(store.state).toEqual({ kind: "closed" });
    expect(deps.inspectGpu).toHaveBeenCalledTimes(1);
  });

  it("stops while the page is hidden and reads at once when it is visible again", async () => {
    const { store, deps, page } = inspectorStore();
    store.open(0);
    await vi.advanceTimersByTimeAsync(0);
    page.setHidden(true);
    await vi.advanceTimersByTimeAsync(10 * INSPECT_EVERY_MS);
    expect(deps.inspectGpu).toHaveBeenCalledTimes(1);
    page.setHidden(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.inspectGpu).toHaveBeenCalledTimes(2);
    store.close();
    page.setHidden(true);
    page.setHidden(false);
    expect(page.listeners.size).toBe(0);
    expect(deps.inspectGpu).toHaveBeenCalledTimes(2);
  });

  it("keeps the last reading through a failed read, with the error, and goes on reading", async () => {
    let fail = false;
    const { store, deps } = inspectorStore(async () => {
      if (fail) throw new Error("no GPU 0 here (GPUs: none)");
      return gpuInspection();
    });
    store.open(0);
    await vi.advanceTimersByTimeAsync(0);
    fail = true;
    await vi.advanceTimersByTimeAsync(INSPECT_EVERY_MS);
    expect(store.state).toMatchObject({ kind: "open", error: "no GPU 0 here (GPUs: none)", data: { driver_version: "580.95.05" } });
    fail = false;
    await vi.advanceTimersByTimeAsync(INSPECT_EVERY_MS);
    expect(store.state).toMatchObject({ error: null });
    expect(deps.inspectGpu).toHaveBeenCalledTimes(3);
  });

  it("opening another GPU drops the first one's reads", async () => {
    const { store, deps } = inspectorStore();
    store.open(0);
    store.open(1);
    await vi.advanceTimersByTimeAsync(INSPECT_EVERY_MS);
    expect(store.state).toMatchObject({ index: 1, data: { utilization_percent: 1 } });
    expect(deps.inspectGpu.mock.calls.map(([index]) => index)).toEqual([0, 1, 1]);
  });
});
