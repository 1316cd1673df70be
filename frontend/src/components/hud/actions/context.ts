// How the bar's action buttons get their stores: a typed Svelte context that the composition root
// (extension.ts) hands to mount() with the bar; tests render with the same context.
import { getContext, hasContext } from "svelte";

import type { ClearVramController } from "../../../stores/clearVram.svelte";
import type { RestartController } from "../../../stores/restart.svelte";

export interface HudActions {
  restart: RestartController;
  clearVram: ClearVramController;
}

const HUD_ACTIONS_KEY = Symbol("swissarmyknife.hud-actions");

/** The context map for mount() or render(): the bar's components then find the actions' stores. */
export function hudActionsContext(actions: HudActions): Map<symbol, HudActions> {
  return new Map([[HUD_ACTIONS_KEY, actions]]);
}

/** For a component's initialisation: the actions' stores, or null when none were given (no buttons). */
export function getHudActions(): HudActions | null {
  return hasContext(HUD_ACTIONS_KEY) ? getContext<HudActions>(HUD_ACTIONS_KEY) : null;
}
