// The plugin's UI mode (bar hidden, collapsed, shown, popup, modal on a tab) as one rune, changed
// only through lib/uiMode.ts's transitions; saves the collapsed flag when a user action changes it.
import type { Preferences } from "../lib/persistence";
import { COLLAPSED_SETTING } from "../lib/settingIds";
import * as ui from "../lib/uiMode";
import type { ModalTab, UiMode } from "../lib/uiMode";

export class UiModeStore {
  // Raw: every transition returns a new value, nothing is mutated in place.
  mode = $state.raw<UiMode>({ kind: "bar" });
  /** Whether the bar is on the page (ComfyUI's `…monitor.visible` setting, which ComfyUI saves). */
  readonly visible = $derived(ui.isVisible(this.mode));
  readonly collapsed = $derived(ui.isCollapsed(this.mode));

  #prefs: Preferences;

  constructor(prefs: Preferences) {
    this.#prefs = prefs;
  }

  /** Reads the saved collapsed flag (call once the host's settings are loaded); saves nothing. */
  load(): void {
    this.mode = ui.setCollapsed(this.mode, ui.parseCollapsed(this.#prefs.read(COLLAPSED_SETTING)));
  }

  /** The "show the bar" setting changed (ComfyUI has saved it already). */
  setVisible(visible: boolean): void {
    this.mode = ui.setVisible(this.mode, visible);
  }

  setCollapsed(collapsed: boolean): void {
    this.#apply(ui.setCollapsed(this.mode, collapsed));
  }

  toggleCollapsed(): void {
    this.#apply(ui.toggleCollapsed(this.mode));
  }

  openPopup(): void {
    this.#apply(ui.openPopup(this.mode));
  }

  closePopup(): void {
    this.#apply(ui.closePopup(this.mode));
  }

  togglePopup(): void {
    this.#apply(ui.togglePopup(this.mode));
  }

  openModal(tab: ModalTab): void {
    this.#apply(ui.openModal(this.mode, tab));
  }

  selectTab(tab: ModalTab): void {
    this.#apply(ui.selectTab(this.mode, tab));
  }

  closeModal(): void {
    this.#apply(ui.closeModal(this.mode));
  }

  /** Escape: closes the innermost open thing. Returns whether it closed something (the key is then ours). */
  escape(): boolean {
    const before = this.mode;
    this.#apply(ui.escape(before));
    return this.mode !== before;
  }

  #apply(next: UiMode): void {
    const wasCollapsed = ui.isCollapsed(this.mode);
    this.mode = next;
    const collapsed = ui.isCollapsed(next);
    if (collapsed !== wasCollapsed) this.#prefs.write(COLLAPSED_SETTING, collapsed);
  }
}
