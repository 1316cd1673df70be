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
