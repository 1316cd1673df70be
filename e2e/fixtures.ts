// Shared fixtures: every test fails on a console error or page error it did not expect, and on "NaN"
// anywhere in the bar.
import { expect, test as base } from "@playwright/test";

import { ResourceMonitorBar } from "./pages/ResourceMonitorBar";

interface Fixtures {
  bar: ResourceMonitorBar;
  /** Console errors a test expects (e.g. the browser's own lines while a server is down). */
  allowedConsoleErrors: RegExp | null;
  consoleErrors: string[];
}

export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [null, { option: true }],
  consoleErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() !== "error") return;
        const text = msg.text();
        if (!allowedConsoleErrors?.test(text)) errors.push(text);
      });
      await use(errors);
      expect(errors, "no console errors").toEqual([]);
    },
    { auto: true },
  ],
  bar: async ({ page }, use) => {
    const bar = new ResourceMonitorBar(page);
    await use(bar);
    if ((await bar.root.count()) > 0) {
      expect(await bar.root.innerText(), "the bar never shows NaN").not.toContain("NaN");
    }
  },
});

export { expect };
