// The GPU inspector (components/hud/GpuInspector.svelte): a dialog over the page, opened from a GPU
// tile's menu; its sections are lists of labelled figures.
import { expect, type Locator, type Page } from "@playwright/test";

import type { ResourceMonitorBar } from "./ResourceMonitorBar";

export class GpuInspector {
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.locator("#swissarmyknife-gpu-inspector");
  }

  /** Opens it on a GPU tile's menu ("Open GPU inspector") and waits for its first reading. */
  async openFrom(bar: ResourceMonitorBar, tileId: string): Promise<void> {
    await bar.tile(tileId).click({ button: "right" });
    await bar.root.getByRole("menuitem", { name: "Open GPU inspector" }).click();
    await expect(this.dialog).toBeVisible();
    await expect(this.dialog.locator("dl").first()).toBeVisible();
  }

  section(title: string): Locator {
    return this.dialog.locator(`dl[aria-label="${title}"]`);
  }

  /** The figure beside `label` (its <dd>). */
  figure(label: string): Locator {
    return this.dialog.locator("dt", { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }).locator("xpath=following-sibling::dd[1]");
  }
}
