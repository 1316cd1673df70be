// The extension loads in the standalone host, fetches the status through the typed client, and
// renders the bar with one tile per metric the (simulated) machine has.
import { expect, test } from "../fixtures";

test.describe("foundation: standalone host with two simulated GPUs", () => {
  test("the bar renders tiles for CPU, RAM and both GPUs, labelled with compact model names", async ({ page, bar }) => {
    await bar.open();

    await expect(bar.label("cpu")).toHaveText("CPU");
    await expect(bar.value("cpu")).toHaveText(/^\d{1,3}%$/);
    await expect(bar.value("ram")).toHaveText(/^\d+(\.\d)?\/\d+(\.\d)? GiB$/);
    await expect(bar.label("gpu-0")).toHaveText("GPU 0 (3090Ti)");
    await expect(bar.tile("vram-1")).toHaveAccessibleName("VRAM 1 (A6000)");
    await expect(bar.value("vram-1")).toHaveText(/\/48 GiB$/);

    const box = await bar.box();
    const viewport = page.viewportSize();
    expect(Math.round(box.y)).toBe(50);
    expect(Math.abs(box.x + box.width / 2 - viewport!.width / 2)).toBeLessThanOrEqual(1);

    await page.screenshot({ path: "../artifacts/screenshots/foundation-fake-gpus.png" });
  });

  test("the status request goes through ComfyUI's fetchApi (the /api prefix)", async ({ page, bar }) => {
    const requests: string[] = [];
    page.on("request", (req) => requests.push(new URL(req.url()).pathname));
    await bar.open();
    expect(requests).toContain("/api/swissarmyknife/monitor/status");
    expect(requests).not.toContain("/swissarmyknife/monitor/status");
  });
});
