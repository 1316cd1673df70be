// The resource monitor bar, wired: its stores, its ComfyUI settings, and mounting it on document.body.
import { mount } from "svelte";

import { getMonitorSettings, getMonitorStatus, updateMonitorSettings } from "./api/client";
import ResourceMonitor from "./components/hud/ResourceMonitor.svelte";
import { logError, onApiEvent, readSetting, settingsAccess, toast, writeSetting, type ComfySettingDefinition } from "./host/comfy";
import { createPreferences, type KeyValueStorage } from "./lib/persistence";
import { SAMPLE_INTERVAL } from "./lib/sampleInterval";
import { ExecutionGlow } from "./stores/executionGlow.svelte";
import { COLLAPSED_SETTING, HudLayout, POSITION_SETTING } from "./stores/hudLayout.svelte";
import { MonitorStore } from "./stores/monitor.svelte";
import { INTERVAL_SETTING, MonitorSettingsStore } from "./stores/monitorSettings.svelte";

export const VISIBLE_SETTING = "SwissArmyKnife.monitor.visible";
const CATEGORY = "SwissArmyKnife";
const SECTION = "Resource monitor";

export interface Hud {
  /** For the extension's `settings` array (ComfyUI registers them before setup). */
  settings: ComfySettingDefinition[];
  /** Read the saved layout, mount the bar, fetch the status and follow events. */
  setup(): Promise<void>;
}

function localStorageOrNull(): KeyValueStorage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function viewport() {
  return { width: window.innerWidth, height: window.innerHeight };
}

export function createHud(): Hud {
  const layout = new HudLayout(createPreferences(settingsAccess, localStorageOrNull(), logError), viewport());
  const monitor = new MonitorStore({ getStatus: getMonitorStatus, onEvent: onApiEvent, onError: logError });
  const glow = new ExecutionGlow({
    onEvent: onApiEvent,
    isPageHidden: () => document.visibilityState === "hidden",
    onVisibilityChange: (listener) => {
      document.addEventListener("visibilitychange", listener);
      return () => document.removeEventListener("visibilitychange", listener);
    },
  });
  const intervals = new MonitorSettingsStore({
    getSettings: getMonitorSettings,
    updateSettings: updateMonitorSettings,
    readSetting,
    writeSetting,
    onEvent: onApiEvent,
    notifyError: (summary, detail) => toast({ severity: "error", summary, detail, life: 6000 }),
  });

  const settings: ComfySettingDefinition[] = [
    {
      id: VISIBLE_SETTING,
      name: "Show the resource monitor bar",
      type: "boolean",
      defaultValue: true,
      category: [CATEGORY, SECTION, "Visible"],
      onChange: (value) => layout.setVisible(value !== false),
    } satisfies ComfySettingDefinition<boolean>,
    {
      id: INTERVAL_SETTING,
      name: "Sample interval (seconds)",
      type: "slider",
      defaultValue: SAMPLE_INTERVAL.defaultValue,
      tooltip: "How often the server samples CPU, RAM and GPUs while a page is open. Saved on the server, for every page.",
      attrs: { min: SAMPLE_INTERVAL.min, max: SAMPLE_INTERVAL.max, step: SAMPLE_INTERVAL.step },
      category: [CATEGORY, SECTION, "Sample interval"],
      onChange: (value, oldValue) => intervals.onSettingChange(value, oldValue),
    } satisfies ComfySettingDefinition<number>,
    // Where the bar was dragged and whether it is collapsed: saved per user, not shown in the dialog.
    { id: POSITION_SETTING, name: "Resource monitor position", type: "hidden", defaultValue: null },
    { id: COLLAPSED_SETTING, name: "Resource monitor collapsed", type: "hidden", defaultValue: false },
  ] as ComfySettingDefinition[];

  return {
    settings,
    async setup() {
      layout.load();
      glow.start();
      mount(ResourceMonitor, { target: document.body, props: { store: monitor, layout, glow } });
      await Promise.all([monitor.start(), intervals.start()]);
    },
  };
}
