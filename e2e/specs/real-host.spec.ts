// With this machine's real telemetry: the bar shows exactly the tiles its capabilities allow.
import { expect, test } from "@playwright/test";

import { ResourceMonitorBar } from "../pages/ResourceMonitorBar";

test("tiles follow the real machine's capabilities", async ({ page, request }) => {
  const status = await (await request.get("/swissarmyknife/monitor/status")).json();
  const bar = new ResourceMonitorBar(page);
  await bar.open();

  const ids = await bar.tileIds();
  expect(ids.slice(0, 2)).toEqual(["cpu", "ram"]);
  const gpuTiles = ids.filter((id) => /^(gpu|vram)-\d+$/.test(id));
  const expected = status.gpu.devices.flatMap((d: { index: number; supports: { utilization: boolean; vram: boolean } }) => [
    ...(d.supports.utilization ? [`gpu-${d.index}`] : []),
    ...(d.supports.vram ? [`vram-${d.index}`] : []),
  ]);
  expect(gpuTiles).toEqual(expected);
  expect(ids.includes("cpu-temp")).toBe(status.hardware.cpu_temperature_available);
  await expect(bar.root).not.toContainText("NaN");
  await page.screenshot({ path: "../artifacts/screenshots/foundation-real-host.png" });
});
