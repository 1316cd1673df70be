// The tiles' colour thresholds (yellow, orange, red) from their three ComfyUI settings: a change
// that leaves them out of order is refused with a message and the setting put back, the previous
// thresholds kept.
import { DEFAULT_LEVEL_THRESHOLDS, thresholdsProblem, type LevelThresholds } from "../lib/thresholds";

export interface GradientLevelsDeps {
  /** The setting id of each threshold. */
  ids: Record<keyof LevelThresholds, string>;
  readSetting(id: string): unknown;
  writeSetting(id: string, value: unknown): void;
  notifyError(summary: string, detail: string): void;
}

export class GradientLevelsStore {
  current = $state.raw<LevelThresholds>(DEFAULT_LEVEL_THRESHOLDS);
  #deps: GradientLevelsDeps;

  constructor(deps: GradientLevelsDeps) {
    this.#deps = deps;
  }

  /** One threshold's onChange: with the other two as saved (at registration too, before theirs is called). */
  onSettingChange(level: keyof LevelThresholds, value: unknown, oldValue: unknown): void {
    const { ids, readSetting } = this.#deps;
    const next = { ...this.current };
    for (const key of ["warm", "hot", "critical"] as const) next[key] = Number((key === level ? value : readSetting(ids[key])) ?? next[key]);
    const problem = thresholdsProblem(next);
    if (problem === null) this.current = next;
    // A saved combination out of order (edited by hand) keeps the defaults, quietly, at load.
    else if (oldValue !== undefined) {
      this.#deps.notifyError("Tile colours not changed", problem);
      // After ComfyUI has stored the refused value (1.27 and 1.45 store it after onChange returns).
      queueMicrotask(() => this.#deps.writeSetting(ids[level], oldValue));
    }
  }
}
