// The profiler modal's Previous, Analytics and Settings tabs against a demo host of their own: its
// history seeded through the real recorder and store (130 past runs of the demo's workflows, with
// cache hits, an edited prompt, errors, interrupts, OOMs), no live run after the first one, so
// what the tabs show can be checked against what the API answers. Screenshots of each tab at
// 1280x720 and 3840x2160 go to artifacts/screenshots/.
import { readFileSync } from "node:fs";

import { startDemoHost } from "../helpers/demoHost";
import type { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { OomTabPage } from "../pages/OomTab";
import { AnalyticsTabPage, PreviousTabPage, ProfilerModal, SettingsTabPage } from "../pages/ProfilerTabs";
import { getJson } from "../helpers/api";

const SHOTS = "../artifacts/screenshots";
const SEEDED = 130;

interface Summary {
  prompt_id: string;
  workflow_hash: string;
  workflow_name: string | null;
  status: string;
  started_at: number;
}

let host: StandaloneHostProcess;

const api = <T>(route: string): Promise<T> => getJson<T>(host.url, route);

test.beforeAll(async () => {
  host = await startDemoHost(SEEDED);
});

test.afterAll(async () => {
  await host?.dispose();
});

async function openModal(page: import("@playwright/test").Page, bar: import("../pages/ResourceMonitorBar").ResourceMonitorBar) {
  await bar.open(`${host.url}/`);
  const modal = new ProfilerModal(page);
  await modal.openFromBar();
  return modal;
}

test.describe("Previous", () => {
  test("lists the newest runs a page at a time, newest first, as the API has them", async ({ page, bar }) => {
    await openModal(page, bar);
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    const first = await api<{ items: Summary[]; total: number }>("/swissarmyknife/profiler/history?limit=50");
    expect(await previous.promptIds()).toEqual(first.items.map((r) => r.prompt_id));
    await expect(previous.range).toHaveText(`1–50 of ${SEEDED + 1}`);
    await expect(previous.action("newer")).toBeDisabled();

    await previous.action("older").click();
    await previous.waitReady();
    await expect(previous.range).toHaveText(`51–100 of ${SEEDED + 1}`);
    const ids = await previous.promptIds();
    expect(ids).toHaveLength(50);
    expect(ids).not.toContain(first.items[0]!.prompt_id);
    await previous.action("older").click();
    await previous.waitReady();
    await expect(previous.range).toHaveText(`101–${SEEDED + 1} of ${SEEDED + 1}`);
    await expect(previous.action("older")).toBeDisabled();
    await previous.action("newer").click();
    await previous.action("newer").click();
    await previous.waitReady();
    expect(await previous.promptIds()).toEqual(first.items.map((r) => r.prompt_id));
  });

  test("filters by workflow (named by its latest name) and by status", async ({ page, bar }) => {
    await openModal(page, bar);
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    const workflows = await api<{ data: { workflow_hash: string; workflow_name: string | null; runs: number }[] }>(
      "/swissarmyknife/profiler/analytics/workflows?limit=500",
    );
    expect(workflows.data.length).toBeGreaterThan(1);
    const chosen = workflows.data[0]!;
    const options = await previous.workflowFilter.locator("option").allTextContents();
    expect(options[0]).toBe("All workflows");
    expect(options.some((o) => o.endsWith(`(${chosen.runs} runs)`))).toBe(true);

    await previous.workflowFilter.selectOption(chosen.workflow_hash);
    await previous.waitReady();
    await expect(previous.range).toHaveText(new RegExp(`of ${chosen.runs}$`));
    expect((await previous.listed()).every((r) => r.hash === chosen.workflow_hash)).toBe(true);

    await previous.statusFilter.selectOption("error");
    await previous.waitReady();
    const errors = await api<{ total: number }>(`/swissarmyknife/profiler/history?limit=1&workflow_hash=${chosen.workflow_hash}&status=error`);
    if (errors.total === 0) await expect(previous.root.locator("[data-empty]")).toContainText("No runs match these filters");
    else {
      await expect(previous.range).toHaveText(new RegExp(`of ${errors.total}$`));
      expect((await previous.listed()).every((r) => r.status === "error")).toBe(true);
    }
    await previous.action("clear-filter").click();
    await previous.waitReady();
    await expect(previous.range).toHaveText(`1–50 of ${SEEDED + 1}`);
  });

  test("compares two runs of one workflow node by node, coloured better or worse", async ({ page, bar }) => {
    await openModal(page, bar);
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    const listed = await previous.listed();
    const hash = listed[0]!.hash;
    const [newer, older] = listed.filter((r) => r.hash === hash && r.status === "success");
    expect(older, "two successful runs of one workflow on the first page").toBeTruthy();
    const other = listed.find((r) => r.hash !== hash)!;

    await previous.pick(newer!.promptId).check();
    await previous.pick(other.promptId).check();
    await expect(previous.action("compare")).toBeDisabled();
    await expect(previous.root.locator("[data-picked]")).toContainText("different workflows");
    await previous.pick(other.promptId).uncheck();
    await previous.pick(older!.promptId).check();
    await expect(previous.action("compare")).toBeEnabled();
    await previous.action("compare").click();

    await expect(previous.compare).toHaveAttribute("data-compare", "ready");
    await expect(previous.compare.getByRole("heading", { level: 3 })).toContainText("Comparing two runs of");
    const total = previous.compare.locator('[data-total="duration"]');
    await expect(total).toContainText("→");
    await expect(total.locator(".swissarmyknife-delta")).toHaveText(/^[+−±]/);
    // Every node row shows its time before and after; changes carry a verdict colour.
    const rows = previous.compare.locator("tbody tr[data-row]");
    expect(await rows.count()).toBeGreaterThan(3);
    const verdicts = await previous.compare.locator("[data-verdict]").evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict")));
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((v) => v === "better" || v === "worse" || v === "same")).toBe(true);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.screenshot({ path: `${SHOTS}/profiler-compare-1280x720.png` });

    await previous.compare.locator('[data-action="close-compare"]').click();
    await previous.waitReady();
    await expect(previous.rows).toHaveCount(50);
  });

  test("opens a run in the Latest tab", async ({ page, bar }) => {
    const modal = await openModal(page, bar);
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    const [, second] = await previous.listed();
    await previous.row(second!.promptId).getByRole("button", { name: /^Open the run started/ }).click();
    await expect(modal.tab("Latest")).toHaveAttribute("aria-selected", "true");
    await expect(modal.dialog.locator(`[data-prompt-id="${second!.promptId}"]`).first()).toBeVisible();
  });

  test("exports the page shown and a picked run, as JSON and CSV downloads", async ({ page, bar }) => {
    await openModal(page, bar);
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    const [first] = await previous.listed();

    const [csvDownload] = await Promise.all([page.waitForEvent("download"), previous.action("export-page-csv").click()]);
    expect(csvDownload.suggestedFilename()).toMatch(/^swissarmyknife-history-\d{8}-\d{6}\.csv$/);
    const csv = readFileSync((await csvDownload.path())!, "utf8");
    const lines = csv.split("\r\n");
    expect(lines[0]).toContain("prompt_id,workflow_name,workflow_hash,status,started_at_utc,started_at_unix_s");
    expect(lines[0]).toContain("duration_ms");
    expect(lines[0]).toContain("peak_vram_bytes");
    expect(lines[1]!.startsWith(`${first!.promptId},`)).toBe(true);
    expect(lines).toHaveLength(52);

    const [jsonDownload] = await Promise.all([page.waitForEvent("download"), previous.action("export-page-json").click()]);
    const page1 = JSON.parse(readFileSync((await jsonDownload.path())!, "utf8"));
    expect(page1).toMatchObject({ format: "swissarmyknife.history-page", total: SEEDED + 1, filter: { workflow_hash: null, status: null, before: null } });
    expect(page1.items).toHaveLength(50);

    await previous.pick(first!.promptId).check();
    const [runDownload] = await Promise.all([page.waitForEvent("download"), previous.action("export-run-json").click()]);
    expect(runDownload.suggestedFilename()).toBe(`swissarmyknife-run-${first!.promptId.replace(/[^A-Za-z0-9_.-]/g, "-")}.json`);
    const run = JSON.parse(readFileSync((await runDownload.path())!, "utf8"));
    expect(run).toEqual(await api(`/swissarmyknife/profiler/workflows/${first!.promptId}`));
    const [nodesDownload] = await Promise.all([page.waitForEvent("download"), previous.action("export-run-csv").click()]);
    const nodes = readFileSync((await nodesDownload.path())!, "utf8").split("\r\n");
    expect(nodes[0]).toMatch(/^prompt_id,order,node_id,class_type,title,parent_node_id,status,cache_hit,started_at_unix_s,ended_at_unix_s,duration_ms,/);
    expect(nodes.filter((l) => l.length > 0)).toHaveLength(run.nodes.length + 1);
    await expect(previous.root.getByRole("status")).toHaveText(`Saved ${nodesDownload.suggestedFilename()}.`);
  });
});

