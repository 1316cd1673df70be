// Node badges against a demo host of its own (the shim's graph of the demo's workflows, its own
// LGraphBadge, badges shown as DOM): after a stored run each of its nodes shows our badge beside
// ComfyUI's "#id" with the figures the API has, on top; a run going on greys the last run's badges
// and each node takes its new one as it finishes; another workflow's tab shows none of them, back
// again shows them; hover-only shows one on the node under the pointer only; off shows none; the
// figures and the opacity follow the settings at once; an idle page draws no frame. Screenshots in
// artifacts/screenshots/node-badges-*.png.
import type { Page } from "@playwright/test";

import { startDemoHost } from "../helpers/demoHost";
import type { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { BADGE_MODE, BADGE_OPACITY, BADGE_VRAM, GraphPage } from "../pages/NodeBadges";
import { getJson } from "../helpers/api";

const SHOTS = "../artifacts/screenshots";
const TXT2IMG = "Text to image (SDXL)";
const UPSCALE = "Upscale 2x with face detail";

interface NodeRecord {
  node_id: string;
  parent_node_id: string | null;
  cache_hit: boolean;
  duration_ms: number | null;
}
interface Run {
  prompt_id: string;
  workflow_name: string | null;
  duration_ms: number | null;
  nodes: NodeRecord[];
}

let host: StandaloneHostProcess;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  host = await startDemoHost(0);
});

test.afterAll(async () => {
  await host?.dispose();
});

const api = <T>(route: string, init?: RequestInit): Promise<T> => getJson<T>(host.url, route, init);

async function latest(): Promise<Run> {
  const stats = await api<{ latest: Run }>("/swissarmyknife/profiler/stats?limit=1");
  return stats.latest;
}

/** Runs the demo's next workflow and waits until it is stored. */
async function runNext(): Promise<Run> {
  const before = (await latest()).prompt_id;
  await api("/swissarmyknife/standalone/demo/run", { method: "POST" });
  await expect.poll(async () => (await latest()).prompt_id, { timeout: 20_000 }).not.toBe(before);
  return latest();
}

/** As the frontend writes a duration: "4.20 s", "850 ms". */
function duration(ms: number): string {
  if (ms < 999.5) return `${ms < 9.95 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

async function openOn(page: Page, bar: { open(url: string): Promise<void> }, workflow: string): Promise<GraphPage> {
  await bar.open(`${host.url}/`);
  const graph = new GraphPage(page);
  await graph.setSetting(BADGE_MODE, "on");
  await graph.setSetting(BADGE_VRAM, true);
  await graph.setSetting(BADGE_OPACITY, 0.9);
  await graph.showWorkflow(workflow);
  return graph;
}

/** Runs until the latest stored run is of `workflow`. */
async function runUntil(workflow: string): Promise<Run> {
  let run = await latest();
  for (let i = 0; i < 10 && run.workflow_name !== workflow; i++) run = await runNext();
  expect(run.workflow_name).toBe(workflow);
  return run;
}

test("after a run each node shows its badge beside ComfyUI's, with the API's figures, on top", async ({ page, bar }) => {
  const run = await runUntil(TXT2IMG);
  const graph = await openOn(page, bar, TXT2IMG);
  const sampler = run.nodes.find((n) => n.node_id === "3")!;
  await expect(graph.ours("3")).toHaveText(new RegExp(`^${duration(sampler.duration_ms!).replace(".", "\\.")} · \\+\\d`));
  await expect(graph.badges("3").first()).toHaveText("#3");
  for (const node of run.nodes) {
    const badge = graph.ours(node.node_id);
    await expect(badge).toBeVisible();
    if (node.cache_hit) await expect(badge).toHaveText("♻ cached");
    expect(await graph.onTop(badge), `node ${node.node_id}'s badge is drawn on top`).toBe(true);
  }
  await page.screenshot({ path: `${SHOTS}/node-badges-on.png` });
});

test("another workflow's tab shows none of them; back again shows them", async ({ page, bar }) => {
  await runUntil(TXT2IMG);
  const graph = await openOn(page, bar, TXT2IMG);
  await expect(graph.ours("3")).toBeVisible();
  await graph.showWorkflow(UPSCALE);
  await expect(graph.node("1")).toBeVisible();
  for (const id of ["1", "2", "3", "4", "5", "6"]) await expect(graph.ours(id)).toHaveCount(0);
  await expect(graph.badges("1")).toHaveText(["#1"]);
  await graph.showWorkflow(TXT2IMG);
  await expect(graph.ours("3")).toBeVisible();
});

test("a subgraph node shows its group's wall-clock time", async ({ page, bar }) => {
  const run = await runUntil(UPSCALE);
  const graph = await openOn(page, bar, UPSCALE);
  const inner = run.nodes.filter((n) => n.parent_node_id === "5");
  expect(inner.length).toBe(3);
  await expect(graph.ours("5")).toHaveText(/^\d+(\.\d+)? (ms|s)/);
  await page.screenshot({ path: `${SHOTS}/node-badges-subgraph.png` });
});

