// The action buttons wired to the real API and to ComfyUI: the controllers, the debug setting, and
// the page reload that follows a restart.
import { getSession, postClearVram, postRestart } from "../../../api/client";
import {
  desktopRestartApp,
  logDebug,
  logError,
  onApiEvent,
  readSetting,
  serverIsUp,
  toast,
  type ComfySettingDefinition,
} from "../../../host/comfy";
import { ClearVramController } from "./clearVram.svelte";
import { provideHudActions, type HudActions } from "./context";
import { DEBUG_SETTING, RestartController } from "./restart.svelte";

export const RELOAD_PARAM = "swissarmyknife_restart";

/** location.replace with a fresh query parameter: the browser refetches the page and the bundle. */
export function reloadWithoutCache(location: Pick<Location, "href" | "replace"> = window.location): void {
  const url = new URL(location.href);
  url.searchParams.set(RELOAD_PARAM, String(Date.now()));
  location.replace(url.toString());
}

export interface HudActionsSetup {
  settings: ComfySettingDefinition[];
  actions: HudActions;
  /** Provide the controllers to the bar and follow the queue; call before the bar mounts. */
  start(): void;
}

export function createHudActions(): HudActionsSetup {
  const restart = new RestartController({
    getSession,
    postRestart,
    probeServer: serverIsUp,
    desktopRestart: desktopRestartApp,
    reload: () => reloadWithoutCache(),
    toast,
    logError,
    logDebug,
    debugEnabled: () => readSetting(DEBUG_SETTING) === true,
    onEvent: onApiEvent,
  });
  const clearVram = new ClearVramController({ getSession, postClearVram, toast, logError });
  const actions: HudActions = { restart, clearVram };
  const settings: ComfySettingDefinition[] = [
    {
      id: DEBUG_SETTING,
      name: "Debug logging",
      type: "boolean",
      defaultValue: false,
      tooltip: "Log the restart flow (setup, start, end, every 5th server probe) to the browser console.",
      category: ["SwissArmyKnife", "Debug", "Debug mode"],
    } satisfies ComfySettingDefinition<boolean> as ComfySettingDefinition,
  ];
  return {
    settings,
    actions,
    start() {
      provideHudActions(actions);
      restart.start();
    },
  };
}
