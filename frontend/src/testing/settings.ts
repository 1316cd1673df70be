// The extension's settings as ComfyUI holds them, for store and component tests: a settings panel
// over an in-memory settings API that calls a definition's onChange on every change (old value
// first, as ComfyUI 1.27 and 1.45 do), and a definition of every type the renderers know.
import { vi } from "vitest";

import type { CustomSetting, SettingDefinition } from "../lib/settings";
import { SettingsPanelStore } from "../stores/settingsPanel.svelte";

/** One definition of each type, their onChange spied. */
export function sampleDefinitions() {
  const guard: CustomSetting = () => {
    const text = document.createElement("span");
    text.textContent = "Allowed on this server.";
    return text;
  };
  return [
    { id: "t.visible", name: "Show the bar", type: "boolean", defaultValue: true, category: ["SwissArmyKnife", "Resource monitor", "Visible"], onChange: vi.fn() },
    {
      id: "t.interval",
      name: "Sample interval (seconds)",
      type: "slider",
      defaultValue: 2,
      tooltip: "Saved on the server.",
      attrs: { min: 0.5, max: 10, step: 0.5 },
      category: ["SwissArmyKnife", "Resource monitor", "Interval"],
      onChange: vi.fn(),
    },
    { id: "t.position", name: "Position", type: "hidden", defaultValue: null },
    {
      id: "t.mode",
      name: "Node badges",
      type: "combo",
      defaultValue: "on",
      options: [
        { text: "On", value: "on" },
        { text: "Off", value: "off" },
      ],
      category: ["SwissArmyKnife", "Node badges", "Show"],
      onChange: vi.fn(),
    },
    { id: "t.record", name: "Record every workflow", type: "boolean", defaultValue: true, category: ["SwissArmyKnife", "Profiler", "Record"], onChange: vi.fn() },
    { id: "t.label", name: "Label", type: "text", defaultValue: "", category: ["SwissArmyKnife", "Profiler", "Label"], onChange: vi.fn() },
    { id: "t.guard", name: "Restart and Clear VRAM", type: guard, defaultValue: null, category: ["SwissArmyKnife", "Server actions", "Allowed"] },
  ] satisfies SettingDefinition[];
}

/** A panel over an in-memory settings API; `locked` says why a setting is refused (or null). */
export function settingsPanel(definitions: SettingDefinition[] = sampleDefinitions(), locked: (id: string) => string | null = () => null) {
  const values = new Map<string, unknown>();
  let registered: SettingDefinition[] = [];
  const write = vi.fn((id: string, value: unknown) => {
    const definition = registered.find((d) => d.id === id);
    const old = values.has(id) ? values.get(id) : definition?.defaultValue;
    if (Object.is(old, value)) return true;
    definition?.onChange?.(value, old);
    values.set(id, value);
    return true;
  });
  const panel = new SettingsPanelStore({ read: (id) => values.get(id), write, lockedReason: locked });
  registered = panel.register(definitions);
  // ComfyUI calls each onChange once at registration, without an old value.
  for (const definition of registered) definition.onChange?.(values.get(definition.id) ?? definition.defaultValue, undefined);
  return { panel, definitions, registered, values, write };
}
