// The modal's tabs, in order: each a label and the component that draws it. The shell
// (ProfilerModal.svelte) renders whatever this list holds; a tab is added by one entry here. A tab
// component gets the profiler's views as props (open a run in Latest with `profiler.open(id)`) and
// finds its own stores through a context the composition root sets at mount.
import type { Component } from "svelte";

import type { ModalTab } from "../../lib/uiMode";
import type { ProfilerViews } from "./context";
import AnalyticsTab from "./AnalyticsTab.svelte";
import LatestTab from "./latest/LatestTab.svelte";
import OomTab from "./oom/OomTab.svelte";
import PreviousTab from "./PreviousTab.svelte";
import SettingsTab from "./SettingsTab.svelte";

/** What every tab component receives. */
export type ProfilerTabProps = Pick<ProfilerViews, "profiler" | "ui">;

export interface ProfilerTabEntry {
  id: ModalTab;
  label: string;
  component: Component<ProfilerTabProps>;
}

export const PROFILER_TABS: readonly ProfilerTabEntry[] = [
  { id: "latest", label: "Latest", component: LatestTab },
  { id: "previous", label: "Previous", component: PreviousTab },
  { id: "analytics", label: "Analytics", component: AnalyticsTab },
  { id: "oom", label: "💥 OOM", component: OomTab },
  { id: "settings", label: "Settings", component: SettingsTab },
];

/** The tab shown for the one asked for: itself when listed, else the first. */
export function shownTab(tabs: readonly ProfilerTabEntry[], wanted: ModalTab): ProfilerTabEntry | null {
  return tabs.find((tab) => tab.id === wanted) ?? tabs[0] ?? null;
}

/** Where "View Full History" goes: the Previous tab when the modal has one, else Latest. */
export function historyTab(tabs: readonly ProfilerTabEntry[] = PROFILER_TABS): ModalTab {
  return tabs.some((tab) => tab.id === "previous") ? "previous" : "latest";
}
