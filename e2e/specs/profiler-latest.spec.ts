// The profiler's popup and its modal's Latest tab against a demo host of their own: its history
// seeded through the real recorder and store (the demo's text-to-image and upscale workflows, cache
// hits, an error, an interrupt, an OOM, a subgraph), one live run at start and none after, so what
// the views show can be checked against what the API answers. Screenshots of the popup and the
// Latest tab at 1280x720 and 3840x2160 go to artifacts/screenshots/.
import type { Page } from "@playwright/test";

import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { LatestTab, ProfilerPopup, type Run } from "../pages/Profiler";
import { PreviousTabPage } from "../pages/ProfilerTabs";
import type { ResourceMonitorBar } from "../pages/ResourceMonitorBar";
import { getJson } from "../helpers/api";

const SHOTS = "../artifacts/screenshots";
const SEEDED = 24;
const UPSCALE = "Upscale 2x with face detail";

interface Summary {
  prompt_id: string;
  workflow_name: string | null;
  status: string;
}

let host: StandaloneHostProcess;

const api = <T>(route: string): Promise<T> => getJson<T>(host.url, route);

const latestRun = async () => (await api<{ latest: Run }>("/swissarmyknife/profiler/stats?limit=1")).latest;

test.beforeAll(async () => {
  // One live run at start (the demo's first), then none for an hour: history holds still.
  host = await StandaloneHostProcess.start(["--demo", "--demo-seed-runs", String(SEEDED), "--demo-speed", "50", "--demo-interval", "3600"]);
  await expect
    .poll(async () => (await api<{ total: number }>("/swissarmyknife/profiler/history?limit=1")).total, { timeout: 30_000 })
    .toBe(SEEDED + 1);
});

test.afterAll(async () => {
  await host?.dispose();
});

/** The run's leaf nodes (not the nodes a subgraph expanded from), slowest first, untimed last, ties in order. */
function slowestFirst(run: Run): string[] {
  const parents = new Set(run.nodes.map((n) => n.parent_node_id).filter((id) => id !== null));
  return run.nodes
    .filter((n) => !parents.has(n.node_id))
    .map((n, i) => ({ n, i }))
    .sort((a, b) => (a.n.duration_ms === null || b.n.duration_ms === null ? (a.n.duration_ms === null ? 1 : 0) - (b.n.duration_ms === null ? 1 : 0) || a.i - b.i : b.n.duration_ms - a.n.duration_ms || a.i - b.i))
    .map(({ n }) => n.node_id);
}

/** "850 ms", "1.79 s", "5m 50.9s" back to milliseconds. */
function parseDuration(text: string): number {
  const minutes = /^(\d+)m ([\d.]+)s$/.exec(text);
  if (minutes) return (Number(minutes[1]) * 60 + Number(minutes[2])) * 1000;
  const [value, unit] = text.split(" ");
  return unit === "ms" ? Number(value) : Number(value) * 1000;
}

async function openLatest(page: Page, bar: ResourceMonitorBar): Promise<LatestTab> {
  await bar.open(`${host.url}/`);
  const popup = new ProfilerPopup(page);
  await popup.open();
  await popup.viewHistory.click();
  const latest = new LatestTab(page);
  await latest.tab().click();
  await latest.waitFor();
  return latest;
}

