// The sparklines' data: a fixed-capacity ring of samples (one typed array of times, one of values per
// tile: O(1) push, nothing allocated, the oldest overwritten), what each tile plots of a snapshot, and
// the SVG path of a tile's last window, broken wherever samples are missing or too far apart.
import type { MonitorSnapshot } from "../api/types";
import { ratioPercent } from "./format";

/** The window setting, in minutes. */
export const SPARKLINE_MINUTES = { min: 1, max: 30, defaultValue: 5 } as const;
/** The most GET /monitor/history serves (its ring; a test checks it against the OpenAPI document). */
export const HISTORY_MAX_S = 600;
/** Samples further apart than this many intervals have a gap between them (the server idled, the page slept). */
export const GAP_INTERVALS = 2.5;

/** The window setting as seconds: its minutes clamped to the setting's range (the default if not a number). */
export function windowSeconds(minutes: unknown): number {
  return Math.round(Math.min(SPARKLINE_MINUTES.max, Math.max(SPARKLINE_MINUTES.min, Number(minutes) || SPARKLINE_MINUTES.defaultValue))) * 60;
}

/** Samples a window holds at an interval (one more: both ends). */
export function ringCapacity(windowS: number, intervalS: number): number {
  return Math.ceil(windowS / intervalS) + 1;
}

type Each = (id: string, value: number | null) => void;

/**
 * What each tile plots of a snapshot, by the tile's id (lib/tiles.ts): its fill, in percent. CPU, RAM
 * and CPU temperature; per GPU its utilization, VRAM and temperature. Null where the snapshot lacks it.
 */
export function seriesOf(snapshot: MonitorSnapshot, each: Each): void {
  each("cpu", snapshot.cpu_percent);
  each("ram", ratioPercent(snapshot.ram_used_bytes, snapshot.ram_total_bytes));
  each("cpu-temp", snapshot.cpu_temperature_c);
  for (const gpu of snapshot.gpus) {
    each(`gpu-${gpu.index}`, gpu.utilization_percent);
    each(`vram-${gpu.index}`, ratioPercent(gpu.vram_used_bytes, gpu.vram_total_bytes));
    each(`gpu-temp-${gpu.index}`, gpu.temperature_c);
  }
}

/**
 * Every tile's last `capacity` samples: times (Unix seconds) only ever increase; a value a sample
 * lacks (a missing figure, a tile that came later) is NaN. Memory: capacity x (tiles + 1) x 8 bytes.
 */
export class TileSeries {
  readonly times: Float64Array;
  /** How many samples it holds, at most `capacity`. */
  size = 0;
  #columns = new Map<string, Float64Array>();
  #next = 0;
  #slot = 0;
  // Made once: filling a sample allocates nothing.
  #set: Each = (id, value) => {
    let column = this.#columns.get(id);
    if (!column) this.#columns.set(id, (column = new Float64Array(this.capacity).fill(NaN)));
    column[this.#slot] = value ?? NaN;
  };

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity);
  }

  /** Where the i-th oldest sample sits. */
  slot(i: number): number {
    return (this.#next - this.size + i + this.capacity) % this.capacity;
  }

  /** The newest sample's time (the sparklines' right edge); -Infinity when empty. */
  get end(): number {
    return this.size > 0 ? this.times[this.slot(this.size - 1)]! : -Infinity;
  }

  /** A snapshot newer than the last (an event's); an older or equal time is ignored: it is in already. */
  add(snapshot: MonitorSnapshot): void {
    if (this.#begin(snapshot.sampled_at)) seriesOf(snapshot, this.#set);
  }

  /**
   * A copy at `capacity` with `samples` (of any time: the server's) merged in, in time order, one per
   * time (this one's kept), the newest kept when they do not all fit.
   */
  merged(samples: readonly MonitorSnapshot[], capacity: number): TileSeries {
    const rows: [number, (set: Each) => void][] = [];
    for (let i = 0; i < this.size; i++) {
      const slot = this.slot(i);
      rows.push([this.times[slot]!, (set) => this.#columns.forEach((column, id) => set(id, column[slot]!))]);
    }
    for (const sample of samples) rows.push([sample.sampled_at, (set) => seriesOf(sample, set)]);
    const series = new TileSeries(capacity);
    // A stable sort: at equal times this one's row comes first, so it is the one kept.
    for (const [time, fill] of rows.sort((a, b) => a[0] - b[0])) if (series.#begin(time)) fill(series.#set);
    return series;
  }

  /**
   * The tile's SVG path over the `windowS` seconds up to the newest sample, in a 100 x 100 box (x:
   * time, y: 100 - percent, clamped): one point per x unit, the highest of its samples (a spike shows,
   * and a long window costs no more to draw); a new subpath after a missing value or a gap over `gapS`,
   * so nothing is drawn across it; "h0" makes a lone point a dot. "" when it has none in the window.
   */
  path(id: string, windowS: number, gapS: number): string {
    const values = this.#columns.get(id);
    const start = this.end - windowS;
    let d = "";
    let column = -1;
    let top = 0;
    let joined = false;
    let previous = -Infinity;
    for (let i = 0; values && i <= this.size; i++) {
      const slot = this.slot(i);
      // One step past the newest: a missing sample that closes the last column.
      const time = i < this.size ? this.times[slot]! : Infinity;
      const value = i < this.size ? values[slot]! : NaN;
      if (time < start) continue;
      const x = Math.round(((time - start) / windowS) * 100);
      const broken = Number.isNaN(value) || time - previous > gapS;
      if (column >= 0 && (x !== column || broken)) {
        const y = 100 - Math.round(Math.min(100, Math.max(0, top)));
        d += joined ? `L${column} ${y}` : `M${column} ${y}h0`;
        joined = true;
        column = -1;
      }
      if (broken) joined = false;
      previous = time;
      if (Number.isNaN(value)) continue;
      if (column < 0) {
        column = x;
        top = value;
      } else if (value > top) top = value;
    }
    return d;
  }

  /** Takes the next slot for a sample at `time` (its values NaN until set); false for a time not newer than the last. */
  #begin(time: number): boolean {
    if (!(time > this.end)) return false;
    const slot = (this.#slot = this.#next);
    this.times[slot] = time;
    for (const column of this.#columns.values()) column[slot] = NaN;
    this.#next = (slot + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    return true;
  }
}
