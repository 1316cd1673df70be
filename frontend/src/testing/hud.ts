// The HUD's stores built over in-memory fakes of our seams, for store and component tests: one fake
// per seam, one builder per store (named after the store), each returning the store and its fakes.
import { vi } from "vitest";

import type { MonitorStatus } from "../api/types";
import { createHostEvents } from "../host/events";
import type { HostEvents, Unsubscribe } from "../lib/events";
import { createPreferences, type KeyValueStorage } from "../lib/persistence";
import { ClearVramController, type ClearVramDeps } from "../stores/clearVram.svelte";
import { ExecutionGlow } from "../stores/executionGlow.svelte";
import { HudLayout } from "../stores/hudLayout.svelte";
import { MonitorStore } from "../stores/monitor.svelte";
import { RestartController, type RestartDeps } from "../stores/restart.svelte";
import { UiModeStore } from "../stores/uiMode.svelte";
import { clearVramResult, restartAccepted, session } from "./fixtures";

export class MemoryStorage implements KeyValueStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

/**
 * ComfyUI's api events as host/comfy.ts's onApiEvent hands them out: `emit` dispatches a detail as a
 * websocket frame would, and `host` reads them with the real host/events.ts, as the extension does.
 */
export class FakeEvents {
  listeners = new Map<string, Set<(detail: unknown) => void>>();
  readonly host: HostEvents = createHostEvents((type, listener) => this.onEvent(type, listener));

  onEvent(type: string, listener: (detail: unknown) => void): Unsubscribe {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener);
    this.listeners.set(type, set);
    return () => set.delete(listener);
  }
  emit(type: string, detail?: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(detail);
  }
  count(): number {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** document.visibilityState and its visibilitychange event. */
export class FakePage {
  hidden: boolean;
  listeners = new Set<() => void>();
  constructor(hidden = false) {
    this.hidden = hidden;
  }
  isPageHidden = (): boolean => this.hidden;
  onVisibilityChange = (listener: () => void): Unsubscribe => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  setHidden(value: boolean): void {
    this.hidden = value;
    for (const listener of this.listeners) listener();
  }
}

export function glowStore(events = new FakeEvents(), page = new FakePage()) {
  const glow = new ExecutionGlow({ events: events.host, isPageHidden: page.isPageHidden, onVisibilityChange: page.onVisibilityChange });
  return { glow, events, page };
}

export function monitorStore(getStatus: () => Promise<MonitorStatus>, events = new FakeEvents()) {
  const deps = { getStatus: vi.fn(getStatus), events: events.host, onError: vi.fn() };
  return { store: new MonitorStore(deps), deps, events };
}

/** The bar's stores as ResourceMonitor.svelte gets them, sharing one event bus and one page. */
export function hudStores(load: () => Promise<MonitorStatus>, storage = new MemoryStorage()) {
  const { store, events } = monitorStore(load);
  const { glow, page } = glowStore(events);
  const prefs = createPreferences(() => null, storage);
  const layout = new HudLayout(prefs, { width: 1280, height: 720 });
  const ui = new UiModeStore(prefs);
  return { store, layout, glow, ui, events, storage, setPageHidden: (value: boolean) => page.setHidden(value) };
}

/** A started RestartController whose server answers at once (override any dependency). */
export function restartStore(overrides: Partial<RestartDeps> = {}, events = new FakeEvents()) {
  const deps = {
    getSession: vi.fn<RestartDeps["getSession"]>(async () => session()),
    postRestart: vi.fn<RestartDeps["postRestart"]>(async () => restartAccepted()),
    probeServer: vi.fn<RestartDeps["probeServer"]>(async () => true),
    desktopRestart: vi.fn<RestartDeps["desktopRestart"]>(() => null),
    reload: vi.fn<RestartDeps["reload"]>(),
    toast: vi.fn<RestartDeps["toast"]>(),
    logError: vi.fn<RestartDeps["logError"]>(),
    logDebug: vi.fn<RestartDeps["logDebug"]>(),
    debugEnabled: vi.fn<RestartDeps["debugEnabled"]>(() => false),
  };
  const controller = new RestartController({ ...deps, events: events.host, ...overrides });
  controller.start();
  const toasts = () => deps.toast.mock.calls.map(([t]) => `${t.severity}: ${t.summary}`);
  return { controller, deps, events, toasts };
}

/** A ClearVramController whose server frees what fixtures' clearVramResult() says (override any dependency). */
export function clearVramStore(overrides: Partial<ClearVramDeps> = {}) {
  const deps = {
    getSession: vi.fn<ClearVramDeps["getSession"]>(async () => session()),
    postClearVram: vi.fn<ClearVramDeps["postClearVram"]>(async () => clearVramResult()),
    toast: vi.fn<ClearVramDeps["toast"]>(),
    logError: vi.fn<ClearVramDeps["logError"]>(),
    ...overrides,
  };
  return { controller: new ClearVramController(deps), deps };
}
