// A server restart: the test runs a standalone host of its own, stops it (by pid) and starts it again
// on the same port; the bar goes stale, reconnects and refetches the status, then updates live again.
import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";

// While the server is down the browser itself logs the refused socket and requests.
test.use({ allowedConsoleErrors: /WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|Failed to load resource/ });

test("after a server restart the bar reconnects and refreshes", async ({ page, bar }) => {
  test.setTimeout(90_000);
  const host = await StandaloneHostProcess.start(["--fake-gpus"]);
  try {
    await bar.open(`${host.url}/`);
    await expect(bar.value("gpu-0")).toHaveText(/^\d{1,3}%$/);

    await host.stop();
    await expect(bar.root).toHaveAttribute("data-stale", "true");

    const refetched = page.waitForRequest((r) => r.url() === `${host.url}/api/swissarmyknife/monitor/status`);
    const live = page.waitForEvent("websocket", { timeout: 30_000 });
    await host.start();
    await live;
    await refetched;
    await expect(bar.root).not.toHaveAttribute("data-stale", { timeout: 15_000 });
    await expect(bar.root).toHaveAttribute("data-state", "ready");

    // Live again: a new event changes the CPU tile's sample time.
    const fresh = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const api = (window as unknown as { comfyAPI: { api: { api: EventTarget } } }).comfyAPI.api.api;
          api.addEventListener("swissarmyknife.monitor", (e) => resolve((e as CustomEvent<{ snapshot: { sampled_at: number } }>).detail.snapshot.sampled_at), {
            once: true,
          });
        }),
    );
    expect(fresh).toBeGreaterThan(Date.now() / 1000 - 30);
    await expect(bar.value("vram-1")).toHaveText(/\/48 GiB$/);
  } finally {
    await host.dispose();
  }
});
