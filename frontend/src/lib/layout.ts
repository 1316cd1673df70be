// Where the bar sits: pure geometry for dragging and clamping, and the tolerant reader of what was saved.

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

/** The saved layout; a null position means the default place (centered, 50px from the top). */
export interface SavedLayout {
  position: Point | null;
  collapsed: boolean;
}

/** The bar keeps this much of itself inside the window on every side. */
export const VIEWPORT_MARGIN = 4;
/** Arrow keys on the handle move the bar this far (Shift: ten times). */
export const NUDGE_PX = 10;

function finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** The top-left corner that keeps a bar of `size` inside `viewport` (pinned to the top-left when it is bigger). */
export function clampPosition(position: Point, size: Size, viewport: Size, margin = VIEWPORT_MARGIN): Point {
  const maxX = Math.max(margin, viewport.width - size.width - margin);
  const maxY = Math.max(margin, viewport.height - size.height - margin);
  return {
    x: Math.round(Math.min(maxX, Math.max(margin, finite(position.x) ? position.x : margin))),
    y: Math.round(Math.min(maxY, Math.max(margin, finite(position.y) ? position.y : margin))),
  };
}

/** A drag in progress: where the bar and the pointer were when it started. */
export interface DragStart {
  origin: Point;
  pointer: Point;
  size: Size;
}

/** The bar's position for the pointer at `pointer`, the drag having started at `start`. */
export function dragPosition(start: DragStart, pointer: Point, viewport: Size): Point {
  return clampPosition(
    { x: start.origin.x + pointer.x - start.pointer.x, y: start.origin.y + pointer.y - start.pointer.y },
    start.size,
    viewport,
  );
}

export type NudgeKey = "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown";

export function isNudgeKey(key: string): key is NudgeKey {
  return key === "ArrowLeft" || key === "ArrowRight" || key === "ArrowUp" || key === "ArrowDown";
}

/** Keyboard moves for the handle: the same clamping as a drag. */
export function nudgePosition(position: Point, key: NudgeKey, large: boolean, size: Size, viewport: Size): Point {
  const step = large ? NUDGE_PX * 10 : NUDGE_PX;
  const dx = key === "ArrowLeft" ? -step : key === "ArrowRight" ? step : 0;
  const dy = key === "ArrowUp" ? -step : key === "ArrowDown" ? step : 0;
  return clampPosition({ x: position.x + dx, y: position.y + dy }, size, viewport);
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

/** Reads a saved collapsed flag back: only `true` (or "true") collapses. */
export function parseCollapsed(value: unknown): boolean {
  return value === true || value === "true";
}
