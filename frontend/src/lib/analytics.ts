// The Analytics tab's figures from the aggregated endpoints: chart columns from the server's time
// buckets (total time, peak VRAM, cache hit rate), rates and shares per workflow and node class,
// the slowest classes, and the words that describe each chart to a screen reader.
import type { NodeClassStats, ProfilerSeries, SeriesPoint, WorkflowAverage } from "../api/types";
import { hitRatePercent, withGaps } from "./chartScale";
import { formatBytes, formatDateTime, formatDuration } from "./format";

export type Columns = [number[], ...(number | null)[][]];

export interface SeriesColumns {
  /** x: bucket start (Unix s); mean and longest successful run time (ms). */
  time: Columns;
  /** x; mean and highest peak VRAM (bytes). */
  vram: Columns;
  /** x; cache hits per lookup (%). */
  cache: Columns;
}

/** The three charts' columns, a null point where buckets are missing (the lines break there). */
export function seriesColumns(series: ProfilerSeries): SeriesColumns {
  const columns = (...picks: ((p: SeriesPoint) => number | null)[]) => withGaps(series.items, (p) => p.start, series.bucket_s, picks);
  return {
    time: columns(
      (p) => p.mean_duration_ms,
      (p) => p.max_duration_ms,
    ),
    vram: columns(
      (p) => p.mean_peak_vram_bytes,
      (p) => p.max_peak_vram_bytes,
    ),
    cache: columns((p) => hitRatePercent(p.cache_hits, p.cache_lookups)),
  };
}

function largest(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return known.length ? Math.max(...known) : null;
}

/** The biggest value of a chart's columns (after x), for the axis's unit. */
export function columnsMax(columns: Columns): number | null {
  return largest(columns.slice(1).flat() as (number | null)[]);
}

/** Over all buckets: runs, hit rate of every lookup, the longest run and the highest peak. */
export function seriesTotals(series: ProfilerSeries): { runs: number; hitRatePercent: number | null; maxDurationMs: number | null; maxPeakVramBytes: number | null } {
  const items = series.items;
  return {
    runs: items.reduce((n, p) => n + p.runs, 0),
    hitRatePercent: hitRatePercent(
      items.reduce((n, p) => n + p.cache_hits, 0),
      items.reduce((n, p) => n + p.cache_lookups, 0),
    ),
    maxDurationMs: largest(items.map((p) => p.max_duration_ms)),
    maxPeakVramBytes: largest(items.map((p) => p.max_peak_vram_bytes)),
  };
}

/** A chart's text alternative: its span and its extremes, e.g. "120 periods of 6 hours ... longest 11.9 s". */
export function describeSeries(series: ProfilerSeries, what: "time" | "vram" | "cache"): string {
  const items = series.items;
  const first = items[0];
  const last = items.at(-1);
  if (!first || !last) return "No runs stored yet.";
  const span = `${items.length} ${items.length === 1 ? "period" : "periods"} with runs, from ${formatDateTime(first.start)} to ${formatDateTime(last.start + series.bucket_s)}`;
  const totals = seriesTotals(series);
  if (what === "time") return `${span}; longest successful run ${formatDuration(totals.maxDurationMs)}.`;
  if (what === "vram") return `${span}; highest peak VRAM ${formatBytes(totals.maxPeakVramBytes)}.`;
  const rate = totals.hitRatePercent;
  return `${span}; ${rate === null ? "no cache lookups" : `${rate.toFixed(1)}% of node lookups served from the cache overall`}.`;
}

/** A workflow's successful runs among all its runs (0..1); null without runs. */
export function successRate(workflow: Pick<WorkflowAverage, "runs" | "successes">): number | null {
  return workflow.runs > 0 ? workflow.successes / workflow.runs : null;
}

/** A node class's runs served from the cache (0..1); null without runs. */
export function cachedShare(stats: Pick<NodeClassStats, "runs" | "cached_runs">): number | null {
  return stats.runs > 0 ? stats.cached_runs / stats.runs : null;
}

export interface SlowClass {
  stats: NodeClassStats;
  /** Its mean time against the slowest class's (0..1], for the bar's length. */
  relative: number;
}

export const SLOWEST_CLASSES = 10;

/** The classes with the longest mean time per executed run, slowest first (classes never timed left out). */
export function slowestClasses(items: readonly NodeClassStats[], count = SLOWEST_CLASSES): SlowClass[] {
  const timed = items.filter((s) => s.mean_duration_ms !== null && s.timed_runs > 0);
  const sorted = [...timed].sort((x, y) => y.mean_duration_ms! - x.mean_duration_ms! || x.class_type.localeCompare(y.class_type)).slice(0, count);
  const top = sorted[0]?.mean_duration_ms ?? 0;
  return sorted.map((stats) => ({ stats, relative: top > 0 ? stats.mean_duration_ms! / top : 0 }));
}
