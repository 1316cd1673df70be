// The composition root: builds every store, wires it to the typed client and to ComfyUI (host/),
// declares the extension's settings, commands and keybindings, and mounts the bar, the profiler's
// page-level layer and its sidebar tab with their stores at setup.
import { mount, unmount } from "svelte";
import uplotCss from "uplot/dist/uPlot.min.css?inline";

import { createApiClient } from "./api/client";
import { hudActionsContext } from "./components/hud/actions/context";
import GpuInspector from "./components/hud/GpuInspector.svelte";
import ResourceMonitor from "./components/hud/ResourceMonitor.svelte";
import { sparklineContext } from "./components/hud/Sparkline.svelte";
import { profilerContext, type ProfilerViews } from "./components/profiler/context";
import OomLayer from "./components/profiler/oom/OomLayer.svelte";
import { uPlotTimeline } from "./components/profiler/latest/timelinePlot";
import ProfilerLayer from "./components/profiler/ProfilerLayer.svelte";
import ProfilerSidebar from "./components/profiler/ProfilerSidebar.svelte";
import { profilerTabsContext, type ProfilerTabStores } from "./components/profiler/tabsContext";
import {
  desktopRestartApp,
  fetchApi,
  focusNodeOnCanvas,
  logDebug,
  logError,
  onApiEvent,
  onPromptQueued,
  readSetting,
  registerSidebarTab,
  serverIsUp,
  settingsAccess,
  toast,
  writeSetting,
  type ComfyCommand,
  type ComfyExtension,
  type ComfyKeybinding,
  type ComfySettingDefinition,
} from "./host/comfy";
import { watchChrome } from "./host/chrome";
import { createHostEvents } from "./host/events";
import { comfyBadgeEnv, createNodeBadgeHost, type NodeBadgeHost } from "./host/nodeBadges";
import { copyText, downloadFile, injectStyle, isPageHidden, localStorageOrNull, onVisibilityChange, reloadWithoutCache, viewport } from "./host/page";
import { createPreferences } from "./lib/persistence";
import { DOCK_OPTIONS, PRESET_OPTIONS } from "./lib/presets";
import { SPARKLINE_MINUTES } from "./lib/ring";
import type { Toast } from "./lib/messages";
import { DEFAULT_VRAM_THRESHOLDS } from "./lib/profilerRun";
import { SAMPLE_INTERVAL } from "./lib/sampleInterval";
import { guardText, toastAllowed } from "./lib/settings";
import { DEFAULT_LEVEL_THRESHOLDS } from "./lib/thresholds";
import {
  BADGE_MODE_SETTING,
  BADGE_OPACITY_SETTING,
  BADGE_TIME_SETTING,
  BADGE_VRAM_SETTING,
  COLLAPSED_SETTING,
  DOCK_SETTING,
  HIDDEN_TILES_SETTING,
  PRESET_SETTING,
  ACTIONS_GUARD_SETTING,
  DEBUG_SETTING,
  LEVEL_SETTINGS,
  PROFILER_ENABLED_SETTING,
  TOASTS_SETTING,
  VRAM_CRITICAL_SETTING,
  VRAM_WARNING_SETTING,
  SPARKLINE_MINUTES_SETTING,
  SPARKLINES_SETTING,
  INTERVAL_SETTING,
  POSITION_SETTING,
  VISIBLE_SETTING,
} from "./lib/settingIds";
import { BaselineStore } from "./stores/baselines.svelte";
import { ClearHistoryController } from "./stores/clearHistory.svelte";
import { ClearVramController } from "./stores/clearVram.svelte";
import { EnvironmentCache } from "./stores/environments";
import { ExecutionGlow } from "./stores/executionGlow.svelte";
import { GpuInspectorStore } from "./stores/gpuInspector.svelte";
import { HudDisplay } from "./stores/hudDisplay.svelte";
import { HudLayout } from "./stores/hudLayout.svelte";
import { MonitorStore } from "./stores/monitor.svelte";
import { MonitorHistoryStore } from "./stores/monitorHistory.svelte";
import { GradientLevelsStore } from "./stores/gradientLevels.svelte";
import { ServerSettingsStore } from "./stores/serverSettings.svelte";
import { SettingsPanelStore } from "./stores/settingsPanel.svelte";
import { NodeBadgeStore } from "./stores/nodeBadges";
import { OomStore } from "./stores/oom.svelte";
import { OomAlerts } from "./stores/oomAlerts";
import { ProfilerStore } from "./stores/profiler.svelte";
import { ProfilerAnalyticsStore } from "./stores/profilerAnalytics.svelte";
import { ProfilerExportStore } from "./stores/profilerExport.svelte";
import { ProfilerHistoryStore } from "./stores/profilerHistory.svelte";
import { ProfilerSettingsStore, type HistoryChange } from "./stores/profilerSettings.svelte";
import { QueuedPrompts } from "./stores/queuedPrompts";
import { RegressionStore } from "./stores/regressions.svelte";
import { RestartController } from "./stores/restart.svelte";
import { ToastStore } from "./stores/toasts.svelte";
import { UiModeStore } from "./stores/uiMode.svelte";
import { UnloadController } from "./stores/unload.svelte";
import { VramPressureStore } from "./stores/vramPressure.svelte";
import tokens from "./styles/tokens.css?inline";