test.describe("Analytics", () => {
  test("draws the charts from the server's buckets and lists node classes and workflows", async ({ page, bar }) => {
    const modal = await openModal(page, bar);
    await modal.show("Analytics");
    const analytics = new AnalyticsTabPage(page);
    await analytics.waitReady();
    const series = await api<{ items: unknown[] }>("/swissarmyknife/profiler/series?points=120");
    for (const title of ["Total time per run", "Peak VRAM per run", "Cache hit rate"]) {
      const chart = analytics.chart(title);
      await expect(chart).toHaveAttribute("data-ready", "true");
      expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThanOrEqual(series.items.length);
      await expect(chart.locator("canvas")).toHaveCount(1);
    }
    const classes = await api<{ items: { class_type: string }[] }>("/swissarmyknife/profiler/analytics/nodes?limit=200");
    expect(await analytics.column("classes", "class")).toEqual(classes.items.map((c) => c.class_type));
    await analytics.table("classes").getByRole("button", { name: /^Mean/ }).click();
    await expect(analytics.table("classes").locator('th[data-column="mean"]')).toHaveAttribute("aria-sort", "descending");
    const means = await analytics.column("classes", "mean");
    expect(means.length).toBe(classes.items.length);
    await expect(analytics.root.getByRole("figure", { name: "Slowest node classes (mean per run)" }).locator("li").first()).toBeVisible();
    const workflows = await api<{ data: { workflow_hash: string }[] }>("/swissarmyknife/profiler/analytics/workflows?limit=500");
    expect(await analytics.table("workflows").locator("tbody tr[data-row]").count()).toBe(workflows.data.length);
  });

  test("shows one workflow's charts and classes", async ({ page, bar }) => {
    const modal = await openModal(page, bar);
    await modal.show("Analytics");
    const analytics = new AnalyticsTabPage(page);
    await analytics.waitReady();
    const workflows = await api<{ data: { workflow_hash: string; runs: number }[] }>("/swissarmyknife/profiler/analytics/workflows?limit=500");
    const chosen = workflows.data.at(-1)!;
    await analytics.workflowFilter.selectOption(chosen.workflow_hash);
    await analytics.waitReady();
    await expect(analytics.root.locator(".swissarmyknife-toolbar .swissarmyknife-hint")).toContainText(`${chosen.runs} runs of`);
    const classes = await api<{ items: { class_type: string }[] }>(`/swissarmyknife/profiler/analytics/nodes?limit=200&workflow_hash=${chosen.workflow_hash}`);
    expect(await analytics.column("classes", "class")).toEqual(classes.items.map((c) => c.class_type));
  });
});

