// The Latest tab's models and device memory (issue 14), against a demo host of its own: history
// seeded through the real recorder and store (36 past runs: the checkpoint and the upscaler staying
// on the GPU between runs, an upscale run that starts at ~88 % in use, an OOM run whose sampler
// started at 96 %), one live run at start and then one per POST /swissarmyknife/standalone/demo/run.
// The swimlane against each run's model_residency (names, sizes, who loaded and used each model,
// visible where drawn); the OOM run's failing node marked 💥; the VRAM-before levels by the
// thresholds in force (changed through the settings, then back); a model unloaded between two runs
// and so loaded again although unchanged, said above the table; the popup's VRAM-before card live
// while a run goes. Screenshots at 1280x720 and 3840x2160 go to artifacts/screenshots/.
import type { Page } from "@playwright/test";

import { startDemoHost } from "../helpers/demoHost";
import type { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { sessionOf } from "../pages/HudActions";
import { LatestTab, ProfilerPopup, type Run } from "../pages/Profiler";
import { PreviousTabPage, ProfilerModal } from "../pages/ProfilerTabs";
import { getJson } from "../helpers/api";

const SHOTS = "../artifacts/screenshots";
const SEEDED = 36;
const CHECKPOINT = "sd_xl_base_1.0.safetensors";
const UPSCALE = "Upscale 2x with face detail";

interface Summary {
  prompt_id: string;
  workflow_name: string | null;
  status: string;
}

let host: StandaloneHostProcess;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  host = await startDemoHost(SEEDED);
});

test.afterAll(async () => {
  await host?.dispose();
});

const api = <T>(route: string, init?: RequestInit): Promise<T> => getJson<T>(host.url, route, init);

const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(body),
});

async function history(): Promise<{ total: number; items: Summary[] }> {
  return api("/swissarmyknife/profiler/history?limit=100");
}

const record = (promptId: string) => api<Run>(`/swissarmyknife/profiler/workflows/${promptId}`);

/** The newest stored run that `matches`, with its record. */
async function find(matches: (run: Run) => boolean): Promise<Run> {
  for (const item of (await history()).items) {
    const run = await record(item.prompt_id);
    if (matches(run)) return run;
  }
  throw new Error("no such run in the demo's history");
}

/** Starts the demo script's next run and waits until it is stored; returns its record. */
async function runNext(): Promise<Run> {
  const before = (await history()).total;
  await api("/swissarmyknife/standalone/demo/run", { method: "POST" });
  await expect.poll(async () => (await history()).total, { timeout: 20_000 }).toBe(before + 1);
  return record((await history()).items[0]!.prompt_id);
}

async function emit(event: string, data: Record<string, unknown>): Promise<void> {
  await api("/swissarmyknife/standalone/emit", json("POST", { event, data }));
}

