// Scales and axes for the profiler's charts (drawn by uPlot in components/common/Chart.svelte): a
// unit per axis chosen from the data (ms, s, min, h; B, KiB, MiB, GiB), round tick steps, ranges
// that start at zero, and series whose empty buckets break the line instead of bridging it.

export interface AxisUnit {
  /** Shown after the numbers ("ms", "GiB", "%"). */
  label: string;
  /** Values are divided by this before they are shown. */
  divisor: number;
}

const KIB = 1024;
const BYTE_UNITS: readonly AxisUnit[] = [
  { label: "B", divisor: 1 },
  { label: "KiB", divisor: KIB },
  { label: "MiB", divisor: KIB ** 2 },
  { label: "GiB", divisor: KIB ** 3 },
  { label: "TiB", divisor: KIB ** 4 },
];

// A duration axis switches unit once its values reach twice the next one: 1,800 ms reads better than
// 1.8 s on a chart whose other values are 400 ms, and 90 s better than 1.5 min.
const DURATION_UNITS: readonly { unit: AxisUnit; from: number }[] = [
  { unit: { label: "ms", divisor: 1 }, from: 0 },
  { unit: { label: "s", divisor: 1000 }, from: 2000 },
  { unit: { label: "min", divisor: 60_000 }, from: 120_000 },
  { unit: { label: "h", divisor: 3_600_000 }, from: 7_200_000 },
];

export const PERCENT: AxisUnit = { label: "%", divisor: 1 };

function finite(values: readonly (number | null | undefined)[]): number[] {
  return values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

/**
 * The largest binary unit the biggest value fills at least once (bytes under 1 KiB stay bytes). The
 * same object for the same unit, so a view that derives a chart from it rebuilds only when it changes.
 */
export function byteUnit(maxBytes: number | null): AxisUnit {
  const max = Math.abs(maxBytes ?? 0);
  return [...BYTE_UNITS].reverse().find((unit) => max >= unit.divisor) ?? BYTE_UNITS[0]!;
}

/** ms below 2 s, s below 2 min, min below 2 h, then h (the same object for the same unit). */
export function durationUnit(maxMs: number | null): AxisUnit {
  const max = Math.abs(maxMs ?? 0);
  return ([...DURATION_UNITS].reverse().find((u) => max >= u.from) ?? DURATION_UNITS[0]!).unit;
}

/** The smallest of 1, 2, 5 x 10^k that splits `span` into at most `maxTicks` steps. */
export function niceStep(span: number, maxTicks = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) {
    // A little slack: floating point makes 0.3 / 3 come out as 0.09999....
    if (factor * magnitude >= raw * (1 - 1e-9)) return factor * magnitude;
  }
  return 10 * magnitude;
}

/**
 * A range covering the values, in round steps of the unit the axis shows: from zero (a bar or a
 * line of durations read against zero, never against its own minimum) unless the values go below
 * it; an empty or flat series still gets a range, so the axis has ticks.
 */
export function niceRange(values: readonly (number | null | undefined)[], unit: AxisUnit = { label: "", divisor: 1 }, maxTicks = 5): [number, number] {
  const shown = finite(values).map((v) => v / unit.divisor);
  let lo = Math.min(0, ...shown);
  let hi = Math.max(0, ...shown);
  if (hi === lo) hi = lo + 1;
  const step = niceStep(hi - lo, maxTicks);
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  return [lo * unit.divisor, hi * unit.divisor];
}

/**
 * Ticks from `min` to `max` at round steps of the unit shown (2 GiB, not uPlot's decimal 2.147e9
 * bytes): the same steps as niceRange's, so the range's ends are ticks too.
 */
export function niceTicks(min: number, max: number, unit: AxisUnit, maxTicks = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const step = niceStep((max - min) / unit.divisor || 1, maxTicks) * unit.divisor;
  const ticks: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) ticks.push(i * step + 0); // + 0: -0 (Math.ceil of -1e-9) is 0
  return ticks;
}

/** The decimals that write `step` (in the unit shown) exactly, at most 3: 2.5 -> 1, 0.02 -> 2, 20 -> 0. */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let decimals = 0; decimals < 3; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return decimals;
  }
  return 3;
}

/** Tick labels for values in the axis's unit, e.g. ["0 GiB", "2 GiB", "4 GiB"]: one precision for all. */
export function tickLabels(ticks: readonly number[], unit: AxisUnit): string[] {
  const shown = ticks.map((t) => t / unit.divisor);
  const steps = shown.slice(1).map((t, i) => Math.abs(t - shown[i]!)).filter((s) => s > 0);
  const decimals = decimalsFor(steps.length > 0 ? Math.min(...steps) : Math.abs(shown[0] ?? 1) || 1);
  const space = unit.label === "%" ? "" : " ";
  return shown.map((t) => `${(Object.is(t, -0) ? 0 : t).toFixed(decimals)}${unit.label ? space + unit.label : ""}`);
}

/** A share of lookups served from the cache, in per cent; null when nothing was looked up. */
export function hitRatePercent(hits: number, lookups: number): number | null {
  return lookups > 0 ? (100 * hits) / lookups : null;
}

/**
 * Columns for uPlot (x, then one array per series) from buckets that leave empty ones out: where a
 * bucket is missing a null point goes in, so the line breaks over the gap rather than drawing a
 * trend through a time with no runs.
 */
export function withGaps<T>(
  items: readonly T[],
  startOf: (item: T) => number,
  bucketS: number,
  series: readonly ((item: T) => number | null)[],
): [number[], ...(number | null)[][]] {
  const xs: number[] = [];
  const ys: (number | null)[][] = series.map(() => []);
  let previous: number | null = null;
  for (const item of items) {
    const start = startOf(item);
    if (previous !== null && bucketS > 0 && start - previous > bucketS * 1.5) {
      xs.push(previous + bucketS);
      for (const column of ys) column.push(null);
    }
    xs.push(start);
    series.forEach((pick, i) => ys[i]!.push(pick(item)));
    previous = start;
  }
  return [xs, ...ys];
}
