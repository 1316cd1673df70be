// The GPU inspector on a fake-GPU host of its own: opened from a GPU tile's menu it shows the fake
// GPU's driver, memory (this ComfyUI's and the other processes' share), clocks, processes and the
// model loaded on it; a metric the fake stops reporting reads "--" at the next reading; Escape closes
// it, and closed it reads the GPU no more. Screenshots in artifacts/screenshots/.
import { monitorEvents } from "../helpers/monitorEvents";
import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { GpuInspector } from "../pages/GpuInspector";

const SHOTS = "../artifacts/screenshots";

let host: StandaloneHostProcess;

test.beforeAll(async () => {
  host = await StandaloneHostProcess.start(["--fake-gpus"]);
});

test.afterAll(async () => {
  await host?.dispose();
});

test("shows the fake GPU's figures, -- for a missing metric, closes with Escape and stops reading", async ({ page, bar }) => {
  test.setTimeout(60_000);
  const reads: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/swissarmyknife/monitor/gpus/")) reads.push(r.url());
  });
  await bar.open(`${host.url}/`);
  const inspector = new GpuInspector(page);
  await inspector.openFrom(bar, "vram-0");
  await expect(inspector.dialog).toHaveAccessibleName("GPU 0");
  expect(reads[0]).toMatch(/\/monitor\/gpus\/0$/);

  // The fake's driver and clocks, its memory split 70/30 between this process and another program.
  const api = (await (await fetch(`${host.url}/swissarmyknife/monitor/gpus/0`)).json()) as { processes: { pid: number }[] };
  await expect(inspector.dialog.getByRole("heading", { name: "NVIDIA GeForce RTX 3090 Ti" })).toBeVisible();
  await expect(inspector.figure("Driver")).toHaveText("580.95.05");
  await expect(inspector.figure("CUDA")).toHaveText("13.0");
  await expect(inspector.figure("Memory total")).toHaveText("24.0 GiB");
  await expect(inspector.figure("Used by other processes")).toHaveText(/^\d+(\.\d)? GiB$/);
  await expect(inspector.figure("Used by this ComfyUI")).toHaveText(/^\d+(\.\d)? GiB$/);
  await expect(inspector.figure("SM clock / max")).toHaveText(/^[\d,]+ \/ 2,100 MHz$/);
  await expect(inspector.figure("Power / limit")).toHaveText(/^\d+ \/ 450 W$/);
  const ours = api.processes[0]!.pid;
  await expect(inspector.section("Processes")).toContainText(`(pid ${ours}, compute, this ComfyUI)`);
  await expect(inspector.figure("blender (pid 4242, graphics)")).toHaveText(/GiB$/);
  await expect(inspector.figure("sd_xl_base_1.0")).toHaveText("6.0 GiB");
  await page.screenshot({ path: `${SHOTS}/gpu-inspector.png` });

  // Re-read while open: the temperature the fake stops reporting reads "--" at the next reading.
  const change = (missing: boolean) => page.request.post(`${host.url}/swissarmyknife/standalone/fake-gpu`, { data: { index: 0, metric: "temperature_c", missing } });
  try {
    await change(true);
    await expect(inspector.figure("Temperature")).toHaveText("--", { timeout: 10_000 });
    await page.screenshot({ path: `${SHOTS}/gpu-inspector-missing.png` });
  } finally {
    await change(false);
  }
  await expect(inspector.figure("Temperature")).toHaveText(/°C$/, { timeout: 10_000 });
  expect(reads.length).toBeGreaterThanOrEqual(3);

  await page.keyboard.press("Escape");
  await expect(inspector.dialog).toHaveCount(0);
  const closedAt = reads.length;
  // Four events, 8 s: more than two of its reading intervals.
  await monitorEvents(page, 4);
  expect(reads).toHaveLength(closedAt);
});
