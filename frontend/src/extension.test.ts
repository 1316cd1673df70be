import { afterEach, describe, expect, it } from "vitest";

import {
  createExtension,
  EXTENSION_NAME,
  OPEN_PROFILER_COMMAND,
  OPEN_PROFILER_KEYBINDING,
  PROFILER_SIDEBAR_TAB,
  TOKENS_STYLE_ID,
  UPLOT_STYLE_ID,
} from "./extension";
import {
  ACTIONS_GUARD_SETTING,
  BADGE_MODE_SETTING,
  BADGE_OPACITY_SETTING,
  BADGE_TIME_SETTING,
  BADGE_VRAM_SETTING,
  COLLAPSED_SETTING,
  DEBUG_SETTING,
  DOCK_SETTING,
  HIDDEN_TILES_SETTING,
  INTERVAL_SETTING,
  LEVEL_SETTINGS,
  PROFILER_ENABLED_SETTING,
  SPARKLINE_MINUTES_SETTING,
  SPARKLINES_SETTING,
  POSITION_SETTING,
  PRESET_SETTING,
  TOASTS_SETTING,
  VISIBLE_SETTING,
  VRAM_CRITICAL_SETTING,
  VRAM_WARNING_SETTING,
} from "./lib/settingIds";
import { api, app } from "./testing/fakeComfy";
import { gpuInspection, monitorHistory, monitorSettings, session, snapshot, status } from "./testing/fixtures";
import { oomCapturedEvent, oomEvent, oomStats, vramPressureEvent } from "./testing/oom";

afterEach(() => {
  document.body.innerHTML = "";
  document.getElementById(TOKENS_STYLE_ID)?.remove();
  document.getElementById(UPLOT_STYLE_ID)?.remove();
  delete (app.extensionManager as Record<string, unknown>)["registerSidebarTab"];
});

async function setUp() {
  api.handler = (route) => {
    if (route.endsWith("/settings")) return Response.json(monitorSettings());
    if (route.endsWith("/session")) return Response.json(session());
    if (route.includes("/monitor/history")) return Response.json(monitorHistory([snapshot({ sampled_at: 1000 }), snapshot({ sampled_at: 1002 })]));
    if (route.includes("/monitor/gpus/")) return Response.json(gpuInspection());
    return Response.json(status());
  };
  const extension = createExtension();
  await extension.setup?.(app as never);
  return extension;
}

