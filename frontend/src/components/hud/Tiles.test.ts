import { fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { MonitorStatus } from "../../api/types";
import { createPreferences } from "../../lib/persistence";
import { gpuDevice, status } from "../../testing/fixtures";
import { hudStores, MemoryStorage } from "../../testing/hud";
import { HudDisplay } from "../../stores/hudDisplay.svelte";
import ResourceMonitor from "./ResourceMonitor.svelte";

function bar(): HTMLElement {
  return document.getElementById("swissarmyknife-resource-monitor")!;
}

const tile = (id: string) => bar().querySelector<HTMLElement>(`[data-tile="${id}"]`);
const tileIds = () => [...bar().querySelectorAll<HTMLElement>("[data-tile]")].map((el) => el.dataset.tile);
const menuItems = () => screen.queryAllByRole("menuitem").map((el) => el.textContent);

function gpus(count: number): MonitorStatus {
  const s = status();
  return { ...s, gpu: { ...s.gpu, devices: Array.from({ length: count }, (_, i) => gpuDevice(i, "NVIDIA RTX A6000", 48)) } };
}

async function renderBar(options: { load?: () => Promise<MonitorStatus>; inspector?: boolean } = {}) {
  const stores = hudStores(options.load ?? (async () => status()));
  stores.layout.load();
  stores.ui.load();
  const settings = new Map<string, unknown>();
  const display = new HudDisplay({
    local: createPreferences(() => null, new MemoryStorage()),
    readSetting: (id) => settings.get(id),
    writeSetting: (id, value) => settings.set(id, value),
  });
  display.load();
  const copyText = vi.fn<(text: string) => void>();
  const inspectGpu = vi.fn<(index: number) => void>();
  render(ResourceMonitor, {
    props: { store: stores.store, layout: stores.layout, glow: stores.glow, ui: stores.ui, display, copyText, ...(options.inspector === false ? {} : { inspectGpu }) },
  });
  await stores.store.start();
  flushSync();
  return { ...stores, display, settings, copyText, inspectGpu };
}

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = "";
});

