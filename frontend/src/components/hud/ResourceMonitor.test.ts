import { fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import type { MonitorStatus } from "../../api/types";
import { COLLAPSED_SETTING, POSITION_SETTING } from "../../lib/settingIds";
import { gpuDevice, snapshot, status } from "../../testing/fixtures";
import { hudStores, MemoryStorage } from "../../testing/hud";
import { vramPressureEvent } from "../../testing/oom";
import { VramPressureStore } from "../../stores/vramPressure.svelte";
import ResourceMonitor from "./ResourceMonitor.svelte";

function bar(): HTMLElement {
  const element = document.getElementById("swissarmyknife-resource-monitor");
  if (!element) throw new Error("the bar is not mounted");
  return element;
}

async function renderBar(load: () => Promise<MonitorStatus> = async () => status(), storage = new MemoryStorage()) {
  const stores = hudStores(load, storage);
  stores.layout.load();
  stores.ui.load();
  stores.glow.start();
  render(ResourceMonitor, { props: { store: stores.store, layout: stores.layout, glow: stores.glow, ui: stores.ui } });
  await stores.store.start();
  flushSync();
  return stores;
}

function stubRect(element: HTMLElement, box: { left: number; top: number; width: number; height: number }) {
  element.getBoundingClientRect = () =>
    ({ ...box, x: box.left, y: box.top, right: box.left + box.width, bottom: box.top + box.height, toJSON: () => box }) as DOMRect;
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("ResourceMonitor tiles", () => {
  it("renders one meter per tile with ARIA values and the level as data", async () => {
    await renderBar();
    const gpu = screen.getByRole("meter", { name: "GPU 0 (3090Ti)" });
    expect(gpu.getAttribute("aria-valuetext")).toBe("95%");
    expect(gpu.dataset.level).toBe("critical");
    expect(screen.getAllByRole("meter")).toHaveLength(6);
    expect(bar().dataset.state).toBe("ready");
  });

  it("groups each GPU's tiles and names the device once", async () => {
    await renderBar();
    const group = screen.getByRole("group", { name: "GPU 0 (3090Ti)" });
    const labels = [...group.querySelectorAll(".swissarmyknife-tile-label")].map((el) => el.textContent);
    expect(labels).toEqual(["GPU 0 (3090Ti)", "VRAM"]);
    expect(screen.getByRole("meter", { name: "TEMP 0 (3090Ti)" }).textContent?.trim()).toBe("70°C");
  });

  it("updates in place when a snapshot arrives", async () => {
    const { events } = await renderBar();
    events.emit("swissarmyknife.monitor", { type: "monitor", capabilities_version: 1, snapshot: snapshot({ cpu_percent: 3 }) });
    flushSync();
    expect(screen.getByRole("meter", { name: "CPU" }).getAttribute("aria-valuetext")).toBe("3%");
  });

  it("shows -- (never NaN) when metrics go missing, and numbers again when they return", async () => {
    const { events } = await renderBar();
    const gone = snapshot({ cpu_percent: null, gpus: [{ ...snapshot().gpus[0]!, utilization_percent: null, temperature_c: Number.NaN }] });
    events.emit("swissarmyknife.monitor", { type: "monitor", capabilities_version: 1, snapshot: gone });
    flushSync();
    expect(screen.getByRole("meter", { name: "GPU 0 (3090Ti)" }).getAttribute("aria-valuetext")).toBe("--");
    expect(screen.getByRole("meter", { name: "CPU" }).dataset.missing).toBe("true");
    expect(bar().textContent).not.toContain("NaN");
    events.emit("swissarmyknife.monitor", { type: "monitor", capabilities_version: 1, snapshot: snapshot() });
    flushSync();
    expect(screen.getByRole("meter", { name: "GPU 0 (3090Ti)" }).getAttribute("aria-valuetext")).toBe("95%");
  });

  it("ignores a malformed event instead of throwing", async () => {
    const { events } = await renderBar();
    expect(() => events.emit("swissarmyknife.monitor", { type: "monitor" })).not.toThrow();
    expect(() => events.emit("swissarmyknife.monitor", null)).not.toThrow();
    flushSync();
    expect(screen.getByRole("meter", { name: "CPU" }).getAttribute("aria-valuetext")).toBe("42%");
  });

  it("shows two GPUs of different models as two groups", async () => {
    const s = status();
    await renderBar(async () => ({
      ...s,
      gpu: { ...s.gpu, devices: [gpuDevice(0, "NVIDIA GeForce RTX 3090 Ti", 24), gpuDevice(1, "NVIDIA RTX A6000", 48)] },
    }));
    expect(screen.getAllByRole("group").map((g) => g.getAttribute("aria-label"))).toEqual(["Host", "GPU 0 (3090Ti)", "GPU 1 (A6000)"]);
  });

  it("marks the bar stale while the socket is down", async () => {
    const { events } = await renderBar();
    events.emit("reconnecting");
    flushSync();
    expect(bar().dataset.stale).toBe("true");
  });

  it("shows an alert when the status cannot be loaded", async () => {
    await renderBar(async () => {
      throw new Error("HTTP 503");
    });
    expect(screen.getByRole("alert").textContent).toContain("HTTP 503");
  });
});

describe("ResourceMonitor collapse and drag", () => {
  it("collapses with a button that reports aria-expanded, and saves it", async () => {
    const storage = new MemoryStorage();
    await renderBar(undefined, storage);
    const button = screen.getByRole("button", { name: "Collapse the resource monitor" });
    expect(button.getAttribute("aria-expanded")).toBe("true");
    await fireEvent.click(button);
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(bar().dataset.collapsed).toBe("true");
    expect(document.getElementById("swissarmyknife-resource-monitor-inner")?.hidden).toBe(true);
    expect(bar().querySelectorAll(".swissarmyknife-summary-dot")).toHaveLength(2);
    expect(storage.getItem(COLLAPSED_SETTING)).toBe("true");
  });

  it("starts collapsed and where it was left when that was saved", async () => {
    const storage = new MemoryStorage();
    storage.setItem(COLLAPSED_SETTING, "true");
    storage.setItem(POSITION_SETTING, JSON.stringify({ x: 100, y: 200 }));
    await renderBar(undefined, storage);
    expect(bar().dataset.collapsed).toBe("true");
    expect(bar().dataset.positioned).toBe("true");
    expect(bar().style.transform).toBe("translate(100px, 200px)");
  });

  it("drags by the handle, clamps to the window, saves on release, and double-click resets", async () => {
    const storage = new MemoryStorage();
    await renderBar(undefined, storage);
    stubRect(bar(), { left: 400, top: 50, width: 480, height: 32 });
    const handle = screen.getByRole("button", { name: "Move the resource monitor" });
    await fireEvent.pointerDown(handle, { button: 0, clientX: 410, clientY: 60, pointerId: 1 });
    expect(bar().dataset.dragging).toBe("true");
    await fireEvent.pointerMove(handle, { clientX: 460, clientY: 160, pointerId: 1 });
    expect(bar().style.transform).toBe("translate(450px, 150px)");
    expect(storage.getItem(POSITION_SETTING)).toBeNull();
    await fireEvent.pointerMove(handle, { clientX: 5000, clientY: -500, pointerId: 1 });
    expect(bar().style.transform).toBe("translate(796px, 4px)");
    await fireEvent.pointerUp(handle, { pointerId: 1 });
    expect(bar().dataset.dragging).toBeUndefined();
    expect(JSON.parse(storage.getItem(POSITION_SETTING) ?? "null")).toEqual({ x: 796, y: 4 });

    await fireEvent.dblClick(handle);
    expect(bar().dataset.positioned).toBeUndefined();
    // The default place: centered in the 1280px window, 50px down (no ComfyUI menu in the way).
    expect(bar().style.transform).toBe("translate(400px, 50px)");
    expect(storage.getItem(POSITION_SETTING)).toBe("null");
  });

  it("moves with the arrow keys and goes back with Home", async () => {
    await renderBar();
    stubRect(bar(), { left: 400, top: 50, width: 480, height: 32 });
    const handle = screen.getByRole("button", { name: "Move the resource monitor" });
    await fireEvent.keyDown(handle, { key: "ArrowDown" });
    expect(bar().style.transform).toBe("translate(400px, 60px)");
    await fireEvent.keyDown(handle, { key: "Home" });
    expect(bar().dataset.positioned).toBeUndefined();
  });

  it("is hidden by the visible setting, and comes back collapsed if it was", async () => {
    const { ui } = await renderBar();
    ui.setCollapsed(true);
    ui.setVisible(false);
    flushSync();
    expect(bar().hidden).toBe(true);
    expect(bar().dataset.mode).toBe("hidden");
    ui.setVisible(true);
    flushSync();
    expect(bar().hidden).toBe(false);
    expect(bar().dataset.collapsed).toBe("true");
  });

  it("places itself below ComfyUI's top menu, and pulls a saved spot out from under it", async () => {
    const storage = new MemoryStorage();
    const { layout } = await renderBar(undefined, storage);
    layout.setBarSize({ width: 480, height: 32 });
    layout.setChrome({ top: 78, bottom: 0, obstacles: [] });
    flushSync();
    expect(bar().style.transform).toBe("translate(400px, 86px)");
    storage.setItem(POSITION_SETTING, JSON.stringify({ x: 100, y: 10 }));
    layout.load();
    flushSync();
    expect(bar().style.transform).toBe("translate(100px, 82px)");
  });
});

describe("ResourceMonitor execution glow", () => {
  it("glows from execution_start until the prompt ends", async () => {
    const { events } = await renderBar();
    const glowing = () => bar().classList.contains("swissarmyknife-is-executing");
    expect(glowing()).toBe(false);
    for (const end of ["execution_success", "execution_error", "execution_interrupted"]) {
      events.emit("execution_start", { prompt_id: "p" });
      flushSync();
      expect(glowing()).toBe(true);
      events.emit(end, { prompt_id: "p" });
      flushSync();
      expect(glowing()).toBe(false);
    }
    events.emit("execution_start", { prompt_id: "p" });
    events.emit("executing", "12");
    flushSync();
    expect(glowing()).toBe(true);
    events.emit("executing", null);
    flushSync();
    expect(glowing()).toBe(false);
  });

  it("marks the page hidden so the animation pauses", async () => {
    const { setPageHidden } = await renderBar();
    setPageHidden(true);
    flushSync();
    expect(bar().dataset.pageHidden).toBe("true");
    setPageHidden(false);
    flushSync();
    expect(bar().dataset.pageHidden).toBeUndefined();
  });
});

describe("ResourceMonitor VRAM pressure", () => {
  it("marks the VRAM tile warning or critical while a run's level is raised, saying why, until the run ends", async () => {
    const stores = hudStores(async () => status());
    const pressure = new VramPressureStore(stores.events.host);
    pressure.start();
    render(ResourceMonitor, { props: { store: stores.store, layout: stores.layout, glow: stores.glow, ui: stores.ui, pressure } });
    await stores.store.start();
    flushSync();
    const vram = () => bar().querySelector<HTMLElement>('[data-tile="vram-0"]')!;
    expect(vram().dataset.pressure).toBeUndefined();
    expect(vram().getAttribute("aria-label")).toBe("VRAM 0 (3090Ti)");

    stores.events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent({ level: "warning", percent: 88.4 }));
    flushSync();
    expect(vram().dataset.pressure).toBe("warning");
    expect(vram().getAttribute("aria-label")).toBe("VRAM 0 (3090Ti), warning: VRAM 88 % before KSampler");

    stores.events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent());
    flushSync();
    expect(screen.getByRole("meter", { name: "VRAM 0 (3090Ti), critical: VRAM 96 % before KSampler" }).dataset.pressure).toBe("critical");
    expect(vram().title).toContain("VRAM 96 % before KSampler (critical)");
    expect(bar().querySelectorAll("[data-pressure]")).toHaveLength(1);

    stores.events.emit("execution_error", { prompt_id: "p-live" });
    flushSync();
    expect(vram().dataset.pressure).toBeUndefined();
    expect(vram().getAttribute("aria-label")).toBe("VRAM 0 (3090Ti)");
  });
});
