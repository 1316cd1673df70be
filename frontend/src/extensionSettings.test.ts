// The extension's own settings and server actions as ComfyUI sees them: the definitions it
// registers, the server-backed ones synced at setup, toast verbosity on every toast, the tile colour
// thresholds, the read-only guard, and the Restart and Clear VRAM commands.
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { CLEAR_VRAM_COMMAND, createExtension, RESTART_COMMAND, TOKENS_STYLE_ID, UPLOT_STYLE_ID } from "./extension";
import type { ComfyExtension } from "./host/comfy";
import {
  ACTIONS_GUARD_SETTING,
  LEVEL_SETTINGS,
  PROFILER_ENABLED_SETTING,
  TOASTS_SETTING,
  VISIBLE_SETTING,
  VRAM_CRITICAL_SETTING,
  VRAM_WARNING_SETTING,
} from "./lib/settingIds";
import type { CustomSetting } from "./lib/settings";
import { api, app } from "./testing/fakeComfy";
import { clearVramResult, monitorHistory, monitorSettings, session, snapshot, status } from "./testing/fixtures";
import { oomCapturedEvent } from "./testing/oom";
import { FakeProfilerServer } from "./testing/profilerTabs";

let profiler: FakeProfilerServer;
let puts: unknown[];

beforeEach(() => {
  profiler = new FakeProfilerServer();
  puts = [];
  app.settings.clear();
  app.toasts = [];
});

afterEach(() => {
  document.body.innerHTML = "";
  document.getElementById(TOKENS_STYLE_ID)?.remove();
  document.getElementById(UPLOT_STYLE_ID)?.remove();
});

async function setUp(actionsAllowed = true): Promise<ComfyExtension> {
  api.handler = async (route, init) => {
    if (route.startsWith("/swissarmyknife/profiler/settings")) {
      if (init?.method === "PUT") {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        puts.push(body);
        return Response.json(await profiler.updateSettings(body));
      }
      return Response.json(profiler.settings);
    }
    if (route.endsWith("/monitor/settings")) return Response.json(monitorSettings());
    if (route.endsWith("/session")) return Response.json(session(actionsAllowed ? {} : { token: null, actions_allowed: false, actions_refused_reason: "it listens beyond this machine" }));
    if (route.endsWith("/clear-vram")) return Response.json(clearVramResult());
    if (route.includes("/monitor/history")) return Response.json(monitorHistory([snapshot({ sampled_at: 1000 })]));
    return Response.json(status());
  };
  const extension = createExtension();
  // As ComfyUI registers them: each onChange once with the stored value and no old one.
  for (const definition of extension.settings ?? []) definition.onChange?.(app.settings.get(definition.id) ?? definition.defaultValue, undefined);
  await extension.setup?.(app as never);
  return extension;
}

const definitionOf = (extension: ComfyExtension, id: string) => extension.settings!.find((s) => s.id === id)!;

