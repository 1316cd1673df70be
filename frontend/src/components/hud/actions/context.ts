// How the bar finds its action buttons' controllers: a typed Svelte context (tests, other mounts),
// else what the extension provided at setup (the bar is mounted by the HUD, which does not know them).
import { getContext, hasContext } from "svelte";

import type { ClearVramController } from "./clearVram.svelte";
import type { RestartController } from "./restart.svelte";

export interface HudActions {
  restart: RestartController;
  clearVram: ClearVramController;
}

export const HUD_ACTIONS_KEY = Symbol("swissarmyknife.hud-actions");

let provided: HudActions | null = null;

/** Make the controllers available to the bar; call before it mounts (null removes them). */
export function provideHudActions(actions: HudActions | null): void {
  provided = actions;
}

/** For a component's initialisation: the controllers, or null when none were provided (no buttons). */
export function getHudActions(): HudActions | null {
  return hasContext(HUD_ACTIONS_KEY) ? (getContext<HudActions | null>(HUD_ACTIONS_KEY) ?? null) : provided;
}
