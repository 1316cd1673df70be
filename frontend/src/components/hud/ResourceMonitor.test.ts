import { render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { describe, expect, it } from "vitest";

import { MonitorStore } from "../../stores/monitor.svelte";
import { snapshot, status } from "../../testing/fixtures";
import ResourceMonitor from "./ResourceMonitor.svelte";

function storeWith(load: () => Promise<ReturnType<typeof status>>) {
  return new MonitorStore({ getStatus: load, onEvent: () => () => {}, onError: () => {} });
}

describe("ResourceMonitor", () => {
  it("renders one meter per tile with ARIA values and the level as data", async () => {
    const store = storeWith(async () => status());
    render(ResourceMonitor, { props: { store } });
    await store.start();
    flushSync();
    const gpu = screen.getByRole("meter", { name: "GPU 0 (3090Ti)" });
    expect(gpu.getAttribute("aria-valuetext")).toBe("95%");
    expect(gpu.dataset.level).toBe("critical");
    expect(screen.getAllByRole("meter")).toHaveLength(6);
    expect(document.getElementById("swissarmyknife-resource-monitor")?.dataset.state).toBe("ready");
  });

  it("updates in place when a snapshot arrives", async () => {
    const store = storeWith(async () => status());
    render(ResourceMonitor, { props: { store } });
    await store.start();
    store.apply({ type: "monitor", capabilities_version: 1, snapshot: snapshot({ cpu_percent: 3 }) });
    flushSync();
    expect(screen.getByRole("meter", { name: "CPU" }).getAttribute("aria-valuetext")).toBe("3%");
  });

  it("shows an alert when the status cannot be loaded", async () => {
    const store = storeWith(async () => {
      throw new Error("HTTP 503");
    });
    render(ResourceMonitor, { props: { store } });
    await store.start();
    flushSync();
    expect(screen.getByRole("alert").textContent).toContain("HTTP 503");
  });
});