/** What ComfyUI's settings store does on a change: onChange with the old value, then the value stored. */
function change(extension: ComfyExtension, id: string, value: unknown): void {
  const definition = definitionOf(extension, id);
  const old = app.settings.get(id) ?? definition.defaultValue;
  definition.onChange?.(value, old);
  app.settings.set(id, value);
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the extension's settings", () => {
  it("declares them with names and tooltips, in ComfyUI's category and their sections", () => {
    const extension = createExtension();
    const sections = (ids: string[]) => ids.map((id) => definitionOf(extension, id).category?.slice(0, 2));
    expect(sections(Object.values(LEVEL_SETTINGS))).toEqual(Array(3).fill(["SwissArmyKnife", "Resource monitor"]));
    expect(sections([PROFILER_ENABLED_SETTING, VRAM_WARNING_SETTING, VRAM_CRITICAL_SETTING])).toEqual(Array(3).fill(["SwissArmyKnife", "Profiler"]));
    expect(Object.values(LEVEL_SETTINGS).map((id) => [definitionOf(extension, id).name, definitionOf(extension, id).defaultValue])).toEqual([
      ["Tiles turn yellow at (%)", 50],
      ["Tiles turn orange at (%)", 70],
      ["Tiles turn red at (%)", 90],
    ]);
    expect(definitionOf(extension, PROFILER_ENABLED_SETTING)).toMatchObject({ type: "boolean", defaultValue: true });
    expect([VRAM_WARNING_SETTING, VRAM_CRITICAL_SETTING].map((id) => definitionOf(extension, id).defaultValue)).toEqual([85, 95]);
    expect(definitionOf(extension, TOASTS_SETTING)).toMatchObject({ type: "combo", defaultValue: "all", category: ["SwissArmyKnife", "Notifications", "Toasts"] });
    expect(definitionOf(extension, TOASTS_SETTING).options).toEqual([
      { text: "All", value: "all" },
      { text: "Errors only", value: "errors" },
      { text: "None", value: "none" },
    ]);
    expect(typeof definitionOf(extension, ACTIONS_GUARD_SETTING).type).toBe("function");
    for (const id of [Object.values(LEVEL_SETTINGS)[0]!, PROFILER_ENABLED_SETTING, VRAM_WARNING_SETTING, TOASTS_SETTING, ACTIONS_GUARD_SETTING]) {
      expect(definitionOf(extension, id).tooltip, id).toBeTruthy();
    }
  });

  it("gives ComfyUI's dialog their order as declared (its sortOrder, highest first)", () => {
    const definitions = createExtension().settings ?? [];
    const orders = definitions.map((d) => d.sortOrder);
    expect(orders.every((order) => typeof order === "number")).toBe(true);
    expect(orders).toEqual([...orders].sort((a, b) => (b ?? 0) - (a ?? 0)));
    expect(new Set(orders).size).toBe(orders.length);
  });

  it("shows the server's recording and VRAM levels in ComfyUI's settings at setup, and PUTs a change", async () => {
    profiler.settings = { ...profiler.settings, enabled: false, vram_warning_percent: 80 };
    app.settings.set(PROFILER_ENABLED_SETTING, true);
    app.settings.set(VRAM_WARNING_SETTING, 85);
    const extension = await setUp();
    await flush();
    expect(app.settings.get(PROFILER_ENABLED_SETTING)).toBe(false);
    expect(app.settings.get(VRAM_WARNING_SETTING)).toBe(80);
    change(extension, VRAM_CRITICAL_SETTING, 97);
    await expect.poll(() => puts).toEqual([{ vram_critical_percent: 97 }]);
    expect(profiler.settings.vram_critical_percent).toBe(97);
  });

  it("a server lock on recording: the change is refused with its reason and the setting put back", async () => {
    profiler.settings = { ...profiler.settings, enabled: false, enabled_locked_reason: "SWISSARMYKNIFE_PROFILER=0 turns the profiler off" };
    app.settings.set(PROFILER_ENABLED_SETTING, false);
    const extension = await setUp();
    await flush();
    change(extension, PROFILER_ENABLED_SETTING, true);
    await flush();
    expect(app.settings.get(PROFILER_ENABLED_SETTING)).toBe(false);
    expect(puts).toEqual([]);
    expect(app.toasts).toContainEqual(expect.objectContaining({ severity: "error", summary: "Recording not changed", detail: "SWISSARMYKNIFE_PROFILER=0 turns the profiler off" }));
  });

  it("colours the tiles at the thresholds set, refusing ones out of order with a toast", async () => {
    const extension = await setUp();
    const level = () => document.querySelector<HTMLElement>('[data-tile="cpu"]')?.dataset.level;
    await expect.poll(level).toBe("ok");
    change(extension, LEVEL_SETTINGS.warm, 5);
    change(extension, LEVEL_SETTINGS.hot, 8);
    change(extension, LEVEL_SETTINGS.critical, 10);
    await expect.poll(level).toBe("critical");
    change(extension, LEVEL_SETTINGS.hot, 50);
    await flush();
    expect(app.toasts).toContainEqual(expect.objectContaining({ summary: "Tile colours not changed" }));
    expect(app.settings.get(LEVEL_SETTINGS.hot)).toBe(8);
    expect(level()).toBe("critical");
  });

  it("toasts as the verbosity says, ComfyUI's toasts and ours alike", async () => {
    const extension = await setUp();
    app.settings.set(TOASTS_SETTING, "errors");
    await extension.commands!.find((c) => c.id === CLEAR_VRAM_COMMAND)!.function();
    expect(app.toasts).toEqual([]);
    // The OOM toast (ours: it has a button) is an error: it shows at "errors".
    api.emit("swissarmyknife.profiler.oom", oomCapturedEvent());
    await expect.poll(() => document.querySelectorAll('[data-action="open-oom-tab"]').length).toBe(1);
    app.settings.set(TOASTS_SETTING, "none");
    api.emit("swissarmyknife.profiler.oom", oomCapturedEvent({ prompt_id: "p-2" }));
    await flush();
    expect(document.querySelectorAll('[data-action="open-oom-tab"]')).toHaveLength(1);
    app.settings.set(TOASTS_SETTING, "all");
    await extension.commands!.find((c) => c.id === CLEAR_VRAM_COMMAND)!.function();
    expect(app.toasts.map((t) => t.summary)).toEqual(["VRAM cleared"]);
  });

  it("the guard renders, read-only, whether server actions are allowed, or the server's reason", async () => {
    for (const [allowed, text] of [
      [true, "Allowed on this server."],
      [false, "it listens beyond this machine"],
    ] as const) {
      const extension = await setUp(allowed);
      const render = definitionOf(extension, ACTIONS_GUARD_SETTING).type as CustomSetting;
      const element = render("Restart and Clear VRAM", () => {}, null);
      expect(element.textContent).toBe("--");
      await expect.poll(() => element.textContent).toBe(text);
    }
  });
});

