// Builds the bar's stores with in-memory fakes, for component and store tests.
import type { MonitorStatus } from "../api/client";
import { createPreferences, type KeyValueStorage } from "../lib/persistence";
import { ExecutionGlow } from "../stores/executionGlow.svelte";
import { HudLayout } from "../stores/hudLayout.svelte";
import { MonitorStore } from "../stores/monitor.svelte";

export class MemoryStorage implements KeyValueStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

/** An event bus standing in for ComfyUI's api: `emit` dispatches like a websocket frame would. */
export class FakeEvents {
  listeners = new Map<string, Set<(detail: unknown) => void>>();
  onEvent = <T,>(type: string, listener: (detail: T) => void): (() => void) => {
    const set = this.listeners.get(type) ?? new Set();
    const wrapped = listener as (detail: unknown) => void;
    set.add(wrapped);
    this.listeners.set(type, set);
    return () => set.delete(wrapped);
  };
  emit(type: string, detail?: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(detail);
  }
  count(): number {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

export function hudStores(load: () => Promise<MonitorStatus>, storage = new MemoryStorage()) {
  const events = new FakeEvents();
  let hidden = false;
  const visibility = new Set<() => void>();
  const store = new MonitorStore({ getStatus: load, onEvent: events.onEvent, onError: () => {} });
  const layout = new HudLayout(createPreferences(() => null, storage), { width: 1280, height: 720 });
  const glow = new ExecutionGlow({
    onEvent: events.onEvent,
    isPageHidden: () => hidden,
    onVisibilityChange: (listener) => {
      visibility.add(listener);
      return () => visibility.delete(listener);
    },
  });
  const setPageHidden = (value: boolean) => {
    hidden = value;
    for (const listener of visibility) listener();
  };
  return { store, layout, glow, events, storage, setPageHidden };
}
