// Which tiles the bar shows and where it docks, chosen per browser: saved in this browser's storage
// (an 8-GPU desktop and a laptop of the same user each keep their own), while ComfyUI's settings
// dialog shows the choice and changes it.
import type { Preferences } from "../lib/persistence";
import { hiddenBy, parseDock, parseHidden, parsePreset, type Dock, type Preset } from "../lib/presets";
import { DOCK_SETTING, HIDDEN_TILES_SETTING, PRESET_SETTING } from "../lib/settingIds";

export interface HudDisplayDeps {
  /** This browser's storage (localStorage), never the user's ComfyUI settings. */
  local: Preferences;
  /** ComfyUI's setting as its dialog shows it (undefined without a settings API). */
  readSetting(id: string): unknown;
  /** Show a value in ComfyUI's dialog (its onChange comes back here). */
  writeSetting(id: string, value: unknown): void;
}

export interface DisplayChoice {
  preset: Preset;
  /** Custom's hidden tiles (kinds or tile ids, lib/presets.ts), kept while another preset is chosen. */
  hidden: readonly string[];
  dock: Dock;
}

/** Each setting, the part of the choice it holds, and how its value is read (a value it cannot read: the default). */
const FIELDS = [
  [PRESET_SETTING, (value: unknown): Partial<DisplayChoice> => ({ preset: parsePreset(value) ?? "full" })],
  [HIDDEN_TILES_SETTING, (value: unknown): Partial<DisplayChoice> => ({ hidden: parseHidden(value) })],
  [DOCK_SETTING, (value: unknown): Partial<DisplayChoice> => ({ dock: parseDock(value) ?? "float" })],
] as const;

export class HudDisplay {
  // Raw: every change makes a new choice.
  choice = $state.raw<DisplayChoice>({ preset: "full", hidden: [], dock: "float" });

  #deps: HudDisplayDeps;

  constructor(deps: HudDisplayDeps) {
    this.#deps = deps;
  }

  get preset(): Preset {
    return this.choice.preset;
  }

  get hidden(): readonly string[] {
    return this.choice.hidden;
  }

  get dock(): Dock {
    return this.choice.dock;
  }

  /** This browser's saved choice (else the defaults) wins over the dialog's value, and is shown there. */
  load(): void {
    this.choice = Object.assign({}, ...FIELDS.map(([id, read]) => read(this.#deps.local.read(id)))) as DisplayChoice;
    this.#mirror();
  }

  /**
   * A setting's onChange. Its first call (at registration, no old value) is the dialog's stored
   * value, which this browser's own choice overrides; later calls are the user's change in the
   * dialog (or our mirror coming back, which changes nothing): applied and saved for this browser.
   */
  onSetting(id: string, value: unknown, oldValue: unknown): void {
    const field = FIELDS.find(([fieldId]) => fieldId === id);
    if (field && oldValue !== undefined) this.#set(field[1](value));
  }

  setDock(dock: Dock): void {
    this.#set({ dock }, true);
  }

  /** "Hide this tile": Custom, hiding what is hidden now and this tile. */
  hide(tileId: string): void {
    const hidden = hiddenBy(this.preset, this.hidden);
    this.#set({ preset: "custom", hidden: hidden.includes(tileId) ? hidden : [...hidden, tileId] }, true);
  }

  /** "Show all tiles": Custom's list emptied. */
  showAll(): void {
    this.#set({ hidden: [] }, true);
  }

  #set(change: Partial<DisplayChoice>, mirror = false): void {
    const before = this.#values();
    this.choice = { ...this.choice, ...change };
    this.#values().forEach((value, i) => value !== before[i] && this.#deps.local.write(FIELDS[i]![0], value));
    if (mirror) this.#mirror();
  }

  /** The settings' values, in FIELDS' order: the hidden tiles as the dialog's text. */
  #values(): string[] {
    return [this.preset, this.hidden.join(", "), this.dock];
  }

  // Writes only what differs: the dialog's text field is never rewritten under a typing user.
  #mirror(): void {
    this.#values().forEach((value, i) => {
      const id = FIELDS[i]![0];
      if (this.#deps.readSetting(id) !== value) this.#deps.writeSetting(id, value);
    });
  }
}