test("a new run greys the last run's badges, each node takes its new one as it finishes", async ({ page, bar }) => {
  await runUntil(TXT2IMG);
  const graph = await openOn(page, bar, TXT2IMG);
  await expect(graph.ours("3")).toBeVisible();
  // What the page shows while the next run goes (it lasts well under a second at the demo's speed).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __badgeLog: string[] }).__badgeLog = seen;
    const observer = new MutationObserver(() => {
      for (const el of document.querySelectorAll('.standalone-node[data-node-id="9"] .standalone-node-badge')) seen.push(`9:${el.textContent}:${(el as HTMLElement).style.background}`);
      for (const el of document.querySelectorAll('.standalone-node[data-node-id="3"] .standalone-node-badge')) seen.push(`3:${el.textContent}:${(el as HTMLElement).style.background}`);
    });
    observer.observe(document.querySelector(".standalone-graph")!, { childList: true, subtree: true, characterData: true });
    const api = (window as unknown as { comfyAPI: { api: { api: EventTarget } } }).comfyAPI.api.api;
    for (const type of ["execution_start", "executing", "execution_success", "swissarmyknife.profiler"]) api.addEventListener(type, (e) => seen.push(`ev:${type}:${JSON.stringify((e as CustomEvent).detail)?.slice(0, 40)}`));
  });
  // The demo's script: some runs are of the other workflow, cached or interrupted; one cycle holds a
  // text-to-image run after a successful one, whose saver (node 9, it runs last) is greyed meanwhile.
  const read = () => page.evaluate(() => (window as unknown as { __badgeLog: string[] }).__badgeLog);
  const greyedIn = (log: string[]) => log.findIndex((line) => /^9:[^#]/.test(line) && line.includes("rgba(82, 82, 91"));
  for (let i = 0; i < 9 && greyedIn(await read()) < 0; i++) await runNext();
  const log = await read();
  const greyed = greyedIn(log);
  const running = log.findIndex((line, i) => i > greyed && line.startsWith("3:▶ running"));
  const stored = log.findIndex((line, i) => i > running && /^9:\d/.test(line) && !line.includes("rgba(82, 82, 91"));
  expect(greyed, `greyed: ${log.join(" | ")}`).toBeGreaterThanOrEqual(0);
  expect(running, `then the sampler running: ${log.join(" | ")}`).toBeGreaterThan(greyed);
  expect(stored, `then the saver's new badge: ${log.join(" | ")}`).toBeGreaterThan(running);
});

test("hover-only shows a badge on the node under the pointer only; off shows none; the figures and opacity follow the settings", async ({ page, bar }) => {
  await runUntil(TXT2IMG);
  const graph = await openOn(page, bar, TXT2IMG);
  await expect(graph.ours("3")).toBeVisible();

  await graph.setSetting(BADGE_VRAM, false);
  await expect(graph.ours("3")).toHaveText(/^\d+(\.\d+)? (ms|s)$/);
  await graph.setSetting(BADGE_OPACITY, 0.5);
  await expect.poll(() => graph.ours("3").evaluate((el) => (el as HTMLElement).style.background)).toContain("0.5)");

  await graph.setSetting(BADGE_MODE, "hover");
  await page.mouse.move(5, 700);
  await expect(graph.ours("3")).toHaveCount(0);
  await expect(graph.badges("3")).toHaveText(["#3"]);
  await graph.node("3").hover();
  await expect(graph.ours("3")).toBeVisible();
  await expect(graph.ours("8")).toHaveCount(0);
  expect(await graph.onTop(graph.ours("3"))).toBe(true);
  await page.screenshot({ path: `${SHOTS}/node-badges-hover.png` });
  await page.mouse.move(5, 700);
  await expect(graph.ours("3")).toHaveCount(0);

  await graph.setSetting(BADGE_MODE, "off");
  for (const id of ["3", "4", "5", "6", "7", "8", "9"]) await expect(graph.ours(id)).toHaveCount(0);
  await expect(graph.badges("3")).toHaveText(["#3"]);
  await page.screenshot({ path: `${SHOTS}/node-badges-off.png` });
  await graph.setSetting(BADGE_MODE, "on");
  await expect(graph.ours("3")).toBeVisible();
});

test("an idle page draws no frame and asks for none", async ({ page, bar }) => {
  await runUntil(TXT2IMG);
  const graph = await openOn(page, bar, TXT2IMG);
  await expect(graph.ours("3")).toBeVisible();
  await page.mouse.move(5, 700);
  // Let the page settle (telemetry keeps coming: it must not draw the graph).
  await expect.poll(async () => (await graph.counters()).frames, { intervals: [500, 500, 500] }).toBeGreaterThan(0);
  const before = await graph.counters();
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 3000)));
  const after = await graph.counters();
  expect(after).toEqual(before);
});