describe("the tile menu", () => {
  it("opens on a right click with the copies, hiding, and the inspector on a GPU's tile; copies the value and gives focus back", async () => {
    const { copyText } = await renderBar();
    const vram = tile("vram-0")!;
    const event = new MouseEvent("contextmenu", { bubbles: true, cancelable: true, clientX: 300, clientY: 40 });
    vram.dispatchEvent(event);
    flushSync();
    expect(event.defaultPrevented, "no browser menu").toBe(true);
    expect(screen.getByRole("menu").getAttribute("aria-label")).toBe("VRAM 0 (3090Ti) menu");
    expect(menuItems()).toEqual(["Copy value", "Copy summary", "Hide this tile", "Open GPU inspector"]);
    await fireEvent.click(screen.getByRole("menuitem", { name: "Copy value" }));
    expect(copyText).toHaveBeenCalledWith("VRAM 0 (3090Ti): 20.0/24 GiB");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(vram);
  });

  it("copies the summary of every metric, hidden tiles too", async () => {
    const { copyText, display } = await renderBar();
    display.onSetting("SwissArmyKnife.monitor.preset", "laptop", "full");
    flushSync();
    await fireEvent.contextMenu(tile("cpu")!);
    await fireEvent.click(screen.getByRole("menuitem", { name: "Copy summary" }));
    expect(copyText).toHaveBeenCalledWith("CPU 42% · RAM 12.0/32 GiB · CPU TEMP 61°C · GPU0 95% 20.0/24 GiB 70°C");
  });

  it("offers the inspector only on GPU tiles and only where the page has one, and opens it on that GPU", async () => {
    const { inspectGpu } = await renderBar({ load: async () => gpus(2) });
    await fireEvent.contextMenu(tile("cpu")!);
    expect(menuItems()).not.toContain("Open GPU inspector");
    await fireEvent.keyDown(screen.getByRole("menu"), { key: "Escape" });
    await fireEvent.contextMenu(tile("gpu-temp-1")!);
    await fireEvent.click(screen.getByRole("menuitem", { name: "Open GPU inspector" }));
    expect(inspectGpu).toHaveBeenCalledWith(1);
    document.body.innerHTML = "";
    await renderBar({ inspector: false });
    await fireEvent.contextMenu(tile("vram-0")!);
    expect(menuItems()).not.toContain("Open GPU inspector");
  });

  it("opens from the keyboard on a focused tile: the menu key or Shift+F10, not other keys", async () => {
    await renderBar();
    const gpu = tile("gpu-0")!;
    expect(gpu.tabIndex).toBe(0);
    gpu.focus();
    await fireEvent.keyDown(gpu, { key: "F10" });
    expect(screen.queryByRole("menu")).toBeNull();
    await fireEvent.keyDown(gpu, { key: "F10", shiftKey: true });
    expect(document.activeElement).toBe(screen.getByRole("menuitem", { name: "Copy value" }));
    await fireEvent.keyDown(screen.getByRole("menu"), { key: "Escape" });
    expect(document.activeElement).toBe(gpu);
    await fireEvent.keyDown(gpu, { key: "ContextMenu" });
    expect(screen.getByRole("menu")).toBeTruthy();
  });

  it("opens on a long press of a touch or pen (500 ms), not on a shorter one, nor on a mouse's", async () => {
    vi.useFakeTimers();
    await renderBar();
    const ram = tile("ram")!;
    await fireEvent.pointerDown(ram, { pointerType: "touch", clientX: 10, clientY: 10 });
    vi.advanceTimersByTime(499);
    flushSync();
    expect(screen.queryByRole("menu")).toBeNull();
    vi.advanceTimersByTime(1);
    flushSync();
    expect(screen.getByRole("menu")).toBeTruthy();
    await fireEvent.keyDown(screen.getByRole("menu"), { key: "Escape" });

    await fireEvent.pointerDown(ram, { pointerType: "pen" });
    await fireEvent.pointerUp(ram, { pointerType: "pen" });
    await fireEvent.pointerDown(ram, { pointerType: "mouse" });
    vi.advanceTimersByTime(1000);
    flushSync();
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("hides a tile (Custom, the dialog showing it) and shows all tiles again", async () => {
    const { display, settings } = await renderBar();
    await fireEvent.contextMenu(tile("gpu-temp-0")!);
    await fireEvent.click(screen.getByRole("menuitem", { name: "Hide this tile" }));
    expect(tile("gpu-temp-0")).toBeNull();
    expect(display.preset).toBe("custom");
    expect(settings.get("SwissArmyKnife.monitor.hidden_tiles")).toBe("gpu-temp-0");
    await fireEvent.contextMenu(tile("cpu")!);
    await fireEvent.click(screen.getByRole("menuitem", { name: "Show all tiles" }));
    expect(tileIds()).toContain("gpu-temp-0");
  });
});

describe("presets, grid and dock on the bar", () => {
  it("shows the preset's tiles, and one dot per shown group when collapsed", async () => {
    const { display, ui } = await renderBar({ load: async () => gpus(2) });
    display.onSetting("SwissArmyKnife.monitor.preset", "minimal", "full");
    flushSync();
    expect(tileIds()).toEqual(["cpu", "ram", "vram-0", "vram-1"]);
    expect(tile("vram-1")?.textContent).toContain("VRAM 1");
    display.onSetting("SwissArmyKnife.monitor.preset", "laptop", "minimal");
    ui.setCollapsed(true);
    flushSync();
    expect(bar().querySelectorAll(".swissarmyknife-summary-dot")).toHaveLength(1);
  });

  it("lays out eight GPUs as a grid of four columns in a 1280px window, three as a row", async () => {
    await renderBar({ load: async () => gpus(8) });
    const inner = document.getElementById("swissarmyknife-resource-monitor-inner")!;
    expect(inner.dataset.columns).toBe("4");
    expect(inner.style.getPropertyValue("--swissarmyknife-columns")).toBe("4");
    expect(tile("gpu-7")?.textContent).toContain("GPU 7");
    document.body.innerHTML = "";
    await renderBar({ load: async () => gpus(3) });
    expect(document.getElementById("swissarmyknife-resource-monitor-inner")?.dataset.columns).toBeUndefined();
  });

  it("docks against the top or bottom edge, is not dragged or nudged there, and floats again on the grip's double-click", async () => {
    const { display, layout } = await renderBar();
    layout.setBarSize({ width: 1280, height: 40 });
    display.onSetting("SwissArmyKnife.monitor.dock", "top", "float");
    flushSync();
    expect(bar().dataset.dock).toBe("top");
    expect(bar().style.transform).toBe("translate(0px, 0px)");
    const handle = screen.getByRole("button", { name: "Move the resource monitor" });
    await fireEvent.pointerDown(handle, { button: 0, clientX: 10, clientY: 10, pointerId: 1 });
    expect(bar().dataset.dragging).toBeUndefined();
    await fireEvent.keyDown(handle, { key: "ArrowDown" });
    expect(layout.position).toBeNull();
    display.onSetting("SwissArmyKnife.monitor.dock", "bottom", "top");
    flushSync();
    expect(bar().style.transform).toBe("translate(0px, 680px)");
    await fireEvent.dblClick(handle);
    expect(bar().dataset.dock).toBeUndefined();
    expect(display.dock).toBe("float");
  });
});
