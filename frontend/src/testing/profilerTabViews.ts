// The tabs as the modal shell renders them: their stores over one fake server and event
// bus, the props the shell hands every tab (the profiler store's open(), spied), and their context.
import { vi } from "vitest";

import { profilerTabsContext } from "../components/profiler/tabsContext";
import type { ProfilerStore } from "../stores/profiler.svelte";
import type { UiModeStore } from "../stores/uiMode.svelte";
import { FakeEvents } from "./hud";
import { FakeOomServer, oomStore, unloadController } from "./oomStores";
import { settingsPanel } from "./settings";
import { baselineStore, FakeProfilerServer, profilerAnalyticsStore, profilerExportStore, profilerHistoryStore, profilerSettingsStore, regressionStore } from "./profilerTabs";

/** The tabs' stores over one server and one event bus, as the root builds them, with their context. */
export function profilerTabStores(server = new FakeProfilerServer(), events = new FakeEvents(), oomServer = new FakeOomServer()) {
  const baselines = baselineStore(server, events);
  const regressions = regressionStore(server, events);
  const history = profilerHistoryStore(server, events, { baselineOf: (hash) => baselines.store.of(hash) });
  const analytics = profilerAnalyticsStore(server, events);
  const settings = profilerSettingsStore(server, events);
  const exports = profilerExportStore(server);
  const oom = oomStore(oomServer, events);
  const unload = unloadController(oomServer);
  const panel = settingsPanel();
  const stores = {
    history: history.store,
    analytics: analytics.store,
    settings: settings.store,
    exports: exports.store,
    oom: oom.store,
    unload: unload.controller,
    baselines: baselines.store,
    regressions: regressions.store,
    panel: panel.panel,
  };
  // What the shell hands every tab: Previous opens runs in Latest through the profiler store.
  const profiler = { open: vi.fn(async (_promptId: string) => {}) };
  const ui = {};
  return {
    ...stores,
    server,
    oomServer,
    events,
    panel,
    deps: { history: history.deps, analytics: analytics.deps, settings: settings.deps, exports: exports.deps, oom: oom.deps, unload: unload.deps, baselines: baselines.deps, regressions: regressions.deps },
    profiler,
    props: { profiler: profiler as unknown as ProfilerStore, ui: ui as unknown as UiModeStore },
    context: profilerTabsContext(stores),
  };
}