test.describe("Settings", () => {
  test("changes accurate GPU timing and retention on the server", async ({ page, bar }) => {
    const modal = await openModal(page, bar);
    await modal.show("Settings");
    const settings = new SettingsTabPage(page);
    await settings.waitReady();
    await expect(settings.setting("SwissArmyKnife.profiler.enabled")).toBeChecked();
    await settings.setting("accurate_gpu_timing").check();
    await expect.poll(async () => (await api<{ accurate_gpu_timing: boolean }>("/swissarmyknife/profiler/settings")).accurate_gpu_timing).toBe(true);
    await settings.setting("accurate_gpu_timing").uncheck();
    await expect.poll(async () => (await api<{ accurate_gpu_timing: boolean }>("/swissarmyknife/profiler/settings")).accurate_gpu_timing).toBe(false);

    await settings.setting("max_workflows").fill("20");
    await settings.setting("max_workflows").press("Enter");
    await expect(settings.notice("alert")).toHaveText("History keeps 100 to 100,000 runs (a whole number).");
    await settings.setting("max_workflows").fill("5000");
    await settings.setting("max_workflows").press("Enter");
    await expect.poll(async () => (await api<{ max_workflows: number }>("/swissarmyknife/profiler/settings")).max_workflows).toBe(5000);
    await settings.setting("max_workflows").fill("10000");
    await settings.setting("max_workflows").press("Enter");
    await expect.poll(async () => (await api<{ max_workflows: number }>("/swissarmyknife/profiler/settings")).max_workflows).toBe(10000);
  });

  test.describe("refused", () => {
    // The browser itself reports every 4xx answer on the console.
    test.use({ allowedConsoleErrors: /Failed to load resource: the server responded with a status of 400/ });

    test("shows the server's refusal of a VRAM warning above the critical level, and puts the field back", async ({ page, bar }) => {
      const modal = await openModal(page, bar);
      await modal.show("Settings");
      const settings = new SettingsTabPage(page);
      await settings.waitReady();
      const warning = settings.setting("SwissArmyKnife.profiler.vram_warning_percent");
      await warning.fill("99");
      await warning.press("Enter");
      await expect(page.locator(".standalone-toast", { hasText: "VRAM warning not changed" })).toContainText("vram_warning_percent");
      await expect(warning).toHaveValue("85");
      expect((await api<{ vram_warning_percent: number }>("/swissarmyknife/profiler/settings")).vram_warning_percent).toBe(85);
    });
  });
});

