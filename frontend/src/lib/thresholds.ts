// Load thresholds shared by every tile: the fill color follows how close a resource is to full.

export type Level = "ok" | "warm" | "hot" | "critical" | "unknown";

export const LEVEL_COLORS: Record<Level, string> = {
  ok: "#22c55e",
  warm: "#eab308",
  hot: "#f97316",
  critical: "#ef4444",
  unknown: "transparent",
};

/** <50% ok (green), <70% warm (yellow), <90% hot (orange), >=90% critical (red). */
export function levelFor(percent: number | null | undefined): Level {
  if (typeof percent !== "number" || !Number.isFinite(percent)) return "unknown";
  if (percent < 50) return "ok";
  if (percent < 70) return "warm";
  if (percent < 90) return "hot";
  return "critical";
}

const SEVERITY: Record<Level, number> = { unknown: 0, ok: 1, warm: 2, hot: 3, critical: 4 };

/** The most severe of several levels ("unknown" only when every one is unknown or there are none). */
export function worstLevel(levels: Iterable<Level>): Level {
  let worst: Level = "unknown";
  for (const level of levels) {
    if (SEVERITY[level] > SEVERITY[worst]) worst = level;
  }
  return worst;
}
