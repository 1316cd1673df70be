// Main-thread cost of one telemetry update in chromium (500 events through the shim's api, each
// followed by Svelte's flush and a frame), and the bundle's gzip size. Writes the figures to
// artifacts/bench/hud_update_cost.md; with SWISSARMYKNIFE_BENCH_RECORD=1 also to bench/results/.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

import { expect, test } from "../fixtures";
import { machineSection, writeBenchReport } from "../helpers/benchReport";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const UPDATES = 500;
const BUDGET_MS = 1;
// The whole bundle: the bar and, since issue 13, the profiler's popup, modal and charts (uPlot).
const BUNDLE_BUDGET_BYTES = 120 * 1024;

interface Measured {
  perUpdateMs: number[];
  stale: number;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.min(sorted.length, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1]!;
}

function bundleSizes(): { file: string; bytes: number; gzip: number }[] {
  const dist = path.join(ROOT, "dist");
  return readdirSync(dist)
    .filter((f) => f.endsWith(".js"))
    .map((file) => {
      const content = readFileSync(path.join(dist, file));
      return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
    });
}

test("one telemetry update costs under 1 ms of main-thread script; the bundle is under 120 kB gzip", async ({ page, request, bar, browser }) => {
  test.setTimeout(120_000);
  const status = await (await request.get("/swissarmyknife/monitor/status")).json();
  await bar.open();

  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = async () =>
    Object.fromEntries(((await cdp.send("Performance.getMetrics")).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]));
  const before = await metrics();

  const measured: Measured = await page.evaluate(
    async ({ count, base, version }) => {
      const api = (window as unknown as { comfyAPI: { api: { api: EventTarget } } }).comfyAPI.api.api;
      const cpuTile = document.querySelector('[data-tile="cpu"]');
      const perUpdateMs: number[] = [];
      let stale = 0;
      for (let i = 0; i < count; i++) {
        const cpu = (i * 37) % 100;
        const detail = {
          type: "monitor",
          capabilities_version: version,
          snapshot: {
            ...base,
            sampled_at: base.sampled_at + i,
            cpu_percent: cpu,
            gpus: base.gpus.map((g: Record<string, number>, n: number) => ({ ...g, utilization_percent: (i * 7 + n * 31) % 100 })),
          },
        };
        const started = performance.now();
        api.dispatchEvent(new CustomEvent("swissarmyknife.monitor", { detail }));
        // Svelte flushes its batch in a microtask queued during the dispatch, before this one.
        await Promise.resolve();
        perUpdateMs.push(performance.now() - started);
        if (cpuTile?.getAttribute("aria-valuetext") !== `${cpu}%`) stale++;
        // One update per frame, as real events (seconds apart) would each get their own.
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
      return { perUpdateMs, stale };
    },
    { count: UPDATES, base: status.snapshot, version: status.capabilities_version },
  );
  const after = await metrics();

  expect(measured.stale, "the DOM showed each update before the measurement ended").toBe(0);
  const median = percentile(measured.perUpdateMs, 0.5);
  const p95 = percentile(measured.perUpdateMs, 0.95);
  const p99 = percentile(measured.perUpdateMs, 0.99);
  const mean = measured.perUpdateMs.reduce((a, b) => a + b, 0) / measured.perUpdateMs.length;
  const per = (name: string) => (((after[name] ?? 0) - (before[name] ?? 0)) * 1000) / UPDATES;
  const bundles = bundleSizes();
  const gzipTotal = bundles.reduce((n, b) => n + b.gzip, 0);

  const report = `# HUD update cost and bundle size

Recorded ${new Date().toISOString()} by \`e2e/specs/hud-perf.spec.ts\` (Playwright, headless chromium ${browser.version()}),
against the standalone host with two simulated GPUs (9 tiles).

## One telemetry update (${UPDATES} \`swissarmyknife.monitor\` events)

Each event is dispatched on the shim's ComfyUI \`api\` object with a new snapshot (CPU and both GPUs
change); the time runs from the dispatch to the end of Svelte's flush (the DOM shows the new value,
checked for every update), then the page renders a frame before the next event.

| measure | per update |
|---|---:|
| script, median (performance.now) | ${median.toFixed(3)} ms |
| script, p95 | ${p95.toFixed(3)} ms |
| script, p99 | ${p99.toFixed(3)} ms |
| script, mean | ${mean.toFixed(3)} ms |
| CDP ScriptDuration (all page script, incl. the harness and rAF) | ${per("ScriptDuration").toFixed(3)} ms |
| CDP RecalcStyleDuration | ${per("RecalcStyleDuration").toFixed(3)} ms |
| CDP LayoutDuration | ${per("LayoutDuration").toFixed(3)} ms |

\`performance.now()\` is coarsened to 0.1 ms in a page that is not cross-origin isolated, so the
script figures are multiples of 0.1 ms; CDP's durations are exact but include the harness.

Budget: < ${BUDGET_MS} ms of main-thread script per update: **${median < BUDGET_MS ? "within budget" : "OVER BUDGET"}** (median).

## Bundle

${bundles.map((b) => `- \`dist/${b.file}\`: ${(b.bytes / 1024).toFixed(1)} kB, ${(b.gzip / 1024).toFixed(1)} kB gzip (level 9)`).join("\n")}

Budget: < ${BUNDLE_BUDGET_BYTES / 1024} kB gzip: **${gzipTotal < BUNDLE_BUDGET_BYTES ? "within budget" : "OVER BUDGET"}**.

${machineSection(browser.version())}`;
  writeBenchReport("hud_update_cost.md", report);

  // The time budget is a benchmark figure (recorded above), not an assertion: on a shared machine a
  // timed assertion fails for reasons that are not the code's. The bundle size is deterministic.
  expect(gzipTotal).toBeLessThan(BUNDLE_BUDGET_BYTES);
});
