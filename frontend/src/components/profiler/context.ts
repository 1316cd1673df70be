// How the profiler's views get their stores: one typed Svelte context that the composition root
// (extension.ts) hands to mount() with the bar, the page-level layer and the sidebar panel; tests
// render with the same context.
import { getContext, hasContext } from "svelte";

import type { NodeRecord } from "../../api/types";
import type { ClearHistoryController } from "../../stores/clearHistory.svelte";
import type { ProfilerStore } from "../../stores/profiler.svelte";
import type { UiModeStore } from "../../stores/uiMode.svelte";
import type { TimelinePlotFactory } from "./latest/timelinePlot";

export interface ProfilerViews {
  profiler: ProfilerStore;
  ui: UiModeStore;
  clearHistory: ClearHistoryController;
  /** Select a node on ComfyUI's canvas and centre it; false where the frontend cannot. */
  focusNode(node: NodeRecord): boolean;
  /** Draws the Latest tab's timeline (uPlot on a canvas); tests hand a fake, the page has no canvas there. */
  timelinePlot: TimelinePlotFactory;
  /** Open the modal's Analytics at a workflow's regression flag (the popup's flag). */
  showRegression?(workflowHash: string): void;
}

const PROFILER_VIEWS_KEY = Symbol("swissarmyknife.profiler-views");

/** The context map for mount() or render(): the profiler's components then find their stores. */
export function profilerContext(views: ProfilerViews): Map<symbol, ProfilerViews> {
  return new Map([[PROFILER_VIEWS_KEY, views]]);
}

/** For a component's initialisation: the profiler's stores, or null when none were given (no profiler UI). */
export function getProfilerViews(): ProfilerViews | null {
  return hasContext(PROFILER_VIEWS_KEY) ? getContext<ProfilerViews>(PROFILER_VIEWS_KEY) : null;
}