/** As the frontend writes sizes: "6.5 GiB", "70.0 MiB". */
function bytes(value: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** The page, the modal from the bar, Previous, then Open on `promptId`: the Latest tab shows it. */
async function openRun(page: Page, bar: { open(url: string): Promise<void> }, promptId: string): Promise<LatestTab> {
  await bar.open(`${host.url}/`);
  await new ProfilerModal(page).openFromBar();
  const previous = new PreviousTabPage(page);
  await previous.waitReady();
  await previous.row(promptId).locator('[data-action="open"]').click();
  const latest = new LatestTab(page);
  await latest.waitFor(promptId);
  return latest;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${SHOTS}/${name}-1280x720.png` });
  await page.setViewportSize({ width: 3840, height: 2160 });
  await page.screenshot({ path: `${SHOTS}/${name}-3840x2160.png` });
  await page.setViewportSize({ width: 1280, height: 720 });
}

/** The lanes a record should draw: per model and device, the first on the device first, then by name. */
function expectedLanes(run: Run): { name: string; device: string; label: string; loadedBy: string[]; usedBy: string[] }[] {
  const ran = new Set(run.nodes.filter((n) => n.started_at !== null).map((n) => n.node_id));
  const lanes = new Map<string, { name: string; device: string; from: number; bytes: number; loadedBy: string[]; usedBy: string[] }>();
  for (const stay of [...run.model_residency!].sort((a, b) => a.from_ms - b.from_ms)) {
    const key = `${stay.name}@${stay.device}`;
    const lane = lanes.get(key) ?? { name: stay.name, device: stay.device ?? "", from: stay.from_ms, bytes: 0, loadedBy: [], usedBy: [] };
    lane.bytes = Math.max(lane.bytes, stay.loaded_bytes ?? 0);
    if (stay.loaded_by_node_id) lane.loadedBy.push(stay.loaded_by_node_id);
    lane.usedBy.push(...stay.used_by_node_ids.filter((id) => ran.has(id)));
    lanes.set(key, lane);
  }
  return [...lanes.values()]
    .sort((a, b) => a.from - b.from || a.name.localeCompare(b.name))
    .map((l) => ({ name: l.name, device: l.device, label: `${l.name} · ${bytes(l.bytes)}${run.reloaded_models?.includes(l.name) ? " · loaded again" : ""}`, loadedBy: l.loadedBy, usedBy: l.usedBy }));
}

test("the swimlane under the node bars shows a seeded run's models as the API has them, visible where drawn", async ({ page, bar }) => {
  // An upscale run after a text-to-image one: the checkpoint stays on the GPU from before, the upscaler is loaded.
  const run = await find((r) => r.workflow_name === UPSCALE && r.status === "success" && (r.model_residency ?? []).some((s) => s.loaded_by_node_id !== null));
  expect(run.model_residency!.length).toBeGreaterThanOrEqual(2);
  const latest = await openRun(page, bar, run.prompt_id);
  await expect(latest.lanes).toHaveCount(expectedLanes(run).length);
  expect(await latest.laneFigures()).toEqual(expectedLanes(run));
  for (const lane of await latest.lanes.all()) {
    expect(await latest.onTop(lane.locator(".swissarmyknife-lane-label")), "each lane's label is drawn on top").toBe(true);
  }

  // The swimlane shares the bars' time axis: a stay from the run's start begins where the bars do.
  const plot = (await latest.bars.boundingBox())!;
  const stay = (await latest.lane(CHECKPOINT).locator(".swissarmyknife-lane-stay").first().boundingBox())!;
  expect(Math.abs(stay.x - plot.x)).toBeLessThanOrEqual(1);
  expect(Math.abs(stay.x + stay.width - (plot.x + plot.width))).toBeLessThanOrEqual(2);

  // Hovering a lane names the model, its device and size, who loaded it and who used it.
  const loaded = run.model_residency!.find((s) => s.loaded_by_node_id !== null)!;
  const loader = run.nodes.find((n) => n.node_id === loaded.loaded_by_node_id)!;
  const box = (await latest.lane(loaded.name).boundingBox())!;
  await page.mouse.move(box.x + box.width - 4, box.y + 6);
  await expect(latest.laneTooltip).toContainText(loaded.name);
  await expect(latest.laneTooltip).toContainText(`${loaded.device} · ${bytes(loaded.loaded_bytes!)}`);
  await expect(latest.laneTooltip).toContainText(`Loaded by ${loader.class_type} #${loader.node_id} at `);
  for (const id of loaded.used_by_node_ids) {
    const user = run.nodes.find((n) => n.node_id === id)!;
    await expect(latest.laneTooltip).toContainText(`${user.class_type} #${id}`);
  }
  await shoot(page, "profiler-latest-models");

  // From the keyboard: Tab reaches a lane and shows the same.
  await page.mouse.move(0, 0);
  await latest.lane(CHECKPOINT).focus();
  await expect(latest.laneTooltip).toContainText("There since an earlier run");
});

test("an older record without residency draws no lane", async ({ page, bar }) => {
  // The demo records residency for every run: a run's record as an older release stored it (no
  // residency) is what the page would get from an archive of then.
  const run = await find((r) => r.status === "success");
  await page.route(`**/swissarmyknife/profiler/workflows/${run.prompt_id}`, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Run;
    await route.fulfill({ response, json: { ...body, model_residency: [], reloaded_models: [] } });
  });
  const latest = await openRun(page, bar, run.prompt_id);
  await expect(latest.rows.first()).toBeVisible();
  await expect(latest.root.getByRole("list", { name: "Models on the device" })).toHaveCount(0);
});

test("the OOM run: its failing node is marked 💥, the sampler's VRAM before is critical, its models listed", async ({ page, bar }) => {
  const run = await find((r) => r.status === "oom");
  const failing = run.nodes.find((n) => n.node_id === run.error!.node_id)!;
  expect(failing.vram_percent_before!).toBeGreaterThanOrEqual(95);
  const latest = await openRun(page, bar, run.prompt_id);

  await expect(latest.row(failing.node_id).locator('[data-marker="oom"]')).toHaveText("💥 out of memory");
  await expect(latest.rows.locator('[data-marker="oom"]')).toHaveCount(1);
  await expect(latest.run.locator(".swissarmyknife-latest-title .swissarmyknife-status")).toHaveText("💥 oom");
  await expect(latest.errorLine).toHaveAttribute("data-oom-node", failing.node_id);
  await expect(latest.errorLine).toContainText(`💥 ${run.error!.exception_type} in ${failing.class_type} #${failing.node_id}`);

  const details = await latest.expand(failing.node_id);
  expect(await latest.modelsOf(details)).toEqual(failing.models!.map((m) => [m.name, m.action, m.device ?? "--", bytes(m.loaded_bytes!)]));
  const before = details.locator(".swissarmyknife-vram-before");
  await expect(before).toHaveAttribute("data-level", "critical");
  await expect(before).toContainText(`${bytes(failing.vram_free_before_bytes!)} free · ${Math.round(failing.vram_percent_before!)}% in use`);
  await expect(before).toContainText("(critical: 95 % or more in use");
  // Every stay ended with the OOM (ComfyUI unloads every model before it reports the error).
  await expect(latest.lanes.locator(".swissarmyknife-lane-stay:not([data-unloaded])")).toHaveCount(0);
  await details.scrollIntoViewIfNeeded();
  await shoot(page, "profiler-latest-oom");
});

