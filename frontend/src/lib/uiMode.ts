// What of the plugin's UI is showing, as one value: the bar hidden, collapsed or shown, its popup
// open, or the modal open on a tab. Changed only by the pure transitions below, so no combination
// of flags can say two things at once (a popup over a collapsed bar, a modal without a tab).

export const MODAL_TABS = ["latest", "previous", "analytics", "oom", "settings"] as const;
export type ModalTab = (typeof MODAL_TABS)[number];

/**
 * The bar alone, with nothing open over it. Hidden remembers whether the bar was collapsed: the two
 * are separate saved settings (`SwissArmyKnife.monitor.visible`, `…collapsed`), and showing the bar
 * again brings it back the way it was.
 */
export type BarMode = { kind: "hidden"; collapsed: boolean } | { kind: "collapsed" } | { kind: "bar" };

/**
 * The popup hangs from the expanded bar, so it exists only over `bar`. The modal covers the page
 * and can open whatever the bar is doing (from a ComfyUI command while the bar is hidden, say):
 * `under` is what is back when it closes.
 */
export type UiMode = BarMode | { kind: "popup" } | { kind: "modal"; tab: ModalTab; under: BarMode };

/** The mode the saved settings describe (at load, nothing is open). */
export function fromSettings(visible: boolean, collapsed: boolean): BarMode {
  if (!visible) return { kind: "hidden", collapsed };
  return collapsed ? { kind: "collapsed" } : { kind: "bar" };
}

/** Reads a saved collapsed flag back: only `true` (or "true") collapses. */
export function parseCollapsed(value: unknown): boolean {
  return value === true || value === "true";
}

/** The bar beneath whatever is open: a popup sits on the expanded bar, a modal on what it remembers. */
export function barMode(mode: UiMode): BarMode {
  switch (mode.kind) {
    case "popup":
      return { kind: "bar" };
    case "modal":
      return mode.under;
    default:
      return mode;
  }
}

/** Whether the bar is on the page (the `…visible` setting). */
export function isVisible(mode: UiMode): boolean {
  return barMode(mode).kind !== "hidden";
}

/** Whether the bar is (or comes back) collapsed (the `…collapsed` setting). */
export function isCollapsed(mode: UiMode): boolean {
  const bar = barMode(mode);
  return bar.kind === "collapsed" || (bar.kind === "hidden" && bar.collapsed);
}

/** Applies a change of the bar to a mode: over a modal it changes what the modal returns to. */
function withBar(mode: UiMode, change: (bar: BarMode) => BarMode): UiMode {
  if (mode.kind === "modal") return { ...mode, under: change(mode.under) };
  const next = change(barMode(mode));
  // A popup survives only on an expanded bar that stays expanded and shown.
  return mode.kind === "popup" && next.kind === "bar" ? mode : next;
}

/** The "show the bar" setting: hiding closes the popup with the bar; a modal stays open. */
export function setVisible(mode: UiMode, visible: boolean): UiMode {
  return withBar(mode, (bar) => {
    if (!visible) return bar.kind === "hidden" ? bar : { kind: "hidden", collapsed: bar.kind === "collapsed" };
    return bar.kind === "hidden" ? fromSettings(true, bar.collapsed) : bar;
  });
}

/** Collapse or expand: collapsing closes the popup (it hangs from the expanded bar); a hidden bar remembers it. */
export function setCollapsed(mode: UiMode, collapsed: boolean): UiMode {
  return withBar(mode, (bar) => {
    if (bar.kind === "hidden") return bar.collapsed === collapsed ? bar : { kind: "hidden", collapsed };
    return collapsed ? { kind: "collapsed" } : { kind: "bar" };
  });
}

export function toggleCollapsed(mode: UiMode): UiMode {
  return setCollapsed(mode, !isCollapsed(mode));
}

/** Opens the popup from the expanded bar; nothing happens while the bar is collapsed, hidden or under the modal. */
export function openPopup(mode: UiMode): UiMode {
  return mode.kind === "bar" ? { kind: "popup" } : mode;
}

export function closePopup(mode: UiMode): UiMode {
  return mode.kind === "popup" ? { kind: "bar" } : mode;
}

export function togglePopup(mode: UiMode): UiMode {
  return mode.kind === "popup" ? closePopup(mode) : openPopup(mode);
}

/** Opens the modal on `tab` (closing the popup), or switches the open modal to `tab`. */
export function openModal(mode: UiMode, tab: ModalTab): UiMode {
  return { kind: "modal", tab, under: barMode(mode) };
}

/** Switches the open modal's tab; nothing happens when no modal is open. */
export function selectTab(mode: UiMode, tab: ModalTab): UiMode {
  return mode.kind === "modal" ? { ...mode, tab } : mode;
}

export function closeModal(mode: UiMode): UiMode {
  return mode.kind === "modal" ? mode.under : mode;
}

/** Escape closes the innermost thing open (the modal, else the popup); the bar itself stays. */
export function escape(mode: UiMode): UiMode {
  switch (mode.kind) {
    case "modal":
      return closeModal(mode);
    case "popup":
      return closePopup(mode);
    default:
      return mode;
  }
}
