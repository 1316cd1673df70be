// Where the bar sits: pure geometry for its default place clear of ComfyUI's menus, for dragging
// and clamping inside what is left of the window, and the tolerant reader of a saved position.

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

/** A box on screen, as getBoundingClientRect() gives it. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * What of ComfyUI's page the bar keeps clear of, measured by host/chrome.ts. `top` and `bottom` are
 * how far the menu rows reach in from the window's top and bottom edges: the bar never sits on them
 * (frontend 1.27 draws its top menu above the bar). `obstacles` are the other pieces (1.45+'s
 * floating action bar and graph menu, 1.27's second-row tabs, the legacy floating menu): the
 * default place moves below those it would cover; a bar dragged over one stays there.
 */
export interface Chrome {
  top: number;
  bottom: number;
  obstacles: Rect[];
}

export const NO_CHROME: Chrome = { top: 0, bottom: 0, obstacles: [] };

/** A measured piece of ComfyUI's page: a menu row (may span an edge) or something floating. */
export interface ChromePiece {
  kind: "row" | "floating";
  rect: Rect;
}

/** Where the bar's top-left corner may go, edges included. */
export interface Area {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The bar keeps this much of itself inside the window on every side, and this far from the menus. */
export const VIEWPORT_MARGIN = 4;
/** The default place is this far below the menus or anything else in its way. */
export const CHROME_GAP = 8;
/** The default place's top when nothing of ComfyUI's is in the way (where the bar always was). */
export const DEFAULT_TOP = 50;
/** Arrow keys on the handle move the bar this far (Shift: ten times). */
export const NUDGE_PX = 10;
/** Rows whose edges are this close count as touching (borders, sub-pixel layout). */
const TOUCH_PX = 2;
/** A row narrower than this share of the window (1.27's second-row tab strip) is an obstacle, not a band. */
const ROW_MIN_SHARE = 0.5;

function finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function bottomOf(rect: Rect): number {
  return rect.top + rect.height;
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < bottomOf(b) && b.top < bottomOf(a);
}

/**
 * Sorts measured pieces into rows held against the window's top or bottom edge (chained: a tab row
 * under the menu row extends it) and obstacles (floating pieces, and rows that touch no edge or
 * span less than half the window). Pieces of no size (a hidden menu) count for nothing.
 */
export function chromeFromPieces(pieces: readonly ChromePiece[], viewport: Size): Chrome {
  const shown = pieces.filter((p) => p.rect.width > 0 && p.rect.height > 0);
  const rows = shown.filter((p) => p.kind === "row" && p.rect.width >= viewport.width * ROW_MIN_SHARE).map((p) => p.rect);
  const used = new Set<Rect>();
  let top = 0;
  for (const rect of [...rows].sort((a, b) => a.top - b.top)) {
    if (rect.top > top + TOUCH_PX) break;
    top = Math.max(top, bottomOf(rect));
    used.add(rect);
  }
  let bottomEdge = viewport.height;
  for (const rect of [...rows].sort((a, b) => bottomOf(b) - bottomOf(a))) {
    if (used.has(rect)) continue;
    if (bottomOf(rect) < bottomEdge - TOUCH_PX) break;
    bottomEdge = Math.min(bottomEdge, rect.top);
    used.add(rect);
  }
  const obstacles = shown.map((p) => p.rect).filter((rect) => !used.has(rect));
  return { top: Math.max(0, Math.round(top)), bottom: Math.max(0, Math.round(viewport.height - bottomEdge)), obstacles };
}

export function sameChrome(a: Chrome, b: Chrome): boolean {
  const key = (c: Chrome) => JSON.stringify([c.top, c.bottom, c.obstacles.map((r) => [r.left, r.top, r.width, r.height].map(Math.round))]);
  return key(a) === key(b);
}

/** The window less ComfyUI's menu rows and a margin, as the range of the bar's top-left corner. */
export function visibleArea(size: Size, viewport: Size, chrome: Chrome = NO_CHROME, margin = VIEWPORT_MARGIN): Area {
  const left = margin;
  const top = chrome.top + margin;
  return {
    left,
    top,
    right: Math.max(left, viewport.width - size.width - margin),
    bottom: Math.max(top, viewport.height - chrome.bottom - size.height - margin),
  };
}

/** The nearest top-left corner inside `area` (a bar too big for it is pinned to its top-left). */
export function clampPosition(position: Point, area: Area): Point {
  const x = finite(position.x) ? position.x : area.left;
  const y = finite(position.y) ? position.y : area.top;
  return {
    x: Math.round(Math.min(area.right, Math.max(area.left, x))),
    y: Math.round(Math.min(area.bottom, Math.max(area.top, y))),
  };
}

/**
 * The default place: centered, `DEFAULT_TOP` from the top or `CHROME_GAP` below the menu rows when
 * they reach lower, then below each obstacle it would cover; if that runs out of window, the first
 * of those spots (ComfyUI's chrome is so crowded that no place is free).
 */
export function defaultPosition(size: Size, viewport: Size, chrome: Chrome = NO_CHROME): Point {
  const area = visibleArea(size, viewport, chrome);
  const first = clampPosition(
    { x: (viewport.width - size.width) / 2, y: Math.max(DEFAULT_TOP, chrome.top + CHROME_GAP) },
    area,
  );
  let y = first.y;
  // Each pass moves below at least one more obstacle, so this ends after obstacles.length passes.
  for (let pass = 0; pass <= chrome.obstacles.length; pass++) {
    const box = { left: first.x, top: y, width: size.width, height: size.height };
    const hit = chrome.obstacles.filter((rect) => overlaps(box, rect));
    if (hit.length === 0) return { x: first.x, y };
    y = Math.round(Math.max(...hit.map(bottomOf)) + CHROME_GAP);
    if (y > area.bottom) break;
  }
  return first;
}

/**
 * The top of a bar docked to the window's top or bottom edge (a full-width strip): against ComfyUI's
 * menu rows, then past each floating piece it would cover (below it at the top, above it at the
 * bottom); if that runs out of window, against the rows.
 */
export function dockedTop(edge: "top" | "bottom", height: number, viewport: Size, chrome: Chrome = NO_CHROME): number {
  const first = edge === "top" ? chrome.top : viewport.height - chrome.bottom - height;
  let y = first;
  // Each pass moves past at least one more obstacle, so this ends after obstacles.length passes.
  for (let pass = 0; pass <= chrome.obstacles.length; pass++) {
    const hit = chrome.obstacles.filter((rect) => overlaps({ left: 0, top: y, width: viewport.width, height }, rect));
    if (hit.length === 0) return Math.round(y);
    y = edge === "top" ? Math.max(...hit.map(bottomOf)) : Math.min(...hit.map((rect) => rect.top)) - height;
    if (y < chrome.top || y + height > viewport.height - chrome.bottom) break;
  }
  return Math.round(Math.max(0, first));
}

/** A drag in progress: where the bar and the pointer were when it started. */
export interface DragStart {
  origin: Point;
  pointer: Point;
  size: Size;
}

/** The bar's position for the pointer at `pointer`, the drag having started at `start`. */
export function dragPosition(start: DragStart, pointer: Point, area: Area): Point {
  return clampPosition({ x: start.origin.x + pointer.x - start.pointer.x, y: start.origin.y + pointer.y - start.pointer.y }, area);
}

export type NudgeKey = "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown";

export function isNudgeKey(key: string): key is NudgeKey {
  return key === "ArrowLeft" || key === "ArrowRight" || key === "ArrowUp" || key === "ArrowDown";
}

/** Keyboard moves for the handle: the same clamping as a drag. */
export function nudgePosition(position: Point, key: NudgeKey, large: boolean, area: Area): Point {
  const step = large ? NUDGE_PX * 10 : NUDGE_PX;
  const dx = key === "ArrowLeft" ? -step : key === "ArrowRight" ? step : 0;
  const dy = key === "ArrowUp" ? -step : key === "ArrowDown" ? step : 0;
  return clampPosition({ x: position.x + dx, y: position.y + dy }, area);
}

/** Reads a saved position back: anything but two finite numbers is the default place. */
export function parsePosition(value: unknown): Point | null {
  if (typeof value === "string") {
    try {
      return parsePosition(JSON.parse(value));
    } catch {
      return null;
    }
  }
  if (typeof value !== "object" || value === null) return null;
  const { x, y } = value as Record<string, unknown>;
  return finite(x) && finite(y) ? { x: Math.round(x), y: Math.round(y) } : null;
}
