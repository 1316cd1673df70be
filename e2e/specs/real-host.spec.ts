// With this machine's real telemetry: the bar shows exactly the tiles its capabilities allow
// (on a machine without a GPU: no GPU group at all).
import { expect, test } from "../fixtures";

interface Device {
  index: number;
  supports: { utilization: boolean; vram: boolean; temperature: boolean };
}

test("tiles follow the real machine's capabilities", async ({ page, request, bar }) => {
  const status = await (await request.get("/swissarmyknife/monitor/status")).json();
  await bar.open();

  const ids = await bar.tileIds();
  expect(ids.slice(0, 2)).toEqual(["cpu", "ram"]);
  const gpuTiles = ids.filter((id) => /^(gpu|vram|gpu-temp)-\d+$/.test(id));
  const expected = (status.gpu.devices as Device[]).flatMap((d) => [
    ...(d.supports.utilization ? [`gpu-${d.index}`] : []),
    ...(d.supports.vram ? [`vram-${d.index}`] : []),
    ...(d.supports.temperature ? [`gpu-temp-${d.index}`] : []),
  ]);
  expect(gpuTiles).toEqual(expected);
  expect(ids.includes("cpu-temp")).toBe(status.hardware.cpu_temperature_available);
  await expect(bar.root.locator('[data-kind="gpu"]')).toHaveCount(status.gpu.devices.length);
  await expect(bar.value("cpu")).toHaveText(/^(\d{1,3}%|--)$/);
  await expect(bar.value("ram")).toHaveText(/^\d+(\.\d)?\/\d+(\.\d)? GiB$/);
  await page.screenshot({ path: "../artifacts/screenshots/foundation-real-host.png" });
  await bar.screenshot("../artifacts/screenshots/hud-real-host.png");
});

test("no GPU on this machine means no GPU tiles", async ({ request, bar }) => {
  const status = await (await request.get("/swissarmyknife/monitor/status")).json();
  test.skip(status.gpu.devices.length > 0, "this machine has a GPU");
  await bar.open();
  await expect(bar.tiles()).not.toHaveCount(0);
  expect((await bar.tileIds()).filter((id) => /^(gpu|vram)/.test(id))).toEqual([]);
});
