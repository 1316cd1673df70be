// Formatters for tile values: one place decides units and rounding; null/NaN shows "--".

export const MISSING = "--";

const BYTES_PER_GIB = 1024 ** 3;

function usable(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Bytes in gibibytes (1024³, as operating systems count RAM): 1 decimal, e.g. "12.3 GiB". */
export function formatGiB(bytes: number | null | undefined, withUnit = true): string {
  if (!usable(bytes)) return MISSING;
  const gib = bytes / BYTES_PER_GIB;
  const text = gib >= 100 ? gib.toFixed(0) : gib.toFixed(1);
  return withUnit ? `${text} GiB` : text;
}

/** "used/total GiB" with a whole total shown without ".0", e.g. "5.2/24 GiB"; "--" when either side is unknown. */
export function formatUsedOfTotalGiB(used: number | null | undefined, total: number | null | undefined): string {
  if (!usable(used) || !usable(total)) return MISSING;
  return `${formatGiB(used, false)}/${formatGiB(total, false).replace(/\.0$/, "")} GiB`;
}

/** A percentage rounded to a whole number, clamped to 0..100, e.g. "45%". */
export function formatPercent(percent: number | null | undefined): string {
  if (!usable(percent)) return MISSING;
  return `${Math.round(Math.min(100, Math.max(0, percent)))}%`;
}

/** Degrees Celsius, whole, e.g. "65°C". */
export function formatTemp(celsius: number | null | undefined): string {
  if (!usable(celsius)) return MISSING;
  return `${Math.round(celsius)}°C`;
}

/** A frequency given in MHz as GHz with two decimals, e.g. "3.60 GHz". */
export function formatGHz(mhz: number | null | undefined): string {
  if (!usable(mhz) || mhz <= 0) return MISSING;
  return `${(mhz / 1000).toFixed(2)} GHz`;
}

/** used/total as a percentage, or null when it cannot be known. */
export function ratioPercent(used: number | null | undefined, total: number | null | undefined): number | null {
  if (!usable(used) || !usable(total) || total <= 0) return null;
  return (used / total) * 100;
}

// The profiler's figures: durations, sizes in the unit that fits, signed changes, shares, times.

const MINUS = "\u2212";

/** A duration: "0.4 ms", "850 ms", "12.3 s" under a minute, "5m 50.9s" above, "1h 05m 12s" past an hour. */
export function formatDuration(ms: number | null | undefined): string {
  if (!usable(ms)) return MISSING;
  const sign = ms < 0 ? MINUS : "";
  const abs = Math.abs(ms);
  // The bounds sit where rounding would write the next unit's first value ("1000 ms", "60.0 s").
  if (abs < 999.5) return `${sign}${abs < 9.95 ? abs.toFixed(1) : Math.round(abs)} ms`;
  if (abs < 59_950) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  // Rounded to tenths first, so 59.96 s is "1m 0.0s", not "0m 60.0s".
  const tenths = Math.round(abs / 100);
  if (tenths < 36_000) return `${sign}${Math.floor(tenths / 600)}m ${((tenths % 600) / 10).toFixed(1)}s`;
  const seconds = Math.round(abs / 1000);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${sign}${Math.floor(seconds / 3600)}h ${String(minutes).padStart(2, "0")}m ${String(seconds % 60).padStart(2, "0")}s`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** Bytes in the binary unit that fits: "512 B", "3.5 KiB", "768 MiB", "12.3 GiB" (1 decimal below 100). */
export function formatBytes(bytes: number | null | undefined): string {
  if (!usable(bytes)) return MISSING;
  const sign = bytes < 0 ? MINUS : "";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 || value >= 100 ? Math.round(value).toString() : value.toFixed(1);
  return `${sign}${text} ${BYTE_UNITS[unit]}`;
}

/** A change with its sign always shown ("+1.2 s", "−512 MiB", "±0 ms" for none), by a formatter of sizes. */
export function formatSigned(value: number | null | undefined, format: (magnitude: number) => string): string {
  if (!usable(value)) return MISSING;
  if (value === 0) return `±${format(0)}`;
  return `${value > 0 ? "+" : MINUS}${format(Math.abs(value))}`;
}

/** A share 0..1 as a percentage with one decimal, e.g. "12.3%". */
export function formatShare(fraction: number | null | undefined): string {
  if (!usable(fraction)) return MISSING;
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A count with thousands separators, e.g. "10,000". */
export function formatCount(value: number | null | undefined): string {
  if (!usable(value)) return MISSING;
  return value.toLocaleString("en-US");
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** A Unix time (seconds) in the reader's time zone, "2026-01-05 14:03:07" (sorts as text, no locale guesswork). */
export function formatDateTime(unixS: number | null | undefined): string {
  if (!usable(unixS)) return MISSING;
  const d = new Date(unixS * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}
