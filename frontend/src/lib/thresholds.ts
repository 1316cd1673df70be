// Load thresholds shared by every tile: the fill color follows how close a resource is to full.

export type Level = "ok" | "warm" | "hot" | "critical" | "unknown";

export const LEVEL_COLORS: Record<Level, string> = {
  ok: "#22c55e",
  warm: "#eab308",
  hot: "#f97316",
  critical: "#ef4444",
  unknown: "transparent",
};

/** Where the fill turns yellow, orange and red, in percent (the gradient settings). */
export interface LevelThresholds {
  warm: number;
  hot: number;
  critical: number;
}

export const DEFAULT_LEVEL_THRESHOLDS: LevelThresholds = { warm: 50, hot: 70, critical: 90 };

/** <50% ok (green), <70% warm (yellow), <90% hot (orange), >=90% critical (red), or at the thresholds given. */
export function levelFor(percent: number | null | undefined, thresholds: LevelThresholds = DEFAULT_LEVEL_THRESHOLDS): Level {
  if (typeof percent !== "number" || !Number.isFinite(percent)) return "unknown";
  if (percent < thresholds.warm) return "ok";
  if (percent < thresholds.hot) return "warm";
  if (percent < thresholds.critical) return "hot";
  return "critical";
}

/** Why these thresholds cannot be used (each a percent above the one before), or null when they can. */
export function thresholdsProblem({ warm, hot, critical }: LevelThresholds): string | null {
  const ok = [warm, hot, critical].every((p) => Number.isFinite(p) && p > 0 && p <= 100);
  return ok && warm < hot && hot < critical ? null : `Yellow ${warm}, orange ${hot}, red ${critical}: each must be above the one before (100 at most).`;
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
