// Every ComfyUI setting id of the extension, in one place. They key what users have saved (ComfyUI
// stores settings by id), so they never change.
export const VISIBLE_SETTING = "SwissArmyKnife.monitor.visible";
export const INTERVAL_SETTING = "SwissArmyKnife.monitor.sample_interval_s";
/** Where the bar was dragged (hidden: not shown in ComfyUI's settings dialog). */
export const POSITION_SETTING = "SwissArmyKnife.monitor.position";
/** Whether the bar is collapsed (hidden). */
export const COLLAPSED_SETTING = "SwissArmyKnife.monitor.collapsed";
export const DEBUG_SETTING = "SwissArmyKnife.debug_mode";
/** The node badges on the graph: on, hover-only or off; which figures; their opacity. */
export const BADGE_MODE_SETTING = "SwissArmyKnife.badges.mode";
export const BADGE_TIME_SETTING = "SwissArmyKnife.badges.show_time";
export const BADGE_VRAM_SETTING = "SwissArmyKnife.badges.show_vram";
export const BADGE_OPACITY_SETTING = "SwissArmyKnife.badges.opacity";

export const SETTING_IDS = [
  VISIBLE_SETTING,
  INTERVAL_SETTING,
  POSITION_SETTING,
  COLLAPSED_SETTING,
  DEBUG_SETTING,
  BADGE_MODE_SETTING,
  BADGE_TIME_SETTING,
  BADGE_VRAM_SETTING,
  BADGE_OPACITY_SETTING,
] as const;
export type SettingId = (typeof SETTING_IDS)[number];
