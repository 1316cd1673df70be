// Main-thread cost of one telemetry update with a sparkline in every tile, against the same update
// without them, at the 0.5 s interval (the most samples a window holds), with 2 and 8 fake GPUs, in
// interleaved blocks; medians. Writes artifacts/bench/hud_sparklines.md (with
// SWISSARMYKNIFE_BENCH_RECORD=1 also bench/results/). The figures are recorded, never asserted.
import type { Page } from "@playwright/test";

import { machineSection, writeBenchReport } from "../helpers/benchReport";
import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import type { ResourceMonitorBar } from "../pages/ResourceMonitorBar";
import { SPARKLINES, Sparklines } from "../pages/Sparklines";

const INTERVAL_S = 0.5;
const WINDOW_S = 300;
/** Updates per block; blocks alternate on, off, on, off... */
const UPDATES = 150;
const BLOCKS = 10;
const BUDGET_MS = 2;

interface Block {
  on: boolean;
  perUpdateMs: number[];
  script: number;
  style: number;
  layout: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `count` GPUs: the host's two fake devices repeated, indices 0..count-1. */
function withGpus<T extends { index: number }>(devices: T[], count: number): T[] {
  return Array.from({ length: count }, (_, index) => ({ ...devices[index % devices.length]!, index }));
}

/**
 * Dispatches `count` monitor events on the shim's api, each `INTERVAL_S` after the last (from
 * `start`), values changing on every tile. `timed`: each is followed by Svelte's flush, timed, then a
 * frame; otherwise they go in one go (filling the rings).
 */
async function dispatch(page: Page, base: unknown, version: number, start: number, count: number, timed: boolean): Promise<number[]> {
  return page.evaluate(
    async ({ base, version, start, count, timed, interval }) => {
      const api = (window as unknown as { comfyAPI: { api: { api: EventTarget } } }).comfyAPI.api.api;
      const snapshot = base as { gpus: Record<string, number>[] };
      const perUpdateMs: number[] = [];
      for (let i = start; i < start + count; i++) {
        const detail = {
          type: "monitor",
          capabilities_version: version,
          snapshot: {
            ...snapshot,
            sampled_at: 2_000_000_000 + i * interval,
            cpu_percent: (i * 37) % 100,
            cpu_temperature_c: 40 + ((i * 13) % 50),
            ram_used_bytes: ((i * 7) % 100) * 2 ** 29,
            gpus: snapshot.gpus.map((g, n) => ({
              ...g,
              utilization_percent: (i * 7 + n * 31) % 100,
              vram_used_bytes: ((i * 3 + n * 11) % 100) * 2 ** 27,
              temperature_c: 30 + ((i * 5 + n) % 60),
            })),
          },
        };
        const started = performance.now();
        api.dispatchEvent(new CustomEvent("swissarmyknife.monitor", { detail }));
        if (!timed) continue;
        // Svelte flushes its batch in a microtask queued during the dispatch, before this one.
        await Promise.resolve();
        perUpdateMs.push(performance.now() - started);
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
      await new Promise((resolve) => requestAnimationFrame(resolve));
      return perUpdateMs;
    },
    { base, version, start, count, timed, interval: INTERVAL_S },
  );
}

async function measure(page: Page, gpus: number, bar: ResourceMonitorBar) {
  // Only the events the test sends: the socket is kept away. The status says `gpus` GPUs.
  await page.routeWebSocket(/\/ws/, () => {});
  let status: { capabilities_version: number; snapshot: { gpus: { index: number }[] }; gpu: { devices: { index: number }[] } } | null = null;
  await page.route("**/api/swissarmyknife/monitor/status", async (route) => {
    const real = await (await route.fetch()).json();
    real.gpu.devices = withGpus(real.gpu.devices, gpus);
    real.snapshot.gpus = withGpus(real.snapshot.gpus, gpus);
    status = real;
    await route.fulfill({ json: real });
  });
  await bar.open(`${host.url}/`);
  await expect(bar.tiles()).toHaveCount(3 + 3 * gpus);
  const lines = new Sparklines(bar);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = async () =>
    Object.fromEntries(((await cdp.send("Performance.getMetrics")).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]));

  const { snapshot, capabilities_version: version } = status!;
  let next = 0;
  const blocks: Block[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    const on = b % 2 === 0;
    // On again reads the server's history: merged before the block, not during it.
    const history = on && b > 0 ? page.waitForResponse((r) => r.url().includes("/monitor/history")) : null;
    await lines.set(SPARKLINES, on);
    await history;
    // A full window first, untimed: the rings hold what they would after five minutes.
    await dispatch(page, snapshot, version, next, WINDOW_S / INTERVAL_S, false);
    next += WINDOW_S / INTERVAL_S;
    await expect(lines.all()).toHaveCount(on ? 3 + 3 * gpus : 0);
    const before = await metrics();
    const perUpdateMs = await dispatch(page, snapshot, version, next, UPDATES, true);
    const after = await metrics();
    next += UPDATES;
    const per = (name: string) => (((after[name] ?? 0) - (before[name] ?? 0)) * 1000) / UPDATES;
    blocks.push({ on, perUpdateMs, script: per("ScriptDuration"), style: per("RecalcStyleDuration"), layout: per("LayoutDuration") });
  }
  // Every tile's line spans the window: about a point per x unit.
  await lines.set(SPARKLINES, true);
  await dispatch(page, snapshot, version, next, WINDOW_S / INTERVAL_S, false);
  const points = await lines.points("cpu");
  await cdp.detach();
  return { gpus, blocks, points };
}

function summary(run: Awaited<ReturnType<typeof measure>>) {
  const of = (on: boolean) => run.blocks.filter((b) => b.on === on);
  const figures = (on: boolean) => ({
    median: median(of(on).flatMap((b) => b.perUpdateMs)),
    mean: of(on).flatMap((b) => b.perUpdateMs).reduce((a, v, _, all) => a + v / all.length, 0),
    script: median(of(on).map((b) => b.script)),
    style: median(of(on).map((b) => b.style)),
    layout: median(of(on).map((b) => b.layout)),
  });
  return { on: figures(true), off: figures(false) };
}

let host: StandaloneHostProcess;
const runs: Awaited<ReturnType<typeof measure>>[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  host = await StandaloneHostProcess.start(["--fake-gpus"]);
  // The interval the rings are sized for: 601 samples in five minutes.
  const put = await fetch(`${host.url}/swissarmyknife/monitor/settings`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sample_interval_s: INTERVAL_S }),
  });
  expect(put.ok).toBe(true);
});