test.describe("keyboard only", () => {
  test("reaches every tab by arrow keys and each tab's controls by Tab; Escape closes a confirmation, then the modal", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const modal = new ProfilerModal(page);
    await page.locator('[data-action="profiler"]').focus();
    await page.keyboard.press("Enter");
    const viewHistory = page.locator('[data-action="view-history"]');
    await expect(viewHistory).toBeVisible();
    await viewHistory.focus();
    await page.keyboard.press("Enter");
    await expect(modal.dialog).toBeVisible();

    await modal.tab("Previous").focus();
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    // Into the panel: the workflow filter's name search comes first, its list, then the status filter.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await expect(previous.workflowSearch).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(previous.workflowFilter).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(previous.statusFilter).toBeFocused();
    // A run is picked with Space on its checkbox.
    const [first] = await previous.listed();
    await previous.pick(first!.promptId).focus();
    await page.keyboard.press("Space");
    await expect(previous.pick(first!.promptId)).toBeChecked();

    await modal.tab("Previous").focus();
    await page.keyboard.press("ArrowRight");
    await expect(modal.tab("Analytics")).toBeFocused();
    await expect(modal.tab("Analytics")).toHaveAttribute("aria-selected", "true");
    const analytics = new AnalyticsTabPage(page);
    await analytics.waitReady();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await expect(analytics.workflowSearch).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(analytics.workflowFilter).toBeFocused();

    await modal.tab("Analytics").focus();
    await page.keyboard.press("ArrowRight");
    await expect(modal.tab("💥 OOM")).toHaveAttribute("aria-selected", "true");
    const oom = new OomTabPage(page);
    await oom.waitReady();
    // Its first control: the recommendation's Unload button.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await expect(oom.action("unload-recommended")).toBeFocused();

    await modal.tab("💥 OOM").focus();
    await page.keyboard.press("ArrowRight");
    await expect(modal.tab("Settings")).toHaveAttribute("aria-selected", "true");
    const settings = new SettingsTabPage(page);
    await settings.waitReady();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    // Its first control: the first of the ComfyUI settings (Monitor & display), the bar's visibility.
    await expect(settings.setting("SwissArmyKnife.monitor.visible")).toBeFocused();
    await page.keyboard.press("ArrowLeft");
    await expect(settings.setting("SwissArmyKnife.monitor.visible")).toBeFocused();

    await modal.tab("Settings").focus();
    await page.keyboard.press("Home");
    await expect(modal.tab("Latest")).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("End");
    await expect(modal.tab("Settings")).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("Escape");
    await expect(modal.dialog).toBeHidden();
  });
});

test.describe("screenshots", () => {
  for (const [width, height] of [
    [1280, 720],
    [3840, 2160],
  ] as const) {
    test(`each tab at ${width}x${height}`, async ({ page, bar }) => {
      await page.setViewportSize({ width, height });
      const modal = await openModal(page, bar);
      const previous = new PreviousTabPage(page);
      await previous.waitReady();
      await page.screenshot({ path: `${SHOTS}/profiler-previous-${width}x${height}.png` });
      await modal.show("Analytics");
      const analytics = new AnalyticsTabPage(page);
      await analytics.waitReady();
      for (const title of ["Total time per run", "Peak VRAM per run", "Cache hit rate"]) await expect(analytics.chart(title)).toHaveAttribute("data-ready", "true");
      await page.screenshot({ path: `${SHOTS}/profiler-analytics-${width}x${height}.png` });
      await modal.show("Settings");
      const settings = new SettingsTabPage(page);
      await settings.waitReady();
      await page.screenshot({ path: `${SHOTS}/profiler-settings-${width}x${height}.png` });
    });
  }
});

test("a light ComfyUI palette gives light tabs and charts drawn in its colours", async ({ page, bar }) => {
  await bar.open(`${host.url}/`);
  // ComfyUI's light palette (comfy_base of light.json), set as its palette service sets it.
  await page.evaluate(() => {
    const light = { "--fg-color": "#222", "--comfy-menu-bg": "#FFFFFF", "--error-text": "#F44336", "--p-primary-color": "#3b82f6" };
    for (const [name, value] of Object.entries(light)) document.documentElement.style.setProperty(name, value);
  });
  await page.setViewportSize({ width: 1280, height: 720 });
  const modal = new ProfilerModal(page);
  await modal.openFromBar();
  await modal.show("Analytics");
  const analytics = new AnalyticsTabPage(page);
  await analytics.waitReady();
  const chart = analytics.chart("Total time per run");
  await expect(chart).toHaveAttribute("data-ready", "true");
  await expect(chart).toHaveCSS("color", "rgb(34, 34, 34)");
  // The first series is ComfyUI's primary colour: some of the canvas's pixels are it.
  const primaryPixels = await chart.locator("canvas").evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] === 59 && data[i + 1] === 130 && data[i + 2] === 246) count++;
    return count;
  });
  expect(primaryPixels).toBeGreaterThan(0);
  await page.screenshot({ path: `${SHOTS}/profiler-analytics-light-1280x720.png` });
});
