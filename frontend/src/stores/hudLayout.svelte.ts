// Where the bar is: its default place clear of ComfyUI's menus, dragged, nudged, reset, kept inside
// the visible part of the window, and saved across reloads.
import {
  clampPosition,
  defaultPosition,
  dragPosition,
  NO_CHROME,
  nudgePosition,
  parsePosition,
  sameChrome,
  visibleArea,
  type Area,
  type Chrome,
  type DragStart,
  type NudgeKey,
  type Point,
  type Rect,
  type Size,
} from "../lib/layout";
import type { Preferences } from "../lib/persistence";
import { POSITION_SETTING } from "../lib/settingIds";

export class HudLayout {
  /** The saved top-left corner; null: the default place (centered, clear of ComfyUI's menus). */
  position = $state<Point | null>(null);
  dragging = $state(false);
  viewport = $state<Size>({ width: 0, height: 0 });
  barSize = $state<Size | null>(null);
  /** ComfyUI's menus and floating controls, as host/chrome.ts last measured them. */
  chrome = $state.raw<Chrome>(NO_CHROME);

  /**
   * Where the bar is drawn: the saved spot pulled back inside the visible area (a window that has
   * shrunk, a menu that now covers it), or the default place. Null until the bar's size is known:
   * the stylesheet's own default place (centered, 50px down) shows meanwhile.
   */
  readonly displayed = $derived.by((): Point | null => {
    const size = this.barSize;
    if (size === null || this.viewport.width <= 0) return this.position;
    if (this.position === null) return defaultPosition(size, this.viewport, this.chrome);
    return clampPosition(this.position, visibleArea(size, this.viewport, this.chrome));
  });

  #prefs: Preferences;
  #drag: DragStart | null = null;
  #moved = false;

  constructor(prefs: Preferences, viewport: Size) {
    this.#prefs = prefs;
    this.viewport = viewport;
  }

  /** Read the saved position (call once the host's settings are loaded). */
  load(): void {
    this.position = parsePosition(this.#prefs.read(POSITION_SETTING));
  }

  setViewport(viewport: Size): void {
    this.viewport = viewport;
  }

  setBarSize(size: Size): void {
    const current = this.barSize;
    if (current && current.width === size.width && current.height === size.height) return;
    this.barSize = size;
  }

  /** ComfyUI's chrome moved (a menu setting, a resize): the bar's place follows; nothing is saved. */
  setChrome(chrome: Chrome): void {
    if (!sameChrome(chrome, this.chrome)) this.chrome = chrome;
  }

  #area(size: Size): Area {
    return visibleArea(size, this.viewport, this.chrome);
  }

  beginDrag(pointer: Point, rect: Rect): void {
    const size = { width: rect.width, height: rect.height };
    this.#drag = { origin: { x: rect.left, y: rect.top }, pointer, size };
    this.#moved = false;
    this.barSize = size;
    this.dragging = true;
  }

  moveDrag(pointer: Point): void {
    if (this.#drag === null) return;
    const next = dragPosition(this.#drag, pointer, this.#area(this.#drag.size));
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

  nudge(key: NudgeKey, large: boolean, rect: Rect): void {
    const size = { width: rect.width, height: rect.height };
    this.barSize = size;
    const from = this.displayed ?? { x: rect.left, y: rect.top };
    this.position = nudgePosition(from, key, large, this.#area(size));
    this.#prefs.write(POSITION_SETTING, this.position);
  }

  /** Back to the default place (double-click on the handle, or Home). */
  resetPosition(): void {
    this.#drag = null;
    this.dragging = false;
    this.position = null;
    this.#prefs.write(POSITION_SETTING, null);
  }
}