describe("the extension", () => {
  it("registers its settings with ComfyUI, the limits on the interval slider", () => {
    const extension = createExtension();
    expect(extension.name).toBe(EXTENSION_NAME);
    const byId = new Map(extension.settings?.map((s) => [s.id, s]));
    expect([...byId.keys()]).toEqual([
      VISIBLE_SETTING,
      INTERVAL_SETTING,
      POSITION_SETTING,
      COLLAPSED_SETTING,
      PRESET_SETTING,
      HIDDEN_TILES_SETTING,
      DOCK_SETTING,
      BADGE_MODE_SETTING,
      BADGE_TIME_SETTING,
      BADGE_VRAM_SETTING,
      BADGE_OPACITY_SETTING,
      SPARKLINES_SETTING,
      SPARKLINE_MINUTES_SETTING,
      ...Object.values(LEVEL_SETTINGS),
      PROFILER_ENABLED_SETTING,
      VRAM_WARNING_SETTING,
      VRAM_CRITICAL_SETTING,
      TOASTS_SETTING,
      ACTIONS_GUARD_SETTING,
      DEBUG_SETTING,
    ]);
    // Node badges: on, time and VRAM, at 0.9.
    expect(byId.get(BADGE_MODE_SETTING)).toMatchObject({ type: "combo", defaultValue: "on" });
    expect(byId.get(BADGE_MODE_SETTING)?.options).toEqual([
      { text: "On", value: "on" },
      { text: "On hover", value: "hover" },
      { text: "Off", value: "off" },
    ]);
    expect(byId.get(BADGE_TIME_SETTING)).toMatchObject({ type: "boolean", defaultValue: true });
    expect(byId.get(BADGE_VRAM_SETTING)).toMatchObject({ type: "boolean", defaultValue: true });
    expect(byId.get(BADGE_OPACITY_SETTING)).toMatchObject({ type: "slider", defaultValue: 0.9, attrs: { min: 0.2, max: 1, step: 0.05 } });
    expect(byId.get(INTERVAL_SETTING)).toMatchObject({ type: "slider", defaultValue: 2, attrs: { min: 0.5, max: 10, step: 0.5 } });
    expect(byId.get(POSITION_SETTING)?.type).toBe("hidden");
    expect(byId.get(VISIBLE_SETTING)).toMatchObject({ type: "boolean", defaultValue: true });
    expect(byId.get(DEBUG_SETTING)).toMatchObject({ type: "boolean", defaultValue: false });
    expect(byId.get(SPARKLINES_SETTING)).toMatchObject({ type: "boolean", defaultValue: true });
    expect(byId.get(SPARKLINE_MINUTES_SETTING)).toMatchObject({ type: "slider", defaultValue: 5, attrs: { min: 1, max: 30, step: 1 } });
  });

  it("shows this browser's preset and dock at setup, in the bar and the dialog, and applies a change from the dialog at once, saved in this browser", async () => {
    localStorage.setItem(PRESET_SETTING, JSON.stringify("laptop"));
    app.settings.set(PRESET_SETTING, "full");
    try {
      const extension = await setUp();
      const tiles = () => [...document.querySelectorAll<HTMLElement>("[data-tile]")].map((el) => el.dataset.tile);
      await expect.poll(tiles).toEqual(["cpu", "ram", "cpu-temp"]);
      expect(app.settings.get(PRESET_SETTING)).toBe("laptop");
      expect(app.settings.get(DOCK_SETTING)).toBe("float");
      const byId = new Map(extension.settings?.map((s) => [s.id, s]));
      expect(byId.get(PRESET_SETTING)).toMatchObject({ type: "combo", defaultValue: "full", category: ["SwissArmyKnife", "Display", "Tiles shown"] });
      expect(byId.get(HIDDEN_TILES_SETTING)).toMatchObject({ type: "text", defaultValue: "" });
      expect(byId.get(DOCK_SETTING)?.options).toEqual([
        { value: "float", text: "Floating" },
        { value: "top", text: "Top edge" },
        { value: "bottom", text: "Bottom edge" },
      ]);
      byId.get(PRESET_SETTING)?.onChange?.("minimal", "laptop");
      await expect.poll(tiles).toEqual(["cpu", "ram", "vram-0"]);
      expect(localStorage.getItem(PRESET_SETTING)).toBe('"minimal"');
      byId.get(DOCK_SETTING)?.onChange?.("bottom", "float");
      await expect.poll(() => document.getElementById("swissarmyknife-resource-monitor")?.dataset.dock).toBe("bottom");
    } finally {
      for (const id of [PRESET_SETTING, HIDDEN_TILES_SETTING, DOCK_SETTING]) localStorage.removeItem(id);
      app.settings.clear();
    }
  });

  it("mounts the bar on document.body at setup and hides it with the visible setting", async () => {
    const extension = await setUp();
    const visible = extension.settings?.find((s) => s.id === VISIBLE_SETTING);
    const bar = document.getElementById("swissarmyknife-resource-monitor");
    expect(bar?.parentElement).toBe(document.body);
    expect(bar?.dataset.state).toBe("ready");
    visible?.onChange?.(false, true);
    await Promise.resolve();
    expect(bar?.hidden).toBe(true);
  });

  it("gives the bar its action buttons, wired to the server through ComfyUI's fetchApi", async () => {
    await setUp();
    const restart = document.querySelector<HTMLButtonElement>('[data-action="restart"]');
    expect(document.querySelector('[data-action="clear-vram"]')).not.toBeNull();
    api.calls = [];
    restart?.click();
    await expect.poll(() => document.querySelector('[role="alertdialog"]')).not.toBeNull();
    expect(api.calls).toEqual(["/swissarmyknife/session"]);
  });

  it("puts the design tokens into the page once, at setup", async () => {
    await setUp();
    await setUp();
    const styles = document.head.querySelectorAll(`#${TOKENS_STYLE_ID}`);
    expect(styles).toHaveLength(1);
    expect(styles[0]?.textContent).toContain("--swissarmyknife-focus-ring-color");
  });

  it("declares the Open profiler command with Alt+P, which opens the modal on Latest", async () => {
    const extension = await setUp();
    const command = extension.commands?.find((c) => c.id === OPEN_PROFILER_COMMAND);
    expect(command?.label).toBe("SwissArmyKnife: Open profiler");
    expect(extension.keybindings).toEqual([{ combo: { key: "p", alt: true }, commandId: OPEN_PROFILER_COMMAND }]);
    expect(OPEN_PROFILER_KEYBINDING.commandId).toBe(command?.id);
    expect(document.getElementById("swissarmyknife-profiler-modal")).toBeNull();
    await command?.function();
    await expect.poll(() => document.getElementById("swissarmyknife-profiler-modal")).not.toBeNull();
    expect(document.querySelector('[role="tab"][aria-selected="true"]')?.textContent?.trim()).toBe("Latest");
  });

  it("draws the server's recent samples in the tiles at once; the sparklines setting removes them", async () => {
    const extension = await setUp();
    await expect.poll(() => document.querySelectorAll("[data-tile] .swissarmyknife-sparkline path").length).toBe(6);
    expect(api.calls).toContain("/swissarmyknife/monitor/history?seconds=300");
    extension.settings?.find((s) => s.id === SPARKLINES_SETTING)?.onChange?.(false, true);
    await expect.poll(() => document.querySelectorAll(".swissarmyknife-sparkline").length).toBe(0);
  });

  it("opens the GPU inspector from a GPU tile's menu, at the body, and closes it with Escape", async () => {
    await setUp();
    document.querySelector('[data-tile="vram-0"]')?.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }));
    await expect.poll(() => [...document.querySelectorAll('[role="menuitem"]')].find((item) => item.textContent === "Open GPU inspector")).toBeTruthy();
    [...document.querySelectorAll<HTMLElement>('[role="menuitem"]')].find((item) => item.textContent === "Open GPU inspector")?.click();
    await expect.poll(() => document.getElementById("swissarmyknife-gpu-inspector")).not.toBeNull();
    const inspector = document.getElementById("swissarmyknife-gpu-inspector")!;
    expect(inspector.closest(".swissarmyknife-gpu-inspector")?.parentElement).toBe(document.body);
    expect(api.calls).toContain("/swissarmyknife/monitor/gpus/0");
    await expect.poll(() => inspector.querySelector("dl")?.textContent?.replace(/\s+/g, " ")).toContain("Used by other processes 6.0 GiB");
    inspector.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await expect.poll(() => document.getElementById("swissarmyknife-gpu-inspector")).toBeNull();
  });

  it("opens the popup from the bar's profiler button, which reads the stats only then", async () => {
    await setUp();
    api.calls = [];
    document.querySelector<HTMLButtonElement>('[data-action="profiler"]')?.click();
    await expect.poll(() => document.getElementById("swissarmyknife-profiler-popup")).not.toBeNull();
    await expect.poll(() => api.calls).toContain("/swissarmyknife/profiler/stats?limit=1");
  });

  it("adds a sidebar tab where the frontend has them, its panel mounted on show and gone on destroy", async () => {
    const tabs: { id: string; render: (el: HTMLElement) => void; destroy?: () => void }[] = [];
    (app.extensionManager as Record<string, unknown>)["registerSidebarTab"] = (tab: (typeof tabs)[number]) => tabs.push(tab);
    await setUp();
    expect(tabs.map((t) => t.id)).toEqual([PROFILER_SIDEBAR_TAB]);
    const panel = document.createElement("div");
    document.body.append(panel);
    tabs[0]?.render(panel);
    expect(panel.querySelector("#swissarmyknife-profiler-sidebar")).not.toBeNull();
    panel.querySelector<HTMLButtonElement>('[data-action="open-profiler"]')?.click();
    await expect.poll(() => document.getElementById("swissarmyknife-profiler-modal")).not.toBeNull();
    tabs[0]?.destroy?.();
    await expect.poll(() => panel.querySelector("#swissarmyknife-profiler-sidebar")).toBeNull();
  });

  it("injects uPlot's stylesheet once, like the tokens", async () => {
    await setUp();
    await setUp();
    expect(document.head.querySelectorAll(`#${UPLOT_STYLE_ID}`)).toHaveLength(1);
    expect(document.getElementById(UPLOT_STYLE_ID)?.textContent).toContain(".uplot");
  });

  it("learns the prompts this page queues through ComfyUI's api.queuePrompt and names their runs", async () => {
    const seen: { route: string; body: unknown }[] = [];
    const loose = api as unknown as Record<string, unknown>;
    loose["queuePrompt"] = async () => ({ prompt_id: "p7" });
    (app.extensionManager as Record<string, unknown>)["workflow"] = { activeWorkflow: { filename: "Portrait", isTemporary: false } };
    try {
      await setUp();
      api.handler = (route, init) => {
        seen.push({ route, body: init?.body });
        return Response.json({ prompt_id: "p7", workflow_name: "Portrait", stored: false });
      };
      await (loose["queuePrompt"] as (...args: unknown[]) => Promise<unknown>)(0, { output: { 1: {} } });
      await expect.poll(() => seen).toEqual([{ route: "/swissarmyknife/profiler/workflows/p7/name", body: '{"workflow_name":"Portrait"}' }]);
    } finally {
      delete loose["queuePrompt"];
      delete (app.extensionManager as Record<string, unknown>)["workflow"];
    }
  });

  it("gives the modal its Previous, Analytics, OOM and Settings tabs, each reading the server only once shown", async () => {
    const extension = await setUp();
    api.handler = (route) => {
      if (route.startsWith("/swissarmyknife/profiler/history")) return Response.json({ items: [], total: 0, next_before: null });
      if (route.startsWith("/swissarmyknife/profiler/analytics/workflows")) return Response.json({ data: [], count: 0 });
      return Response.json(status());
    };
    api.calls = [];
    await extension.commands?.find((c) => c.id === OPEN_PROFILER_COMMAND)?.function();
    await expect.poll(() => document.getElementById("swissarmyknife-profiler-modal")).not.toBeNull();
    const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    expect(tabs.map((t) => t.textContent?.trim())).toEqual(["Latest", "Previous", "Analytics", "💥 OOM", "Settings"]);
    expect(api.calls.some((route) => route.startsWith("/swissarmyknife/profiler/oom"))).toBe(false);
    expect(api.calls.some((route) => route.startsWith("/swissarmyknife/profiler/history"))).toBe(false);
    tabs[1]!.click();
    await expect.poll(() => document.querySelector('[data-tab="previous"]')?.getAttribute("data-state")).toBe("ready");
    expect(api.calls).toContain("/swissarmyknife/profiler/history?limit=50");
    expect(document.querySelector('[data-tab="previous"] [data-empty]')?.textContent).toContain("No runs stored yet");
  });

  it("toasts a captured OOM with a button of its own that opens the modal on the OOM tab, which reads the analysis", async () => {
    await setUp();
    api.handler = (route) => {
      if (route === "/swissarmyknife/profiler/oom_stats") return Response.json(oomStats());
      if (route.startsWith("/swissarmyknife/profiler/oom_events")) return Response.json({ data: [oomEvent()], count: 1 });
      return Response.json(status());
    };
    api.emit("swissarmyknife.profiler.oom", oomCapturedEvent());
    await expect.poll(() => document.querySelector('[data-toast="oom:p-live"]')).not.toBeNull();
    // ComfyUI's toasts hold text only: this one, with its button, is ours.
    expect(app.toasts.some((t) => t.summary === "Out of memory in KSampler")).toBe(false);
    document.querySelector<HTMLButtonElement>('[data-toast="oom:p-live"] [data-action="open-oom-tab"]')!.click();
    await expect.poll(() => document.querySelector('[data-tab="oom"]')?.getAttribute("data-state")).toBe("ready");
    expect(document.querySelector('[role="tab"][aria-selected="true"]')?.textContent?.trim()).toBe("💥 OOM");
    expect(document.querySelector("[data-toast]")).toBeNull();
    expect(api.calls).toContain("/swissarmyknife/profiler/oom_events?limit=20");
  });

  it("marks the VRAM tile while a run's VRAM pressure is raised", async () => {
    await setUp();
    api.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent());
    await expect.poll(() => document.querySelector('[data-tile="vram-0"]')?.getAttribute("data-pressure")).toBe("critical");
    api.emit("execution_success", { prompt_id: "p-live" });
    await expect.poll(() => document.querySelector('[data-tile="vram-0"]')?.getAttribute("data-pressure")).toBeNull();
  });
});