test.describe("popup", () => {
  test("opens from the bar's 📊 button, anchored under the bar, with the latest run as the API has it", async ({ page, bar }) => {
    const run = await latestRun();
    await bar.open(`${host.url}/`);
    const popup = new ProfilerPopup(page);
    await expect(popup.button).toHaveAttribute("aria-expanded", "false");
    await popup.open();
    await expect(popup.button).toHaveAttribute("aria-expanded", "true");
    const barBox = await bar.box();
    const box = await popup.root.boundingBox();
    expect(box!.y, "below the bar").toBeGreaterThan(barBox.y + barBox.height);
    expect(box!.x + box!.width / 2, "centred on it").toBeCloseTo(barBox.x + barBox.width / 2, -1);

    await expect(popup.name).toHaveText(run.workflow_name ?? /^Unsaved workflow · /);
    await expect(popup.card("nodes")).toHaveText(`${run.executed_count}/${run.node_count}`);
    await expect(popup.card("cache")).toHaveText(`${run.cache_hits}/${run.node_count}`);
    expect(parseDuration((await popup.card("total-time").textContent())!)).toBeCloseTo(run.duration_ms!, -1);
    await expect(popup.card("vram-peak")).toHaveText(/^\d+(\.\d)? GiB$/);
    await expect(popup.gauge).toHaveAttribute("aria-valuetext", /^Latest run: /);
    expect(await popup.slowestNodeIds()).toEqual(slowestFirst(run).slice(0, 10));

    await page.screenshot({ path: `${SHOTS}/profiler-popup-1280x720.png` });
    // Escape closes it, and the button is where focus goes back to.
    await page.keyboard.press("Escape");
    await expect(popup.root).toBeHidden();
    await expect(popup.button).toHaveAttribute("aria-expanded", "false");
    await expect(popup.button).toBeFocused();
  });

  test("updates live while a workflow runs: the gauge shows its progress, then the stored run", async ({ page, bar, request }) => {
    await bar.open(`${host.url}/`);
    const popup = new ProfilerPopup(page);
    await popup.open();
    const before = await latestRun();
    // The demo's run is fast at this speed: an observer, in place before it starts, notes the
    // popup showing it (a progress bar over "Running now").
    await page.evaluate(() => {
      const flags = window as unknown as { sawRunning?: boolean };
      const observer = new MutationObserver(() => {
        const section = document.querySelector<HTMLElement>("#swissarmyknife-profiler-popup section");
        if (section?.dataset.state === "running" && section.querySelector('[role="progressbar"][aria-label="Workflow progress"]')) {
          flags.sawRunning = true;
          observer.disconnect();
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const started = await request.post(`${host.url}/swissarmyknife/standalone/demo/run`, { data: {} });
    expect(started.status()).toBeLessThan(300);
    await page.waitForFunction(() => (window as unknown as { sawRunning?: boolean }).sawRunning === true);
    // Stored: the popup reads it on the server's event.
    await expect(popup.root.getByRole("heading", { name: "Latest run" })).toBeVisible({ timeout: 30_000 });
    await expect.poll(async () => (await latestRun()).prompt_id).not.toBe(before.prompt_id);
    const after = await latestRun();
    await expect(popup.card("nodes")).toHaveText(`${after.executed_count}/${after.node_count}`);
  });
});

test.describe("modal", () => {
  test("opens from View Full History and from the command's keybinding (Alt+P); Escape closes it; a plain key in a text field is typed, not a shortcut", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const latest = new LatestTab(page);
    const popup = new ProfilerPopup(page);
    await popup.open();
    await popup.viewHistory.click();
    await expect(latest.modal).toBeVisible();
    await expect(popup.root).toBeHidden();
    await page.keyboard.press("Escape");
    await expect(latest.modal).toBeHidden();

    // The shim's keybinding service runs the command the extension declares, as ComfyUI's does.
    await page.keyboard.press("Alt+KeyP");
    await latest.waitFor();
    const box = await latest.modal.boundingBox();
    const viewport = page.viewportSize()!;
    expect(box!.width, "full window less its margin").toBeGreaterThan(viewport.width - 40);
    expect(box!.height).toBeGreaterThan(viewport.height - 40);
    await page.keyboard.press("Escape");
    await expect(latest.modal).toBeHidden();

    // As in ComfyUI: a combo with Alt still runs from a text field, a plain key never does.
    await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<input id="sak-typing" aria-label="typing">'));
    await page.locator("#sak-typing").focus();
    await page.keyboard.press("p");
    await expect(page.locator("#sak-typing")).toHaveValue("p");
    await expect(latest.modal).toBeHidden();
    await page.keyboard.press("Alt+KeyP");
    await latest.waitFor();
    await page.keyboard.press("Escape");
    await expect(latest.modal).toBeHidden();
  });

  test("Latest: the run's nodes in execution order, sorted by time, VRAM peak and RAM change on their headers", async ({ page, bar }) => {
    const run = await latestRun();
    const latest = await openLatest(page, bar);
    await latest.waitFor(run.prompt_id);
    expect(await latest.rowKeys()).toEqual([...run.nodes].sort((a, b) => a.order - b.order).map((n) => n.node_id));
    await latest.sortBy("Time").click();
    await expect(latest.table.locator('th[aria-sort="descending"]')).toHaveAttribute("data-column", "time");
    expect(await latest.rowKeys()).toEqual(slowestFirst(run));
    await latest.sortBy("Time").click();
    await expect(latest.table.locator('th[aria-sort="ascending"]')).toHaveAttribute("data-column", "time");
    await latest.sortBy("VRAM peak").click();
    await expect(latest.table.locator('th[aria-sort="descending"]')).toHaveAttribute("data-column", "vram");
    await latest.sortBy("RAM Δ").click();
    await expect(latest.table.locator('th[aria-sort="descending"]')).toHaveAttribute("data-column", "ram");
    await latest.sortBy("#").click();
    expect(await latest.rowKeys()).toEqual([...run.nodes].sort((a, b) => a.order - b.order).map((n) => n.node_id));
    for (const node of run.nodes.filter((n) => n.cache_hit)) {
      await expect(latest.row(node.node_id).getByText("cache hit")).toBeVisible();
    }
  });

  test("a subgraph's inner nodes sit under their group, at the group's wall-clock time", async ({ page, bar }) => {
    const history = await api<{ items: Summary[] }>("/swissarmyknife/profiler/history?limit=50");
    const upscale = history.items.find((r) => r.workflow_name === UPSCALE && r.status === "success");
    expect(upscale, "the demo ran its upscale workflow").toBeTruthy();
    const run = await api<Run>(`/swissarmyknife/profiler/workflows/${upscale!.prompt_id}`);
    const inner = run.nodes.filter((n) => n.parent_node_id !== null);
    const parent = inner[0]!.parent_node_id!;
    const members = run.nodes.filter((n) => n.parent_node_id === parent || n.node_id === parent);
    const wallMs = (Math.max(...members.map((n) => n.ended_at!)) - Math.min(...members.map((n) => n.started_at!))) * 1000;

    const latest = await openLatest(page, bar);
    await latest.modal.getByRole("tab", { name: "Previous", exact: true }).click();
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    await previous.row(run.prompt_id).getByRole("button", { name: /^Open the run started/ }).click();
    await latest.waitFor(run.prompt_id);

    const group = latest.row(`group:${parent}`);
    await expect(group).toContainText(`subgraph · ${inner.length} nodes`);
    const keys = await latest.rowKeys();
    expect(keys.slice(keys.indexOf(`group:${parent}`) + 1, keys.indexOf(`group:${parent}`) + 1 + inner.length)).toEqual(inner.map((n) => n.node_id));
    for (const node of inner) await expect(latest.row(node.node_id)).toHaveAttribute("data-depth", "1");
    const shown = parseDuration((await group.locator('td[data-column="time"]').textContent())!);
    expect(Math.abs(shown - wallMs), `${shown} ms shown for a ${wallMs} ms wall-clock`).toBeLessThan(Math.max(10, wallMs * 0.01));
    await group.getByRole("button", { name: /^Show the inner nodes of/ }).click();
    await expect(latest.row(inner[0]!.node_id)).toBeHidden();
    await page.screenshot({ path: `${SHOTS}/profiler-latest-subgraph-1280x720.png` });
  });

  test("timeline: hovering a bar names its node, a click selects its row", async ({ page, bar }) => {
    const run = await latestRun();
    const latest = await openLatest(page, bar);
    await latest.waitFor(run.prompt_id);
    const slowest = slowestFirst(run)[0]!;
    const node = run.nodes.find((n) => n.node_id === slowest)!;
    const point = await latest.barPoint(run, slowest);
    await page.mouse.move(point.x, point.y);
    await expect(latest.timeline).toHaveAttribute("data-hovered", slowest);
    await expect(latest.tooltip).toContainText(node.class_type);
    await expect(latest.tooltip).toContainText(`#${slowest}`);
    await page.mouse.click(point.x, point.y);
    await expect(latest.row(slowest)).toHaveAttribute("aria-current", "true");
    await expect(latest.timeline).toHaveAttribute("aria-valuetext", new RegExp(`^${node.class_type} #${slowest}`));
    // A row's click moves the timeline's selection too.
    const other = run.nodes.find((n) => n.node_id !== slowest && n.started_at !== null)!;
    await latest.row(other.node_id).locator('td[data-column="node"]').click();
    await expect(latest.timeline).toHaveAttribute("aria-valuetext", new RegExp(`^${other.class_type} #${other.node_id}`));
  });

  test("keyboard only: the bar's button, the popup, the modal's tabs, the timeline, a sort, Escape", async ({ page, bar }) => {
    const run = await latestRun();
    await bar.open(`${host.url}/`);
    const popup = new ProfilerPopup(page);
    const latest = new LatestTab(page);
    await bar.handle.focus();
    await pressUntil(page, "Tab", () => popup.button.evaluate((el) => el === document.activeElement));
    await page.keyboard.press("Enter");
    await expect(popup.root).toBeVisible();
    await pressUntil(page, "Tab", () => popup.viewHistory.evaluate((el) => el === document.activeElement));
    await page.keyboard.press("Enter");
    await expect(latest.modal).toBeVisible();
    await pressUntil(page, "Tab", () => latest.modal.evaluate(() => document.activeElement?.getAttribute("role") === "tab"));
    // Arrow keys move along the tabs (and select): to Latest, the first.
    await page.keyboard.press("Home");
    await latest.waitFor(run.prompt_id);
    await expect(latest.tab()).toBeFocused();
    await pressUntil(page, "Tab", () => latest.timeline.evaluate((el) => el === document.activeElement));
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await expect(latest.timeline).toHaveAttribute("aria-valuenow", "2");
    await expect(latest.table.locator('tbody tr[aria-current="true"]')).toHaveCount(1);
    await pressUntil(page, "Tab", () => latest.sortBy("Time").evaluate((el) => el === document.activeElement));
    await page.keyboard.press("Enter");
    await expect(latest.table.locator('th[data-column="time"]')).toHaveAttribute("aria-sort", "descending");
    await page.keyboard.press("Escape");
    await expect(latest.modal).toBeHidden();
    await expect(bar.root).toHaveAttribute("data-mode", "bar");
  });

  for (const [width, height] of [
    [1280, 720],
    [3840, 2160],
  ] as const) {
    test(`screenshots of the popup and the Latest tab at ${width}x${height}`, async ({ page, bar }) => {
      await page.setViewportSize({ width, height });
      const run = await latestRun();
      await bar.open(`${host.url}/`);
      const popup = new ProfilerPopup(page);
      await popup.open();
      await page.screenshot({ path: `${SHOTS}/profiler-popup-${width}x${height}.png` });
      await popup.viewHistory.click();
      const latest = new LatestTab(page);
      await latest.tab().click();
      await latest.waitFor(run.prompt_id);
      await expect(latest.bars).toBeVisible();
      const table = await latest.table.boundingBox();
      expect(table!.width, "the table fills the modal").toBeGreaterThan(width * 0.8);
      await page.screenshot({ path: `${SHOTS}/profiler-latest-${width}x${height}.png` });
    });
  }
});

/** Presses `key` until `done()` (at most 40 times): a keyboard user's way to a control. */
async function pressUntil(page: Page, key: string, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await done()) return;
    await page.keyboard.press(key);
  }
  expect(await done(), `reached with ${key}`).toBe(true);
}