describe("the Restart and Clear VRAM commands", () => {
  it("are named for the palette, under ids that never change", () => {
    const commands = createExtension().commands!;
    expect(commands.filter((c) => [RESTART_COMMAND, CLEAR_VRAM_COMMAND].includes(c.id)).map((c) => [c.id, c.label])).toEqual([
      ["SwissArmyKnife.Restart", "SwissArmyKnife: Restart ComfyUI"],
      ["SwissArmyKnife.ClearVram", "SwissArmyKnife: Clear VRAM"],
    ]);
  });

  it("Restart opens the bar's confirmation, even with the bar hidden, and closes the modal over it", async () => {
    const extension = await setUp();
    change(extension, VISIBLE_SETTING, false);
    const bar = document.getElementById("swissarmyknife-resource-monitor")!;
    await expect.poll(() => bar.hidden).toBe(true);
    await extension.commands!.find((c) => c.id === "SwissArmyKnife.OpenProfiler")!.function();
    await expect.poll(() => document.getElementById("swissarmyknife-profiler-modal")).not.toBeNull();
    await extension.commands!.find((c) => c.id === RESTART_COMMAND)!.function();
    await expect.poll(() => document.querySelector('[role="alertdialog"][aria-label="Restart ComfyUI?"]')).not.toBeNull();
    expect(bar.hidden).toBe(false);
    expect(document.getElementById("swissarmyknife-profiler-modal")).toBeNull();
    document.querySelector<HTMLButtonElement>('[data-action="cancel-restart"]')!.click();
    await expect.poll(() => bar.hidden).toBe(true);
  });

  it("Restart refused by the server's guard says why, as the button does, and asks nothing", async () => {
    const extension = await setUp(false);
    await extension.commands!.find((c) => c.id === RESTART_COMMAND)!.function();
    expect(app.toasts).toContainEqual(expect.objectContaining({ severity: "error", summary: "Restart is disabled on this server", detail: "it listens beyond this machine" }));
    expect(document.querySelector('[role="alertdialog"]')).toBeNull();
  });

  it("Clear VRAM clears as the button does, and is refused the same way", async () => {
    const extension = await setUp();
    await extension.commands!.find((c) => c.id === CLEAR_VRAM_COMMAND)!.function();
    expect(app.toasts.map((t) => t.summary)).toEqual(["VRAM cleared"]);
    const refused = await setUp(false);
    await refused.commands!.find((c) => c.id === CLEAR_VRAM_COMMAND)!.function();
    expect(app.toasts.map((t) => t.summary)).toEqual(["VRAM cleared", "Clear VRAM is disabled on this server"]);
  });
});
