// The standalone host's graph (its shim of ComfyUI's canvas, scripts/graph.js) and the badges on its
// nodes as a person sees them: each node's badge row above its title, ComfyUI's "#id" first.
import type { Locator, Page } from "@playwright/test";

export const BADGE_MODE = "SwissArmyKnife.badges.mode";
export const BADGE_TIME = "SwissArmyKnife.badges.show_time";
export const BADGE_VRAM = "SwissArmyKnife.badges.show_vram";
export const BADGE_OPACITY = "SwissArmyKnife.badges.opacity";

export class GraphPage {
  constructor(readonly page: Page) {}

  node(id: string): Locator {
    return this.page.locator(`.standalone-node[data-node-id="${id}"]`);
  }

  /** The node's badges' texts, left to right (ComfyUI's "#id" first). */
  badges(id: string): Locator {
    return this.node(id).locator(".standalone-node-badge");
  }

  /** Our badge: the one that is not ComfyUI's "#id". */
  ours(id: string): Locator {
    return this.badges(id).filter({ hasNotText: /^#\d+$/ });
  }

  async showWorkflow(name: string): Promise<void> {
    await this.page.locator(".standalone-workflow-tabs button", { hasText: name }).click();
  }

  /** A ComfyUI setting, through the frontend's setting API (its onChange runs, as from the dialog). */
  async setSetting(id: string, value: unknown): Promise<void> {
    await this.page.evaluate(
      ([key, v]) =>
        (
          window as unknown as { comfyAPI: { app: { app: { extensionManager: { setting: { set(id: string, v: unknown): Promise<void> } } } } } }
        ).comfyAPI.app.app.extensionManager.setting.set(key as string, v),
      [id, value] as const,
    );
  }

  /** Whether the element at the middle of `locator` is it (nothing drawn over it). */
  async onTop(locator: Locator): Promise<boolean> {
    return locator.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit === el || el.contains(hit);
    });
  }

  /** The canvas's frames and setDirty calls so far. */
  counters(): Promise<{ frames: number; setDirtyCalls: number }> {
    return this.page.evaluate(() => {
      const canvas = (window as unknown as { comfyAPI: { app: { app: { canvas: { frames: number; setDirtyCalls: number } } } } }).comfyAPI.app.app.canvas;
      return { frames: canvas.frames, setDirtyCalls: canvas.setDirtyCalls };
    });
  }
}
