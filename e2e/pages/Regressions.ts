// Page object for issue 15's browser side: the popup's regression flag, the Analytics tab's
// Regressions section, the baseline controls (Previous, the comparison) and the comparison's
// environment differences.
import type { Locator, Page } from "@playwright/test";

export class RegressionsPage {
  readonly popupFlag: Locator;
  readonly section: Locator;
  readonly compare: Locator;
  readonly environment: Locator;

  constructor(readonly page: Page) {
    this.popupFlag = page.locator("#swissarmyknife-profiler-popup [data-regression]");
    this.section = page.locator('[data-tab="analytics"] [data-regressions]');
    this.compare = page.locator('[data-tab="previous"] [data-compare]');
    this.environment = this.compare.locator("[data-environment]");
  }

  flag(workflowHash: string): Locator {
    return this.section.locator(`[data-flag="${workflowHash}"]`);
  }

  /** Whether the middle of `locator` is drawn by it (nothing on top), as a user's eye and click find it. */
  async onTop(locator: Locator): Promise<boolean> {
    return locator.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    });
  }
}