export const EXTENSION_NAME = "comfyui_swissarmyknife.resource_monitor";
export const TOKENS_STYLE_ID = "swissarmyknife-tokens";
/** uPlot's own stylesheet (its cursor, its overlay), for every chart: the bundle is one JS file. */
export const UPLOT_STYLE_ID = "swissarmyknife-uplot";
export const OPEN_PROFILER_COMMAND = "SwissArmyKnife.OpenProfiler";
export const PROFILER_SIDEBAR_TAB = "swissarmyknife-profiler";
/** The bar's Restart and Clear VRAM, with their confirmation and guards; no default keys (users bind them). */
export const RESTART_COMMAND = "SwissArmyKnife.Restart";
export const CLEAR_VRAM_COMMAND = "SwissArmyKnife.ClearVram";
/** Alt+P: free on ComfyUI's default keymap (1.27 to 1.58: P alone pins, Alt+C/M/=/- act on the canvas). */
export const OPEN_PROFILER_KEYBINDING: ComfyKeybinding = { combo: { key: "p", alt: true }, commandId: OPEN_PROFILER_COMMAND };

const CATEGORY = "SwissArmyKnife";
const SECTION = "Resource monitor";
const BADGES = "Node badges";
const PROFILER = "Profiler";

export function createExtension(): ComfyExtension {
  const client = createApiClient(fetchApi);
  const events = createHostEvents(onApiEvent);

  // ComfyUI's toasts where the frontend has them, ours otherwise; ours always for a toast with buttons.
  // Every toast the pack raises, ComfyUI's and ours, shows only as the verbosity setting allows.
  const toasts = new ToastStore(undefined, (severity) => toastAllowed(readSetting(TOASTS_SETTING), severity));
  const notify = (message: Toast) => {
    if (toasts.allows(message.severity) && !toast(message)) toasts.show(message);
  };

  const prefs = createPreferences(settingsAccess, localStorageOrNull(), logError);
  const layout = new HudLayout(prefs, viewport());
  // The tiles shown and the dock: this browser's own choice (its localStorage), mirrored in the dialog.
  const display = new HudDisplay({ local: createPreferences(() => null, localStorageOrNull()), readSetting, writeSetting });
  const copy = (text: string) => void copyText(text).catch((error: unknown) => notify({ severity: "error", summary: "Could not copy", detail: String(error), life: 4000 }));
  const ui = new UiModeStore(prefs);
  const monitor = new MonitorStore({ getStatus: client.getMonitorStatus, events, onError: logError });
  const glow = new ExecutionGlow({ events, isPageHidden, onVisibilityChange });
  const pressure = new VramPressureStore(events);
  const notifyError = (summary: string, detail: string) => notify({ severity: "error", summary, detail, life: 6000 });
  // The server's settings shown as ComfyUI settings: the sample interval, the profiler's recording and VRAM levels.
  const intervals = new ServerSettingsStore({
    getSettings: client.getMonitorSettings,
    updateSettings: client.updateMonitorSettings,
    fields: [{ id: INTERVAL_SETTING, key: "sample_interval_s", label: "Sample interval" }],
    readSetting,
    writeSetting,
    events,
    notifyError,
  });
  const profilerServer = new ServerSettingsStore({
    getSettings: client.getProfilerSettings,
    updateSettings: client.updateProfilerSettings,
    fields: [
      { id: PROFILER_ENABLED_SETTING, key: "enabled", label: "Recording" },
      { id: VRAM_WARNING_SETTING, key: "vram_warning_percent", label: "VRAM warning" },
      { id: VRAM_CRITICAL_SETTING, key: "vram_critical_percent", label: "VRAM critical" },
    ],
    lockedReason: (settings, key) => (key === "enabled" ? settings.enabled_locked_reason : null),
    readSetting,
    writeSetting,
    events,
    notifyError,
  });
  const levels = new GradientLevelsStore({ ids: LEVEL_SETTINGS, readSetting, writeSetting, notifyError });
  // The modal's Settings tab renders the same definitions, and writes through ComfyUI's settings where there are some.
  const panel = new SettingsPanelStore({
    read: readSetting,
    write: (id, value) => {
      if (!settingsAccess()) return false;
      writeSetting(id, value);
      return true;
    },
    lockedReason: (id) => profilerServer.lockedReason(id),
  });
  // The tiles' sparklines (the server's recent samples, then each event) and the GPU inspector.
  const sparklines = new MonitorHistoryStore({
    getHistory: client.getMonitorHistory,
    events,
    intervalS: () => intervals.server?.sample_interval_s ?? null,
    isPageHidden,
    onVisibilityChange,
    onError: logError,
  });
  const inspector = new GpuInspectorStore({ inspectGpu: client.inspectGpu, isPageHidden, onVisibilityChange });
  const restart = new RestartController({
    getSession: client.getSession,
    postRestart: client.postRestart,
    probeServer: serverIsUp,
    desktopRestart: desktopRestartApp,
    reload: () => reloadWithoutCache(),
    toast: notify,
    logError,
    logDebug,
    debugEnabled: () => readSetting(DEBUG_SETTING) === true,
    events,
  });
  const clearVram = new ClearVramController({ getSession: client.getSession, postClearVram: client.postClearVram, toast: notify, logError });

  const queued = new QueuedPrompts({
    nameRun: client.nameProfilerWorkflow,
    counted: (promptId, nodeCount) => profiler.promptQueued(promptId, nodeCount),
    logError,
  });
  const profiler = new ProfilerStore({
    getStats: client.getProfilerStats,
    getWorkflow: client.getProfilerWorkflow,
    events,
    nodeCountOf: (promptId) => queued.nodeCountOf(promptId),
    showLatestTab: () => ui.openModal("latest"),
    logError,
  });
  const clearHistory = new ClearHistoryController({
    getSession: client.getSession,
    clearHistory: client.clearProfilerHistory,
    cleared: () => void profiler.refresh(),
    toast: notify,
    logError,
  });
  // Baselines and regression flags (issue 15): a pin or a rule change reads the flags (and the popup's) again.
  const environments = new EnvironmentCache(client.getProfilerEnvironment);
  const regressions = new RegressionStore({ getRegressions: client.getProfilerRegressions, environments, events, logError });
  const flagsChanged = () => {
    regressions.changed();
    profiler.changed();
  };
  const baselines = new BaselineStore({
    listBaselines: client.listProfilerBaselines,
    getBaseline: client.getProfilerBaseline,
    setBaseline: client.setProfilerBaseline,
    clearBaseline: client.clearProfilerBaseline,
    getSession: client.getSession,
    pinsChanged: flagsChanged,
    events,
    logError,
  });
  // The modal's Previous, Analytics and Settings tabs.
  const history = new ProfilerHistoryStore({
    getHistory: client.getProfilerHistory,
    getWorkflowStats: client.getProfilerWorkflowStats,
    getWorkflow: client.getProfilerWorkflow,
    baselineOf: (hash) => baselines.of(hash),
    baselineRecord: (hash) => baselines.record(hash),
    environments,
    events,
    logError,
  });
  const analytics = new ProfilerAnalyticsStore({
    getNodeClasses: client.getProfilerNodeClasses,
    getWorkflowStats: client.getProfilerWorkflowStats,
    getSeries: client.getProfilerSeries,
    events,
    logError,
  });
  // Our own archive actions refresh every open view at once (the server's history event follows too).
  const historyChanged = (reason: HistoryChange) => {
    history.historyChanged(reason);
    if (reason !== "deleted") {
      analytics.changed();
      void profiler.refresh();
    }
  };
  const profilerSettings = new ProfilerSettingsStore({
    getSettings: client.getProfilerSettings,
    updateSettings: client.updateProfilerSettings,
    getSession: client.getSession,
    listArchives: client.listProfilerArchives,
    createArchive: client.createProfilerArchive,
    loadArchive: client.loadProfilerArchive,
    deleteArchive: client.deleteProfilerArchive,
    historyChanged,
    ruleChanged: flagsChanged,
    toast: notify,
    events,
    logError,
  });
  const exports = new ProfilerExportStore({
    getWorkflow: client.getProfilerWorkflow,
    latestRun: async () => (await client.getProfilerStats(1)).latest,
    download: downloadFile,
    logError,
    now: () => new Date(),
  });
  // The OOM tab, the unload shared by it and the toasts, and the toasts of OOMs and risky prompts.
  const oom = new OomStore({ getOomStats: client.getOomStats, listOomEvents: client.listOomEvents, events, logError });
  const unload = new UnloadController({ getSession: client.getSession, unloadModels: client.unloadModels, toast: notify, logError });
  const oomAlerts = new OomAlerts({ events, toasts, ui, unload });
  const profilerTabs: ProfilerTabStores = { history, analytics, settings: profilerSettings, exports, oom, unload, baselines, regressions, panel };

  const profilerViews: ProfilerViews = {
    profiler,
    ui,
    clearHistory,
    focusNode: (node) => focusNodeOnCanvas(node.node_id, node.parent_node_id),
    timelinePlot: uPlotTimeline,
    showRegression: (hash) => {
      regressions.focus(hash);
      ui.openModal("analytics");
    },
  };
  // The badges on the graph's nodes: the store decides what each says, host/nodeBadges.ts puts them
  // on the nodes (made when the first node is created, or at setup: the frontend's LiteGraph globals
  // exist by then; ComfyUI creates the first graph's nodes before it calls setup).
  let badgeHost: NodeBadgeHost | null = null;
  const nodeBadgeHost = () => (badgeHost ??= createNodeBadgeHost(comfyBadgeEnv()));
  const badges = new NodeBadgeStore({
    events,
    getWorkflow: client.getProfilerWorkflow,
    getLatest: async () => (await client.getProfilerStats(1)).latest,
    graphNodes: () => badgeHost?.graphNodes() ?? null,
    render: (view) => badgeHost?.apply(view),
    logError,
  });

  const commands: ComfyCommand[] = [
    { id: OPEN_PROFILER_COMMAND, label: "SwissArmyKnife: Open profiler", icon: "pi pi-chart-bar", function: () => ui.openModal("latest") },
    // The bar shows itself while the restart's confirmation is open, even hidden or collapsed; not under the modal.
    {
      id: RESTART_COMMAND,
      label: "SwissArmyKnife: Restart ComfyUI",
      icon: "pi pi-refresh",
      function: () => {
        ui.closeModal();
        return restart.request();
      },
    },
    { id: CLEAR_VRAM_COMMAND, label: "SwissArmyKnife: Clear VRAM", icon: "pi pi-eraser", function: () => clearVram.clear() },
  ];

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
      onChange: (value, oldValue) => intervals.onSettingChange(INTERVAL_SETTING, value, oldValue),
    } satisfies ComfySettingDefinition<number>,
    // Where the bar was dragged and whether it is collapsed: saved per user, not shown in the dialog.
    { id: POSITION_SETTING, name: "Resource monitor position", type: "hidden", defaultValue: null },
    { id: COLLAPSED_SETTING, name: "Resource monitor collapsed", type: "hidden", defaultValue: false },
    {
      id: PRESET_SETTING,
      name: "Tiles shown",
      type: "combo",
      defaultValue: "full",
      options: PRESET_OPTIONS,
      tooltip: "Saved in this browser, not your account: each browser keeps its own.",
      category: [CATEGORY, "Display", "Tiles shown"],
      onChange: (value, oldValue) => display.onSetting(PRESET_SETTING, value, oldValue),
    } satisfies ComfySettingDefinition<string>,
    {
      id: HIDDEN_TILES_SETTING,
      name: "Hidden tiles (Custom)",
      type: "text",
      defaultValue: "",
      tooltip: "For Custom: cpu, ram, cpu-temp, gpu, vram, gpu-temp on every GPU, vram-3 on GPU 3 only. A tile's menu adds to it. Saved in this browser.",
      category: [CATEGORY, "Display", "Hidden tiles"],
      onChange: (value, oldValue) => display.onSetting(HIDDEN_TILES_SETTING, value, oldValue),
    } satisfies ComfySettingDefinition<string>,
    {
      id: DOCK_SETTING,
      name: "Dock",
      type: "combo",
      defaultValue: "float",
      options: DOCK_OPTIONS,
      tooltip: "Top or bottom: a full-width strip, not dragged; double-click its grip to float. Saved in this browser.",
      category: [CATEGORY, "Display", "Dock"],
      onChange: (value, oldValue) => display.onSetting(DOCK_SETTING, value, oldValue),
    } satisfies ComfySettingDefinition<string>,
    {
      id: BADGE_MODE_SETTING,
      name: "Node badges",
      type: "combo",
      defaultValue: "on",
      options: [
        { text: "On", value: "on" },
        { text: "On hover", value: "hover" },
        { text: "Off", value: "off" },
      ],
      tooltip: "Each executed node's time and VRAM peak rise on the node itself, coloured by its share of the run. On hover: only on the node under the pointer.",
      category: [CATEGORY, BADGES, "Show"],
      onChange: (value) => badges.setMode(value),
    } satisfies ComfySettingDefinition<string>,
    {
      id: BADGE_TIME_SETTING,
      name: "Node badges: time",
      type: "boolean",
      defaultValue: true,
      category: [CATEGORY, BADGES, "Time"],
      onChange: (value) => badges.setFigures({ time: value !== false }),
    } satisfies ComfySettingDefinition<boolean>,
    {
      id: BADGE_VRAM_SETTING,
      name: "Node badges: VRAM peak rise",
      type: "boolean",
      defaultValue: true,
      tooltip: "The node's VRAM peak above what was in use when it started, where a GPU reports it.",
      category: [CATEGORY, BADGES, "VRAM"],
      onChange: (value) => badges.setFigures({ vram: value !== false }),
    } satisfies ComfySettingDefinition<boolean>,
    {
      id: BADGE_OPACITY_SETTING,
      name: "Node badges: opacity",
      type: "slider",
      defaultValue: 0.9,
      attrs: { min: 0.2, max: 1, step: 0.05 },
      category: [CATEGORY, BADGES, "Opacity"],
      onChange: (value) => badges.setOpacity(value),
    } satisfies ComfySettingDefinition<number>,
    {
      id: SPARKLINES_SETTING,
      name: "Sparklines in the tiles",
      type: "boolean",
      defaultValue: true,
      category: [CATEGORY, "Sparklines", "Show"],
      onChange: (value) => sparklines.setEnabled(value),
    } satisfies ComfySettingDefinition<boolean>,
    {
      id: SPARKLINE_MINUTES_SETTING,
      name: "Sparklines: minutes shown",
      type: "slider",
      defaultValue: SPARKLINE_MINUTES.defaultValue,
      attrs: { min: SPARKLINE_MINUTES.min, max: SPARKLINE_MINUTES.max, step: 1 },
      category: [CATEGORY, "Sparklines", "Minutes"],
      onChange: (value) => sparklines.setWindowMinutes(value),
    } satisfies ComfySettingDefinition<number>,
    ...(["warm", "hot", "critical"] as const).map(
      (level, i) =>
        ({
          id: LEVEL_SETTINGS[level],
          name: `Tiles turn ${["yellow", "orange", "red"][i]} at (%)`,
          type: "number",
          defaultValue: DEFAULT_LEVEL_THRESHOLDS[level],
          tooltip: i ? undefined : "A tile's colour by how full it is (°C for temperatures); each above the one before.",
          attrs: { min: 1, max: 100, step: 1 },
          category: [CATEGORY, SECTION, level],
          onChange: (value, oldValue) => levels.onSettingChange(level, value, oldValue),
        }) satisfies ComfySettingDefinition<number>,
    ),
    {
      id: PROFILER_ENABLED_SETTING,
      name: "Record every workflow",
      type: "boolean",
      defaultValue: true,
      tooltip: "Saved on the server; SWISSARMYKNIFE_PROFILER=0 there holds it off.",
      category: [CATEGORY, PROFILER, "Record"],
      onChange: (value, oldValue) => profilerServer.onSettingChange(PROFILER_ENABLED_SETTING, value, oldValue),
    } satisfies ComfySettingDefinition<boolean>,
    ...(
      [
        [VRAM_WARNING_SETTING, "warning", DEFAULT_VRAM_THRESHOLDS.warningPercent],
        [VRAM_CRITICAL_SETTING, "critical", DEFAULT_VRAM_THRESHOLDS.criticalPercent],
      ] as const
    ).map(
      ([id, level, defaultValue]) =>
        ({
          id,
          name: `VRAM ${level} before a node (%)`,
          type: "number",
          defaultValue,
          tooltip: level === "warning" ? "In use before a node. Saved on the server; warning below critical." : undefined,
          attrs: { min: 1, max: 100, step: 0.5 },
          category: [CATEGORY, PROFILER, level],
          onChange: (value, oldValue) => profilerServer.onSettingChange(id, value, oldValue),
        }) satisfies ComfySettingDefinition<number>,
    ),
    {
      id: TOASTS_SETTING,
      name: "Toasts",
      type: "combo",
      defaultValue: "all",
      options: [
        { text: "All", value: "all" },
        { text: "Errors only", value: "errors" },
        { text: "None", value: "none" },
      ],
      tooltip: "Errors only: failures and refusals, no warnings.",
      category: [CATEGORY, "Notifications", "Toasts"],
    } satisfies ComfySettingDefinition<string>,
    {
      id: ACTIONS_GUARD_SETTING,
      name: "Restart and Clear VRAM",
      // Read-only: ComfyUI's custom renderer (a function type), the server's answer when it is shown.
      type: () => {
        const text = document.createElement("span");
        text.textContent = "--";
        client.getSession().then((session) => (text.textContent = guardText(session)), logError);
        return text;
      },
      defaultValue: null,
      tooltip: "Refused where ComfyUI listens beyond this machine, unless SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS=1.",
      category: [CATEGORY, "Server actions", "Allowed"],
    } satisfies ComfySettingDefinition<null>,
    {
      id: DEBUG_SETTING,
      name: "Debug logging",
      type: "boolean",
      defaultValue: false,
      tooltip: "Log the restart flow (setup, start, end, every 5th server probe) to the browser console.",
      category: [CATEGORY, "Debug", "Debug mode"],
    } satisfies ComfySettingDefinition<boolean>,
  ] as ComfySettingDefinition[];
  const registered = panel.register(settings);

  return {
    name: EXTENSION_NAME,
    // ComfyUI's dialog orders a section's settings, and its sections, by sortOrder (highest first),
    // else not as declared (1.27 to 1.58): this keeps the order above.
    settings: registered.map((definition, i) => ({ ...definition, sortOrder: registered.length - i })),
    commands,
    keybindings: [OPEN_PROFILER_KEYBINDING],
    // Another workflow on screen: our badges follow it (its newest run's, or none).
    afterConfigureGraph: () => badges.graphChanged(),
    // Each node gets ours as it is created, where the Vue-nodes renderer needs it there before it renders.
    nodeCreated: (node) => nodeBadgeHost().nodeCreated(node),
    async setup() {
      // Once, before anything mounts: every component's colours, spacing and focus ring come from it.
      injectStyle(TOKENS_STYLE_ID, tokens);
      injectStyle(UPLOT_STYLE_ID, uplotCss);
      layout.load();
      ui.load();
      display.load();
      // ComfyUI's menus, measured now and followed: the bar places itself clear of them.
      watchChrome((chrome) => layout.setChrome(chrome));
      glow.start();
      pressure.start();
      restart.start();
      profiler.start();
      // Only the prompt's id, node count and tab name are read; what ComfyUI sends is untouched.
      onPromptQueued((prompt) => queued.queued(prompt));
      mount(ResourceMonitor, {
        target: document.body,
        props: { store: monitor, layout, glow, ui, pressure, levels, display, copyText: copy, inspectGpu: (index: number) => inspector.open(index) },
        context: new Map<symbol, unknown>([...hudActionsContext({ restart, clearVram }), ...profilerContext(profilerViews), ...sparklineContext(sparklines)]),
      });
      void sparklines.start();
      for (const store of [history, analytics, profilerSettings, oom, baselines, regressions]) store.start();
      oomAlerts.start();
      mount(ProfilerLayer, {
        target: document.body,
        context: new Map<symbol, unknown>([...profilerContext(profilerViews), ...profilerTabsContext(profilerTabs)]),
      });
      mount(OomLayer, { target: document.body, props: { toasts, unload, ui } });
      mount(GpuInspector, { target: document.body, props: { inspector } });
      registerProfilerSidebar(profilerViews);
      nodeBadgeHost();
      badges.graphChanged();
      void badges.start();
      await Promise.all([monitor.start(), intervals.start(), profilerServer.start()]);
    },
  };
}

/** A sidebar tab with the profiler's summary, where this frontend has sidebar tabs (none, no error, where not). */
function registerProfilerSidebar(views: ProfilerViews): void {
  let shown: ReturnType<typeof mount> | null = null;
  const close = () => {
    if (shown) void unmount(shown);
    shown = null;
  };
  registerSidebarTab({
    id: PROFILER_SIDEBAR_TAB,
    title: "Profiler",
    icon: "pi pi-chart-bar",
    tooltip: "SwissArmyKnife profiler",
    type: "custom",
    // ComfyUI renders the tab each time it is shown and destroys it when it is closed.
    render: (container) => {
      close();
      shown = mount(ProfilerSidebar, { target: container, context: profilerContext(views) });
    },
    destroy: close,
  });
}
