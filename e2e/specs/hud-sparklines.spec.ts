// The tiles' sparklines on a fake-GPU host of their own: a page opened while the server has been
// sampling draws the last minutes at once from GET /monitor/history (its socket kept away, so no
// event can have drawn them), a live page's lines grow with the events, a missing figure breaks the
// line, and the setting takes them away and brings them back. Screenshots in artifacts/screenshots/.
import { monitorEvents } from "../helpers/monitorEvents";
import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { SPARKLINE_MINUTES, SPARKLINES, Sparklines } from "../pages/Sparklines";

const SHOTS = "../artifacts/screenshots";
/** Samples the server has taken before the first page opens. */
const PRIMED = 8;

let host: StandaloneHostProcess;

// Screenshots at twice the pixels: a sparkline is a thin line.
test.use({ deviceScaleFactor: 2 });

test.beforeAll(async () => {
  host = await StandaloneHostProcess.start(["--fake-gpus"]);
  // Reading the history is a reader looking: the server samples at its interval meanwhile.
  await expect
    .poll(async () => ((await (await fetch(`${host.url}/swissarmyknife/monitor/history?seconds=600`)).json()) as { samples: unknown[] }).samples.length, {
      timeout: 30_000,
      intervals: [1000],
    })
    .toBeGreaterThanOrEqual(PRIMED);
});

test.afterAll(async () => {
  await host?.dispose();
});

test("a page just opened draws the server's recent samples in every tile at once", async ({ page, bar }) => {
  // No socket: every point drawn comes from the history.
  await page.routeWebSocket(/\/ws/, () => {});
  const history = page.waitForResponse((r) => r.url().includes("/api/swissarmyknife/monitor/history?seconds=300"));
  await bar.open(`${host.url}/`);
  expect((await history).ok()).toBe(true);
  const lines = new Sparklines(bar);
  const tiles = await bar.tileIds();
  expect(tiles).toHaveLength(9);
  await expect(lines.all()).toHaveCount(tiles.length);
  // Five minutes shown: a point per 3 s, so two samples 2 s apart may share one.
  for (const id of tiles) expect(await lines.points(id), id).toBeGreaterThanOrEqual(PRIMED / 2);
  // Drawn under the text, inside the tile: the bar keeps its size.
  const tile = await bar.tile("gpu-0").boundingBox();
  const line = await lines.all().first().boundingBox();
  expect(line!.height).toBeLessThanOrEqual(tile!.height);
  await bar.screenshot(`${SHOTS}/sparklines-bar.png`);
});

test("the lines grow with each event; a missing figure breaks the line; off removes them, on draws them again", async ({ page, bar }) => {
  test.setTimeout(60_000);
  await bar.open(`${host.url}/`);
  const lines = new Sparklines(bar);
  // One minute shown: at the 2 s interval every sample has its own point.
  await lines.set(SPARKLINE_MINUTES, 1);
  await expect.poll(() => lines.points("cpu")).toBeGreaterThan(0);
  const before = await lines.points("cpu");
  await expect.poll(() => lines.points("cpu"), { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 2);

  // GPU 0's utilization missing for two samples: its line stops short of the right edge, then starts
  // again after a hole (samples 2 s apart are 3.3 x units apart in a minute; two missing, 10).
  const change = (missing: boolean) => page.request.post(`${host.url}/swissarmyknife/standalone/fake-gpu`, { data: { index: 0, metric: "utilization_percent", missing } });
  try {
    await change(true);
    await expect(bar.value("gpu-0")).toHaveText("--", { timeout: 10_000 });
    await monitorEvents(page, 2);
    expect((await lines.runs("gpu-0")).at(-1)!.at(-1)).toBeLessThan(95);
  } finally {
    await change(false);
  }
  await expect(bar.value("gpu-0")).toHaveText(/^\d{1,3}%$/, { timeout: 10_000 });
  await expect
    .poll(
      async () => {
        const runs = await lines.runs("gpu-0");
        const [earlier, last] = [runs.at(-2), runs.at(-1)];
        return earlier && last && last.length >= 2 ? last[0]! - earlier.at(-1)! : 0;
      },
      { timeout: 10_000 },
    )
    .toBeGreaterThanOrEqual(6);
  await bar.screenshot(`${SHOTS}/sparklines-gap.png`);
  await bar.group("gpu-0").screenshot({ path: `${SHOTS}/sparklines-gpu-gap.png` });

  await lines.set(SPARKLINES, false);
  await expect(lines.all()).toHaveCount(0);
  const reread = page.waitForResponse((r) => r.url().includes("/api/swissarmyknife/monitor/history?seconds=60"));
  await lines.set(SPARKLINES, true);
  await reread;
  await expect(lines.all()).toHaveCount(9);
  expect(await lines.points("cpu")).toBeGreaterThan(before);
  await lines.set(SPARKLINE_MINUTES, 5);
});
