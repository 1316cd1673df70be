// The OOM diagnosis's stores built over in-memory fakes of our seams (the OOM routes, the toasts, the
// UI mode), one builder per store, each returning the store, its fakes and its spied dependencies.
import { vi } from "vitest";

import { OomStore, type OomDeps } from "../stores/oom.svelte";
import { OomAlerts } from "../stores/oomAlerts";
import { ToastStore } from "../stores/toasts.svelte";
import { UnloadController, type UnloadDeps } from "../stores/unload.svelte";
import { VramPressureStore } from "../stores/vramPressure.svelte";
import { FakeEvents } from "./hud";
import { FakeOomServer } from "./oom";
import { ManualTimers } from "./profiler";

export { FakeOomServer };

export function oomStore(server = new FakeOomServer(), events = new FakeEvents(), overrides: Partial<OomDeps> = {}) {
  const deps = {
    getOomStats: server.getOomStats,
    listOomEvents: server.listOomEvents,
    logError: vi.fn<OomDeps["logError"]>(),
  };
  const store = new OomStore({ ...deps, ...overrides, events: events.host });
  store.start();
  return { store, server, events, deps };
}

export function unloadController(server = new FakeOomServer(), overrides: Partial<UnloadDeps> = {}) {
  const deps = {
    getSession: server.getSession,
    unloadModels: server.unloadModels,
    toast: vi.fn<UnloadDeps["toast"]>(),
    logError: vi.fn<UnloadDeps["logError"]>(),
    ...overrides,
  };
  return { controller: new UnloadController(deps), server, deps };
}

/** Our toasts over manual timers; `allows` is the verbosity's rule (all, by default). */
export function toastStore(allows?: ConstructorParameters<typeof ToastStore>[1]) {
  const timers = new ManualTimers();
  return { toasts: new ToastStore({ set: timers.set, clear: timers.clear }, allows), timers };
}

/** Started alerts over real toasts (manual timers), a spied UI mode and unload. */
export function oomAlerts(events = new FakeEvents(), allows?: ConstructorParameters<typeof ToastStore>[1]) {
  const { toasts, timers } = toastStore(allows);
  const ui = { openModal: vi.fn(), selectTab: vi.fn() };
  const unload = { ask: vi.fn() };
  const alerts = new OomAlerts({ events: events.host, toasts, ui, unload });
  alerts.start();
  return { alerts, toasts, timers, ui, unload, events };
}

export function vramPressureStore(events = new FakeEvents()) {
  const store = new VramPressureStore(events.host);
  store.start();
  return { store, events };
}
