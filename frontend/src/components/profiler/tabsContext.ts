// How the modal's Previous, Analytics, OOM and Settings tabs find their stores: one typed Svelte context
// that the composition root (extension.ts) hands to mount() beside the profiler's views; tests
// render with the same context.
import { getContext, hasContext } from "svelte";

import type { BaselineStore } from "../../stores/baselines.svelte";
import type { OomStore } from "../../stores/oom.svelte";
import type { ProfilerAnalyticsStore } from "../../stores/profilerAnalytics.svelte";
import type { ProfilerExportStore } from "../../stores/profilerExport.svelte";
import type { ProfilerHistoryStore } from "../../stores/profilerHistory.svelte";
import type { ProfilerSettingsStore } from "../../stores/profilerSettings.svelte";
import type { RegressionStore } from "../../stores/regressions.svelte";
import type { SettingsPanelStore } from "../../stores/settingsPanel.svelte";
import type { UnloadController } from "../../stores/unload.svelte";

export interface ProfilerTabStores {
  history: ProfilerHistoryStore;
  analytics: ProfilerAnalyticsStore;
  settings: ProfilerSettingsStore;
  exports: ProfilerExportStore;
  oom: OomStore;
  /** Unloading models by name (the OOM tab's recommendations; the toasts share it). */
  unload: UnloadController;
  /** Each workflow's pinned baseline (Previous, Latest, the comparison). */
  baselines: BaselineStore;
  /** The regression flags (Analytics). */
  regressions: RegressionStore;
  /** The extension's ComfyUI settings, rendered in the Settings tab from the same definitions. */
  panel: SettingsPanelStore;
}

const PROFILER_TABS_KEY = Symbol("swissarmyknife.profiler-tabs");

/** The context map for mount() or render(). */
export function profilerTabsContext(stores: ProfilerTabStores): Map<symbol, ProfilerTabStores> {
  return new Map([[PROFILER_TABS_KEY, stores]]);
}

/** For a component that may render outside the modal (the Latest run in a test): the stores, or null. */
export function findProfilerTabs(): ProfilerTabStores | null {
  return hasContext(PROFILER_TABS_KEY) ? getContext<ProfilerTabStores>(PROFILER_TABS_KEY) : null;
}

/** For a tab's initialisation: its stores (the root always sets them where the modal mounts). */
export function getProfilerTabs(): ProfilerTabStores {
  if (!hasContext(PROFILER_TABS_KEY)) throw new Error("the profiler's tab stores were not given (profilerTabsContext)");
  return getContext<ProfilerTabStores>(PROFILER_TABS_KEY);
}