test.describe("VRAM before", () => {
  test.afterAll(async () => {
    await api("/swissarmyknife/profiler/settings", json("PUT", { vram_warning_percent: 85, vram_critical_percent: 95 }));
  });

  test("levels by the thresholds in force: warning at ~88 % and critical at 96 %, then by the settings changed", async ({ page, bar }) => {
    const upscale = await find((r) => r.workflow_name === UPSCALE && r.status === "success" && (r.nodes.find((n) => n.started_at !== null)?.vram_percent_before ?? 0) >= 85);
    const first = [...upscale.nodes].filter((n) => n.started_at !== null).sort((a, b) => a.started_at! - b.started_at!)[0]!;
    expect(first.vram_percent_before!).toBeLessThan(95);
    let latest = await openRun(page, bar, upscale.prompt_id);
    const card = latest.run.locator('[data-card="vram-before"]');
    await expect(card).toHaveAttribute("data-level", "warning");
    await expect(card.locator("dd")).toHaveText(`${Math.round(first.vram_percent_before!)}% (warning: 85 % or more in use, little room is left)`);
    await expect((await latest.expand(first.node_id)).locator(".swissarmyknife-vram-before")).toHaveAttribute("data-level", "warning");

    // The settings move the thresholds; the stats say the new ones, and the views colour by them.
    const stats = await api<{ vram_warning_percent: number; vram_critical_percent: number }>("/swissarmyknife/profiler/stats?limit=1");
    expect([stats.vram_warning_percent, stats.vram_critical_percent]).toEqual([85, 95]);
    await api("/swissarmyknife/profiler/settings", json("PUT", { vram_warning_percent: 90, vram_critical_percent: 97 }));
    latest = await openRun(page, bar, upscale.prompt_id);
    await expect(latest.run.locator('[data-card="vram-before"]')).toHaveAttribute("data-level", "ok");
    const oom = await find((r) => r.status === "oom");
    latest = await openRun(page, bar, oom.prompt_id);
    const details = await latest.expand(oom.error!.node_id!);
    await expect(details.locator(".swissarmyknife-vram-before")).toHaveAttribute("data-level", "warning");
    await expect(details.locator(".swissarmyknife-vram-before")).toContainText("(warning: 90 % or more in use");
    await api("/swissarmyknife/profiler/settings", json("PUT", { vram_warning_percent: 85, vram_critical_percent: 95 }));
  });

  test("the popup's card follows the running node live: from the vram_pressure event, back to the latest run's when it ends", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const popup = new ProfilerPopup(page);
    await popup.open();
    const card = popup.cardBox("vram-before");
    // A run held still (ComfyUI's events and the server's pressure event for its sampler, as the server sends them).
    await emit("execution_start", { prompt_id: "held-for-the-check" });
    await emit("executing", { node: "3", display_node: "3", prompt_id: "held-for-the-check" });
    await expect(popup.root.locator('section[data-state="running"]')).toBeVisible();
    await expect(card).toHaveAttribute("data-level", "unknown");
    await expect(popup.card("vram-before")).toHaveText("--");
    const pressure = { type: "vram_pressure", prompt_id: "held-for-the-check", node_id: "3", node_type: "KSampler", free_bytes: 1024 ** 3, total_bytes: 24 * 1024 ** 3, warning_percent: 85, critical_percent: 95 };
    await emit("swissarmyknife.profiler.vram_pressure", { ...pressure, level: "critical", percent: 96.1 });
    await expect(card).toHaveAttribute("data-level", "critical");
    await expect(popup.card("vram-before")).toHaveText("96% (critical: 95 % or more in use, an out-of-memory error is likely)");
    await expect(card).toHaveAttribute("title", /before KSampler #3, the node running now/);
    // Another prompt's pressure is not this run's.
    await emit("swissarmyknife.profiler.vram_pressure", { ...pressure, prompt_id: "another", level: "warning", percent: 86 });
    await emit("swissarmyknife.profiler.vram_pressure", { ...pressure, node_id: "8", node_type: "VAEDecode", level: "warning", percent: 88.4 });
    await emit("executing", { node: "8", display_node: "8", prompt_id: "held-for-the-check" });
    await expect(card).toHaveAttribute("data-level", "warning");
    await expect(popup.card("vram-before")).toContainText("88%");
    await shoot(page, "profiler-popup-live-vram");
    await emit("execution_success", { prompt_id: "held-for-the-check" });
    await emit("executing", { node: null, display_node: null, prompt_id: "held-for-the-check" });
    await expect(popup.root.locator('section[data-state="latest"]')).toBeVisible();
    await expect(card).not.toHaveAttribute("title", /running now/);
  });

  test("a real live run at ~88 %: the popup's card goes warning while it runs", async ({ page, bar }) => {
    // The script: the first live run (at start) was text to image; the next two are too, the third upscales at ~88 %.
    await bar.open(`${host.url}/`);
    const popup = new ProfilerPopup(page);
    await popup.open();
    // The run lasts milliseconds at the demo's speed: record what the card showed.
    await popup.cardBox("vram-before").evaluate((el) => {
      const seen: { level: string | null; running: boolean }[] = [];
      (window as unknown as { vramCard: typeof seen }).vramCard = seen;
      const section = el.closest("section")!;
      new MutationObserver(() => seen.push({ level: section.querySelector('[data-card="vram-before"]')?.getAttribute("data-level") ?? null, running: section.getAttribute("data-state") === "running" })).observe(section, {
        subtree: true,
        attributes: true,
        childList: true,
      });
    });
    let run: Run;
    do run = await runNext();
    while (run.workflow_name !== UPSCALE);
    const first = [...run.nodes].filter((n) => n.started_at !== null).sort((a, b) => a.started_at! - b.started_at!)[0]!;
    expect(first.vram_percent_before!).toBeGreaterThanOrEqual(85);
    const seen = await page.evaluate(() => (window as unknown as { vramCard: { level: string | null; running: boolean }[] }).vramCard);
    expect(seen).toContainEqual({ level: "warning", running: true });
  });
});

