// The composition root: builds every store, wires it to the typed client and to ComfyUI (host/),
// declares the extension's settings, and mounts the bar with its stores at setup.
import { mount } from "svelte";

import { createApiClient } from "./api/client";
import { hudActionsContext } from "./components/hud/actions/context";
import ResourceMonitor from "./components/hud/ResourceMonitor.svelte";
import {
  desktopRestartApp,
  fetchApi,
  logDebug,
  logError,
  onApiEvent,
  readSetting,
  serverIsUp,
  settingsAccess,
  toast,
  writeSetting,
  type ComfyExtension,
  type ComfySettingDefinition,
} from "./host/comfy";
import { watchChrome } from "./host/chrome";
import { createHostEvents } from "./host/events";
import { injectStyle, isPageHidden, localStorageOrNull, onVisibilityChange, reloadWithoutCache, viewport } from "./host/page";
import { createPreferences } from "./lib/persistence";
import { SAMPLE_INTERVAL } from "./lib/sampleInterval";
import { COLLAPSED_SETTING, DEBUG_SETTING, INTERVAL_SETTING, POSITION_SETTING, VISIBLE_SETTING } from "./lib/settingIds";
import { ClearVramController } from "./stores/clearVram.svelte";
import { ExecutionGlow } from "./stores/executionGlow.svelte";
import { HudLayout } from "./stores/hudLayout.svelte";
import { MonitorStore } from "./stores/monitor.svelte";
import { MonitorSettingsStore } from "./stores/monitorSettings.svelte";
import { RestartController } from "./stores/restart.svelte";
import { UiModeStore } from "./stores/uiMode.svelte";
import tokens from "./styles/tokens.css?inline";

export const EXTENSION_NAME = "comfyui_swissarmyknife.resource_monitor";
export const TOKENS_STYLE_ID = "swissarmyknife-tokens";

const CATEGORY = "SwissArmyKnife";
const SECTION = "Resource monitor";

export function createExtension(): ComfyExtension {
  const client = createApiClient(fetchApi);
  const events = createHostEvents(onApiEvent);

  const prefs = createPreferences(settingsAccess, localStorageOrNull(), logError);
  const layout = new HudLayout(prefs, viewport());
  const ui = new UiModeStore(prefs);
  const monitor = new MonitorStore({ getStatus: client.getMonitorStatus, events, onError: logError });
  const glow = new ExecutionGlow({ events, isPageHidden, onVisibilityChange });
  const intervals = new MonitorSettingsStore({
    getSettings: client.getMonitorSettings,
    updateSettings: client.updateMonitorSettings,
    readSetting,
    writeSetting,
    events,
    notifyError: (summary, detail) => toast({ severity: "error", summary, detail, life: 6000 }),
  });
  const restart = new RestartController({
    getSession: client.getSession,
    postRestart: client.postRestart,
    probeServer: serverIsUp,
    desktopRestart: desktopRestartApp,
    reload: () => reloadWithoutCache(),
    toast,
    logError,
    logDebug,
    debugEnabled: () => readSetting(DEBUG_SETTING) === true,
    events,
  });
  const clearVram = new ClearVramController({ getSession: client.getSession, postClearVram: client.postClearVram, toast, logError });

  const settings = [
    {
      id: VISIBLE_SETTING,
      name: "Show the resource monitor bar",
      type: "boolean",
      defaultValue: true,
      category: [CATEGORY, SECTION, "Visible"],
      onChange: (value) => ui.setVisible(value !== false),
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
    {
      id: DEBUG_SETTING,
      name: "Debug logging",
      type: "boolean",
      defaultValue: false,
      tooltip: "Log the restart flow (setup, start, end, every 5th server probe) to the browser console.",
      category: [CATEGORY, "Debug", "Debug mode"],
    } satisfies ComfySettingDefinition<boolean>,
  ] as ComfySettingDefinition[];

  return {
    name: EXTENSION_NAME,
    settings,
    async setup() {
      // Once, before anything mounts: every component's colours, spacing and focus ring come from it.
      injectStyle(TOKENS_STYLE_ID, tokens);
      layout.load();
      ui.load();
      // ComfyUI's menus, measured now and followed: the bar places itself clear of them.
      watchChrome((chrome) => layout.setChrome(chrome));
      glow.start();
      restart.start();
      mount(ResourceMonitor, {
        target: document.body,
        props: { store: monitor, layout, glow, ui },
        context: hudActionsContext({ restart, clearVram }),
      });
      await Promise.all([monitor.start(), intervals.start()]);
    },
  };
}