for (const gpus of [2, 8]) {
  test(`sparklines in every tile at 0.5 s, ${gpus} GPUs: main-thread time per update, on against off`, async ({ page, bar }) => {
    test.setTimeout(180_000);
    const run = await measure(page, gpus, bar);
    runs.push(run);
    // Measured, not asserted against a time (a shared machine's timing is no test): every block ran.
    expect(run.blocks).toHaveLength(BLOCKS);
    for (const block of run.blocks) expect(block.perUpdateMs).toHaveLength(UPDATES);
    expect(run.points).toBeGreaterThan(80);
  });
}

test.afterAll(async ({ browser }) => {
  await host?.dispose();
  if (runs.length === 0) return;
  const rows = runs.map((run) => {
    const { on, off } = summary(run);
    return { run, on, off };
  });
  const ms = (value: number) => `${value.toFixed(3)} ms`;
  const report = `# HUD sparklines: cost per update

Recorded ${new Date().toISOString()} by \`e2e/specs/hud-sparklines-perf.spec.ts\` (Playwright, headless chromium
${browser.version()}), against the standalone host with fake GPUs, its sample interval at ${INTERVAL_S} s (the
shortest: a five-minute window holds ${WINDOW_S / INTERVAL_S + 1} samples per tile).

## Method

The page's socket is kept away and the status says 2 or 8 GPUs (the host's two fake models
repeated: 9 or 27 tiles). ${BLOCKS} blocks of ${UPDATES} \`swissarmyknife.monitor\` events alternate sparklines on and off
(the setting); before each block a full window of events (${WINDOW_S / INTERVAL_S}, ${INTERVAL_S} s apart, untimed) fills the
rings, so every tile's line spans the window (${rows[0]?.run.points ?? "--"} points on the CPU tile's). Each timed event changes every
tile; its time runs from the dispatch to the end of Svelte's flush (the tiles' values and every
sparkline's path redrawn), then the page renders a frame before the next. Medians over the blocks of
each kind; CDP's durations are per update, the median of the blocks.

| GPUs (tiles) | sparklines | script, median (performance.now) | script, mean | CDP ScriptDuration | CDP RecalcStyle | CDP Layout |
|---|---|---:|---:|---:|---:|---:|
${rows
  .flatMap(({ run, on, off }) =>
    [
      [`${run.gpus} (${3 + 3 * run.gpus})`, "on", on],
      ["", "off", off],
    ].map(([gpus, kind, f]) => {
      const figures = f as ReturnType<typeof summary>["on"];
      return `| ${gpus} | ${kind} | ${ms(figures.median)} | ${ms(figures.mean)} | ${ms(figures.script)} | ${ms(figures.style)} | ${ms(figures.layout)} |`;
    }),
  )
  .join("\n")}

What the sparklines add per update (on minus off, medians):

${rows.map(({ run, on, off }) => `- ${run.gpus} GPUs: script ${ms(on.median - off.median)} (performance.now), ${ms(on.script - off.script)} (CDP ScriptDuration); style ${ms(on.style - off.style)}; layout ${ms(on.layout - off.layout)}`).join("\n")}

A path's \`d\` is also a CSS property (a presentation attribute), so a new path restyles that one
element; the SVG, absolutely placed in its tile, lays out its own content only.

\`performance.now()\` is coarsened to 0.1 ms in a page that is not cross-origin isolated; CDP's
durations are exact but include the harness.

Budget: sparklines for every tile < ${BUDGET_MS} ms of main-thread time per update:
${rows
  .map(({ run, on, off }) => {
    const added = Math.max(on.median - off.median, on.script - off.script) + Math.max(0, on.style - off.style) + Math.max(0, on.layout - off.layout);
    return `- ${run.gpus} GPUs: ${ms(added)}, **${added < BUDGET_MS ? "within budget" : "OVER BUDGET"}**`;
  })
  .join("\n")}

(the script added, by the larger of its two measures, plus the style and layout added).

${machineSection(browser.version())}`;
  writeBenchReport("hud_sparklines.md", report);
});
