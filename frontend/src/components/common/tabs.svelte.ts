// Tabs' behaviour (WAI-ARIA tabs pattern): one tab selected, a roving tabindex (only one tab in the
// page's Tab order), arrow keys move between tabs (wrapping, skipping disabled ones), Home and End
// go to the first and last. With automatic activation the tab that gets focus is selected.
import type { Box } from "./box";

export interface TabItem {
  id: string;
  label: string;
  disabled?: boolean;
}

export type TabsOrientation = "horizontal" | "vertical";
export type TabsActivation = "automatic" | "manual";

export interface TabsOptions {
  items: () => readonly TabItem[];
  selected: Box<string | undefined>;
  orientation?: () => TabsOrientation;
  activation?: () => TabsActivation;
}

const KEYS: Record<TabsOrientation, { previous: string; next: string }> = {
  horizontal: { previous: "ArrowLeft", next: "ArrowRight" },
  vertical: { previous: "ArrowUp", next: "ArrowDown" },
};

export class TabsState {
  #options: TabsOptions;
  /** The tab that holds the roving tabindex; follows the selection until arrow keys move it (manual activation). */
  #focused = $state<string | null>(null);

  constructor(options: TabsOptions) {
    this.#options = options;
  }

  get items(): readonly TabItem[] {
    return this.#options.items();
  }

  get orientation(): TabsOrientation {
    return this.#options.orientation?.() ?? "horizontal";
  }

  /** The selected tab's id: the one asked for when it exists and is enabled, else the first enabled tab. */
  readonly selected = $derived.by((): string | null => {
    const wanted = this.#options.selected.get();
    const enabled = this.items.filter((tab) => !tab.disabled);
    return (enabled.find((tab) => tab.id === wanted) ?? enabled[0])?.id ?? null;
  });

  isSelected(id: string): boolean {
    return this.selected === id;
  }

  /** 0 for the one tab Tab reaches, -1 for the others. */
  tabIndex(id: string): 0 | -1 {
    const focused = this.items.some((tab) => tab.id === this.#focused && !tab.disabled) ? this.#focused : this.selected;
    return id === focused ? 0 : -1;
  }

  select(id: string): void {
    const tab = this.items.find((t) => t.id === id);
    if (!tab || tab.disabled) return;
    this.#focused = id;
    if (this.#options.selected.get() !== id) this.#options.selected.set(id);
  }

  /**
   * A key on tab `from`: the id of the tab to focus (and, with automatic activation, select), or
   * null when the key is not one of the tabs' keys. Enter and Space select the focused tab.
   */
  keydown(key: string, from: string): string | null {
    const enabled = this.items.filter((tab) => !tab.disabled);
    if (enabled.length === 0) return null;
    if (key === "Enter" || key === " ") {
      this.select(from);
      return from;
    }
    const at = enabled.findIndex((tab) => tab.id === from);
    const { previous, next } = KEYS[this.orientation];
    let target: TabItem | undefined;
    if (key === next) target = enabled[(at + 1) % enabled.length];
    else if (key === previous) target = enabled[(at - 1 + enabled.length) % enabled.length];
    else if (key === "Home") target = enabled[0];
    else if (key === "End") target = enabled.at(-1);
    if (!target) return null;
    this.#focused = target.id;
    if ((this.#options.activation?.() ?? "automatic") === "automatic") this.select(target.id);
    return target.id;
  }
}
