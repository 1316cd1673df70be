// Time passing as the server tells it: resolves after the page has received `count` monitor events
// (one per sample interval), for a test that waits for what should, or should not, happen meanwhile.
import type { Page } from "@playwright/test";

export function monitorEvents(page: Page, count: number): Promise<void> {
  return page.evaluate(
    (wanted) =>
      new Promise<void>((resolve) => {
        const api = (window as unknown as { comfyAPI: { api: { api: EventTarget } } }).comfyAPI.api.api;
        let seen = 0;
        const listener = () => {
          if (++seen < wanted) return;
          api.removeEventListener("swissarmyknife.monitor", listener);
          resolve();
        };
        api.addEventListener("swissarmyknife.monitor", listener);
      }),
    count,
  );
}
