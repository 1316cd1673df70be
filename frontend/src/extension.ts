// The ComfyUI extension: registers with the app and mounts the resource monitor bar on setup.
import { createHudActions } from "./components/hud/actions/create";
import type { ComfyExtension } from "./host/comfy";
import { createHud } from "./hud";

export const EXTENSION_NAME = "comfyui_swissarmyknife.resource_monitor";

export function createExtension(): ComfyExtension {
  const hud = createHud();
  const actions = createHudActions();
  return {
    name: EXTENSION_NAME,
    settings: [...hud.settings, ...actions.settings],
    async setup() {
      actions.start(); // before the bar mounts: it finds the Restart and Clear VRAM controllers
      await hud.setup();
    },
  };
}