test("a model unloaded between runs is loaded again although unchanged: the notice above the table says so, and what it cost", async ({ page, bar }) => {
  // The checkpoint was on the GPU when the last run ended; unloaded now, the next text-to-image run loads it again.
  const before = await record((await history()).items[0]!.prompt_id);
  expect(before.model_residency!.some((s) => s.name === CHECKPOINT && s.until_ms === null)).toBe(true);
  const session = await sessionOf(host.url);
  await api("/swissarmyknife/profiler/unload", json("POST", { models: [CHECKPOINT] }, { "X-SwissArmyKnife-Token": session.token! }));
  let run: Run;
  do run = await runNext();
  while (!(run.reloaded_models ?? []).includes(CHECKPOINT) && run.workflow_name !== "Text to image (SDXL)");
  expect(run.reloaded_models).toEqual([CHECKPOINT]);
  const stay = run.model_residency!.find((s) => s.name === CHECKPOINT)!;
  const loader = run.nodes.find((n) => n.node_id === stay.loaded_by_node_id)!;

  await bar.open(`${host.url}/`);
  const popup = new ProfilerPopup(page);
  await popup.open();
  await popup.viewHistory.click();
  const latest = new LatestTab(page);
  await latest.tab().click();
  await latest.waitFor(run.prompt_id);
  await expect(latest.reloadedNotice).toHaveAttribute("role", "note");
  await expect(latest.reloadedNotice).toContainText(`${CHECKPOINT} was loaded again although unchanged — time spent copying the same weights onto the device once more`);
  await expect(latest.reloadedNotice).toContainText(`Here ${loader.class_type} #${loader.node_id} took `);
  // Above the table, on top where drawn.
  const notice = (await latest.reloadedNotice.boundingBox())!;
  expect(notice.y).toBeLessThan((await latest.table.boundingBox())!.y);
  expect(await latest.onTop(latest.reloadedNotice)).toBe(true);
  await expect(latest.lane(CHECKPOINT)).toHaveAttribute("data-reloaded", "true");
  await expect(latest.lane(CHECKPOINT).locator(".swissarmyknife-lane-label")).toHaveText(`${CHECKPOINT} · ${bytes(stay.loaded_bytes!)} · loaded again`);
  const details = await latest.expand(loader.node_id);
  expect((await latest.modelsOf(details)).map((m) => [m[0], m[1]])).toContainEqual([CHECKPOINT, "loaded"]);
  await latest.reloadedNotice.scrollIntoViewIfNeeded();
  await shoot(page, "profiler-latest-reloaded");
});
