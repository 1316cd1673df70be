// Every ComfyUI setting id of the extension, in one place. They key what users have saved (ComfyUI
// stores settings by id), so they never change.
export const VISIBLE_SETTING = "SwissArmyKnife.monitor.visible";
export const INTERVAL_SETTING = "SwissArmyKnife.monitor.sample_interval_s";
/** Where the bar was dragged (hidden: not shown in ComfyUI's settings dialog). */
export const POSITION_SETTING = "SwissArmyKnife.monitor.position";
/** Whether the bar is collapsed (hidden). */
export const COLLAPSED_SETTING = "SwissArmyKnife.monitor.collapsed";
/** Which tiles the bar shows, Custom's hidden tiles, and where it docks: this browser's choice, mirrored in the dialog. */
export const PRESET_SETTING = "SwissArmyKnife.monitor.preset";
export const HIDDEN_TILES_SETTING = "SwissArmyKnife.monitor.hidden_tiles";
export const DOCK_SETTING = "SwissArmyKnife.monitor.dock";
export const DEBUG_SETTING = "SwissArmyKnife.debug_mode";
/** The node badges on the graph: on, hover-only or off; which figures; their opacity. */
export const BADGE_MODE_SETTING = "SwissArmyKnife.badges.mode";
export const BADGE_TIME_SETTING = "SwissArmyKnife.badges.show_time";
export const BADGE_VRAM_SETTING = "SwissArmyKnife.badges.show_vram";
export const BADGE_OPACITY_SETTING = "SwissArmyKnife.badges.opacity";
/** The tiles' sparklines: on or off, and the minutes they span. */
export const SPARKLINES_SETTING = "SwissArmyKnife.sparklines.enabled";
export const SPARKLINE_MINUTES_SETTING = "SwissArmyKnife.sparklines.window_minutes";
/** How many of the pack's toasts show: all, errors only, none. */
export const TOASTS_SETTING = "SwissArmyKnife.toasts.verbosity";
/** Where a tile's fill turns yellow, orange and red (percent). */
export const LEVEL_SETTINGS = {
  warm: "SwissArmyKnife.monitor.level_warm_percent",
  hot: "SwissArmyKnife.monitor.level_hot_percent",
  critical: "SwissArmyKnife.monitor.level_critical_percent",
} as const;
/** The profiler's recording and VRAM levels: the server's settings, mirrored in ComfyUI's. */
export const PROFILER_ENABLED_SETTING = "SwissArmyKnife.profiler.enabled";
export const VRAM_WARNING_SETTING = "SwissArmyKnife.profiler.vram_warning_percent";
export const VRAM_CRITICAL_SETTING = "SwissArmyKnife.profiler.vram_critical_percent";
/** Read-only: whether Restart and Clear VRAM are allowed on this server, and why not. */
export const ACTIONS_GUARD_SETTING = "SwissArmyKnife.actions.guard";

export const SETTING_IDS = [
  VISIBLE_SETTING,
  INTERVAL_SETTING,
  POSITION_SETTING,
  COLLAPSED_SETTING,
  PRESET_SETTING,
  HIDDEN_TILES_SETTING,
  DOCK_SETTING,
  DEBUG_SETTING,
  BADGE_MODE_SETTING,
  BADGE_TIME_SETTING,
  BADGE_VRAM_SETTING,
  BADGE_OPACITY_SETTING,
  SPARKLINES_SETTING,
  SPARKLINE_MINUTES_SETTING,
  TOASTS_SETTING,
  ...Object.values(LEVEL_SETTINGS),
  PROFILER_ENABLED_SETTING,
  VRAM_WARNING_SETTING,
  VRAM_CRITICAL_SETTING,
  ACTIONS_GUARD_SETTING,
] as const;
export type SettingId = (typeof SETTING_IDS)[number];
