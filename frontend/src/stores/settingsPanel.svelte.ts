// The extension's settings as the modal's Settings tab renders them: the same definitions ComfyUI's
// dialog shows, each value as the last onChange said it, and changes written through ComfyUI's
// settings (which call the definition's onChange, as a change in its dialog does).
import { settingSections, type SettingDefinition, type SettingSection } from "../lib/settings";

export interface SettingsPanelDeps {
  /** The setting's value as the frontend holds it (undefined without a settings API). */
  read(id: string): unknown;
  /** Write it through ComfyUI's settings, which call its onChange; false where the frontend has no settings API. */
  write(id: string, value: unknown): boolean;
  /** Why a change of this setting is refused now (a server's lock), or null. */
  lockedReason(id: string): string | null;
}

export class SettingsPanelStore {
  definitions: readonly SettingDefinition[] = [];
  sections: SettingSection[] = [];

  #values = $state<Record<string, unknown>>({});
  #deps: SettingsPanelDeps;

  constructor(deps: SettingsPanelDeps) {
    this.#deps = deps;
  }

  /** The definitions to give ComfyUI, each onChange first telling this store the new value. */
  register<D extends SettingDefinition>(definitions: readonly D[]): D[] {
    const wrapped = definitions.map((definition) => ({
      ...definition,
      onChange: (value: unknown, oldValue?: unknown): void => {
        this.#values[definition.id] = value;
        definition.onChange?.(value, oldValue);
      },
    }));
    this.definitions = wrapped;
    this.sections = settingSections(wrapped);
    return wrapped;
  }

  value(id: string): unknown {
    if (id in this.#values) return this.#values[id];
    return this.#deps.read(id) ?? this.definitions.find((d) => d.id === id)?.defaultValue;
  }

  lockedReason(id: string): string | null {
    return this.#deps.lockedReason(id);
  }

  /** A change made in the modal: through ComfyUI's settings where it has them, else the onChange directly. */
  set(id: string, value: unknown): void {
    if (Object.is(value, this.value(id)) || this.#deps.write(id, value)) return;
    const old = this.value(id);
    this.definitions.find((d) => d.id === id)?.onChange?.(value, old);
  }
}
