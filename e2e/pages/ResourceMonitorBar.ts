// Page object for the floating resource monitor bar.
import { expect, type Locator, type Page } from "@playwright/test";

export class ResourceMonitorBar {
  readonly root: Locator;
  readonly inner: Locator;

  constructor(readonly page: Page) {
    this.root = page.locator("#swissarmyknife-resource-monitor");
    this.inner = page.locator("#swissarmyknife-resource-monitor-inner");
  }

  /** Opens the standalone host and waits until the bar shows live data. */
  async open(): Promise<void> {
    await this.page.goto("/");
    await expect(this.page.locator("body")).toHaveAttribute("data-standalone-ready", "true");
    await expect(this.root).toHaveAttribute("data-state", "ready");
  }

  tile(id: string): Locator {
    return this.root.locator(`[data-tile="${id}"]`);
  }

  tiles(): Locator {
    return this.root.locator("[data-tile]");
  }

  async tileIds(): Promise<string[]> {
    return this.tiles().evaluateAll((els) => els.map((el) => el.getAttribute("data-tile") ?? ""));
  }

  value(id: string): Locator {
    return this.tile(id).locator(".swissarmyknife-tile-value");
  }

  label(id: string): Locator {
    return this.tile(id).locator(".swissarmyknife-tile-label");
  }
}
