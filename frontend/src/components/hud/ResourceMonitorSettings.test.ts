// The bar and the settings that reach it: the colour thresholds, and Restart's confirmation (asked
// for by its command too), which shows on the bar even while the bar is hidden or collapsed.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import { LEVEL_SETTINGS } from "../../lib/settingIds";
import { GradientLevelsStore } from "../../stores/gradientLevels.svelte";
import { session, status } from "../../testing/fixtures";
import { clearVramStore, hudStores, restartStore } from "../../testing/hud";
import { hudActionsContext } from "./actions/context";
import ResourceMonitor from "./ResourceMonitor.svelte";

const bar = () => document.getElementById("swissarmyknife-resource-monitor")!;

async function renderBar() {
  const stores = hudStores(async () => status());
  stores.layout.load();
  stores.ui.load();
  const { controller: restart } = restartStore({ getSession: async () => session() });
  const { controller: clearVram } = clearVramStore();
  const levels = new GradientLevelsStore({ ids: LEVEL_SETTINGS, readSetting: () => undefined, writeSetting: vi.fn(), notifyError: vi.fn() });
  render(ResourceMonitor, {
    props: { store: stores.store, layout: stores.layout, glow: stores.glow, ui: stores.ui, levels },
    context: hudActionsContext({ restart, clearVram }),
  });
  await stores.store.start();
  flushSync();
  return { ...stores, restart, levels };
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("the bar and the settings", () => {
  it("colours the tiles at the thresholds set, at once", async () => {
    const { levels } = await renderBar();
    const cpu = () => screen.getByRole("meter", { name: "CPU" }).dataset.level;
    const before = cpu();
    levels.onSettingChange("warm", 1, 50);
    levels.onSettingChange("hot", 2, 70);
    levels.onSettingChange("critical", 3, 90);
    flushSync();
    expect(before).not.toBe("critical");
    expect(cpu()).toBe("critical");
  });

  it.each([
    ["hidden", (ui: { setVisible(v: boolean): void }) => ui.setVisible(false)],
    ["collapsed", (ui: { setCollapsed(v: boolean): void }) => ui.setCollapsed(true)],
  ] as const)("shows the %s bar with Restart's confirmation while it is open, then goes back", async (_kind, hide) => {
    const { ui, restart } = await renderBar();
    hide(ui as never);
    flushSync();
    const inner = document.getElementById("swissarmyknife-resource-monitor-inner")!;
    expect(bar().hidden || inner.hidden).toBe(true);
    await restart.request();
    flushSync();
    expect(bar().hidden).toBe(false);
    expect(inner.hidden).toBe(false);
    const dialog = screen.getByRole("alertdialog", { name: "Restart ComfyUI?" });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Restart now" }));
    await fireEvent.keyDown(dialog, { key: "Escape" });
    flushSync();
    expect(bar().hidden || inner.hidden).toBe(true);
  });
});
