// Where the bar is and whether it is collapsed or shown: dragged, nudged, reset, saved across reloads.
import {
  clampPosition,
  dragPosition,
  nudgePosition,
  parseCollapsed,
  parsePosition,
  type DragStart,
  type NudgeKey,
  type Point,
  type Size,
} from "../lib/layout";
import type { Preferences } from "../lib/persistence";

export const POSITION_SETTING = "SwissArmyKnife.monitor.position";
export const COLLAPSED_SETTING = "SwissArmyKnife.monitor.collapsed";

/** The bar's box on screen, as getBoundingClientRect() gives it. */
export interface BarRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export class HudLayout {
  /** The saved top-left corner; null: the default place (centered, 50px from the top). */
  position = $state<Point | null>(null);
  collapsed = $state(false);
  visible = $state(true);
  dragging = $state(false);
  viewport = $state<Size>({ width: 0, height: 0 });
  barSize = $state<Size | null>(null);

  /** Where the bar is drawn: the saved spot, pulled back inside a window that has shrunk since. */
  readonly displayed = $derived.by((): Point | null => {
    const position = this.position;
    if (position === null || this.barSize === null || this.viewport.width <= 0) return position;
    return clampPosition(position, this.barSize, this.viewport);
  });

  #prefs: Preferences;
  #drag: DragStart | null = null;
  #moved = false;

  constructor(prefs: Preferences, viewport: Size) {
    this.#prefs = prefs;
    this.viewport = viewport;
  }

  /** Read the saved layout (call once the host's settings are loaded). */
  load(): void {
    this.position = parsePosition(this.#prefs.read(POSITION_SETTING));
    this.collapsed = parseCollapsed(this.#prefs.read(COLLAPSED_SETTING));
  }

  setViewport(viewport: Size): void {
    this.viewport = viewport;
  }

  setBarSize(size: Size): void {
    const current = this.barSize;
    if (current && current.width === size.width && current.height === size.height) return;
    this.barSize = size;
  }

  beginDrag(pointer: Point, rect: BarRect): void {
    const size = { width: rect.width, height: rect.height };
    this.#drag = { origin: { x: rect.left, y: rect.top }, pointer, size };
    this.#moved = false;
    this.barSize = size;
    this.dragging = true;
  }

  moveDrag(pointer: Point): void {
    if (this.#drag === null) return;
    const next = dragPosition(this.#drag, pointer, this.viewport);
    const current = this.position;
    if (current && current.x === next.x && current.y === next.y) return;
    // A click on the handle without motion must not pin the bar where the default place put it.
    if (!this.#moved && next.x === this.#drag.origin.x && next.y === this.#drag.origin.y) return;
    this.#moved = true;
    this.position = next;
  }

  /** Pointer released or cancelled: save where the bar ended up (once per drag, not per move). */
  endDrag(): void {
    if (this.#drag === null) return;
    this.#drag = null;
    this.dragging = false;
    if (this.#moved && this.position) this.#prefs.write(POSITION_SETTING, this.position);
  }

  nudge(key: NudgeKey, large: boolean, rect: BarRect): void {
    const size = { width: rect.width, height: rect.height };
    this.barSize = size;
    const from = this.displayed ?? { x: rect.left, y: rect.top };
    this.position = nudgePosition(from, key, large, size, this.viewport);
    this.#prefs.write(POSITION_SETTING, this.position);
  }

  /** Back to the default place (double-click on the handle, or Home). */
  resetPosition(): void {
    this.#drag = null;
    this.dragging = false;
    this.position = null;
    this.#prefs.write(POSITION_SETTING, null);
  }

  setCollapsed(collapsed: boolean): void {
    if (this.collapsed === collapsed) return;
    this.collapsed = collapsed;
    this.#prefs.write(COLLAPSED_SETTING, collapsed);
  }

  toggleCollapsed(): void {
    this.setCollapsed(!this.collapsed);
  }

  /** The "show the bar" setting (ComfyUI saves it itself). */
  setVisible(visible: boolean): void {
    this.visible = visible;
  }
}
