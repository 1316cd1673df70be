// The tiles' sparklines (components/hud/Sparkline.svelte): one SVG path per tile, drawn in a
// 100 x 100 box, "M" starting each unbroken run of samples and "L" joining the next point to it.
import type { Locator } from "@playwright/test";

import type { ResourceMonitorBar } from "./ResourceMonitorBar";

export const SPARKLINES = "SwissArmyKnife.sparklines.enabled";
export const SPARKLINE_MINUTES = "SwissArmyKnife.sparklines.window_minutes";

export class Sparklines {
  constructor(readonly bar: ResourceMonitorBar) {}

  /** Every sparkline in the bar. */
  all(): Locator {
    return this.bar.root.locator(".swissarmyknife-sparkline");
  }

  path(tileId: string): Locator {
    return this.bar.tile(tileId).locator(".swissarmyknife-sparkline path");
  }

  /** The tile's path as drawn ("" when it has none). */
  async d(tileId: string): Promise<string> {
    const path = this.path(tileId);
    return (await path.count()) > 0 ? ((await path.getAttribute("d")) ?? "") : "";
  }

  /** How many points the tile's line has. */
  async points(tileId: string): Promise<number> {
    return ((await this.d(tileId)).match(/[ML]/g) ?? []).length;
  }

  /** Its unbroken runs (a gap or a missing value starts another), each the x (0..100) of its points. */
  async runs(tileId: string): Promise<number[][]> {
    return (await this.d(tileId))
      .split("M")
      .slice(1)
      .map((run) => [...run.matchAll(/(?:^|L)(\d+) /g)].map((m) => Number(m[1])));
  }

  /** A ComfyUI setting, through the frontend's setting API (its onChange runs, as from the dialog). */
  async set(id: string, value: unknown): Promise<void> {
    await this.bar.page.evaluate(
      ([key, v]) =>
        (
          window as unknown as { comfyAPI: { app: { app: { extensionManager: { setting: { set(id: string, v: unknown): Promise<void> } } } } } }
        ).comfyAPI.app.app.extensionManager.setting.set(key as string, v),
      [id, value] as const,
    );
  }
}
