// Baselines, regression flags and environment differences (issue 15) as an operator sees them,
// against a demo host of its own: 36 seeded runs, the text-to-image workflow's last 3 successful
// ones in a newer environment (torch 2.13.0, a new driver, --lowvram) with the sampler twice as
// slow, then one live run. The popup's flag and the Analytics section against GET /regressions;
// pinning from the modal, the compare defaulting to the baseline with the environments' differences;
// unpinning; a stricter rule in Settings removes the flag, a value out of range is refused in place.
import type { Page } from "@playwright/test";

import { startDemoHost } from "../helpers/demoHost";
import type { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { PreviousTabPage, ProfilerModal } from "../pages/ProfilerTabs";
import { RegressionsPage } from "../pages/Regressions";

const SHOTS = "../artifacts/screenshots";
const SEEDED = 36;

interface Flag {
  workflow_hash: string;
  latest_prompt_id: string;
  moved_nodes: { node_id: string; class_type: string }[];
  shifts: { metric: string; change_percent: number }[];
}
interface Run {
  prompt_id: string;
  environment_id: number | null;
}

let host: StandaloneHostProcess;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  host = await startDemoHost(SEEDED);
});
test.afterAll(async () => {
  await host?.dispose();
});

async function api<T>(route: string): Promise<T> {
  return (await (await fetch(`${host.url}${route}`)).json()) as T;
}

async function flagged(): Promise<Flag> {
  const report = await api<{ workflows: Flag[] }>("/swissarmyknife/profiler/regressions");
  expect(report.workflows, "the demo's seeded history flags the text-to-image workflow").toHaveLength(1);
  return report.workflows[0]!;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

test("the popup flags the latest run's workflow, naming the node that moved; its link opens Analytics at the flag", async ({ page, bar }) => {
  const flag = await flagged();
  await bar.open(`${host.url}/`);
  const view = new RegressionsPage(page);
  await page.locator('[data-action="profiler"]').click();
  await expect(view.popupFlag).toBeVisible();
  await expect(view.popupFlag).toHaveAttribute("data-regression", flag.workflow_hash);
  await expect(view.popupFlag).toContainText(new RegExp(`⚠\\s*${Math.round(flag.shifts[0]!.change_percent)} % slower than usual — KSampler #3 \\+`));
  expect(await view.onTop(view.popupFlag)).toBe(true);
  await shoot(page, "regressions-popup");

  // Keyboard: the link is reachable and opens the modal's Analytics with the flag marked.
  const link = view.popupFlag.locator('[data-action="show-regression"]');
  await link.focus();
  await page.keyboard.press("Enter");
  const modal = new ProfilerModal(page);
  await expect(modal.tab("Analytics")).toHaveAttribute("aria-selected", "true");
  const card = view.flag(flag.workflow_hash);
  await expect(card).toBeVisible();
  await expect(card).toHaveAttribute("data-focused", "true");
  expect(await view.onTop(card.locator("h4"))).toBe(true);
  await expect(card.locator('[data-shift="duration"]')).toContainText(/^\+\d+ % time \(\d+\.\d+ s → \d+\.\d+ s, \d+\.\d σ\)$/);
  await expect(card.locator(`[data-moved="${flag.moved_nodes[0]!.node_id}"]`)).toContainText(/^KSampler #3 \+\d+\.\d+ s \(\d+\.\d+ s → \d+\.\d+ s\)$/);
  await expect(card.locator("[data-env-changed]")).toHaveText("Environment changed");
  await card.locator('[data-action="show-environment"]').click();
  await expect(card.locator("[data-env-diff]")).toBeVisible();
  await expect(view.section.locator('[data-flag-class="KSampler"]')).toContainText("KSampler +");
  await shoot(page, "regressions-analytics");
});

test("a run pinned from Previous is marked; one run picked compares with it, the environments' differences beside the nodes; unpinned again", async ({ page, bar }) => {
  const flag = await flagged();
  const runs = (await api<{ items: Run[] }>(`/swissarmyknife/profiler/history?workflow_hash=${flag.workflow_hash}&status=success&limit=20`)).items;
  // Newest first: the live run, the 3 slow ones (the upgraded environment), then the usual ones.
  const slow = runs[1]!;
  const usual = runs[5]!;
  expect(slow.environment_id).not.toBe(usual.environment_id);

  await bar.open(`${host.url}/`);
  const modal = new ProfilerModal(page);
  await modal.openFromBar();
  const previous = new PreviousTabPage(page);
  await previous.waitReady();
  await previous.workflowFilter.selectOption(flag.workflow_hash);
  await expect(previous.row(usual.prompt_id)).toBeVisible();

  await previous.pick(usual.prompt_id).check();
  const pin = previous.action("pin-baseline");
  expect(await new RegressionsPage(page).onTop(pin)).toBe(true);
  await pin.click();
  await expect(previous.root.getByRole("status").filter({ hasText: "Pinned the run of" })).toBeVisible();
  await expect(previous.row(usual.prompt_id).locator('[data-baseline="pinned"]')).toHaveText("📌 baseline");
  await expect(previous.root.locator('tbody [data-baseline="pinned"]')).toHaveCount(1);

  // One slow run picked: the comparison starts from the baseline.
  await previous.pick(usual.prompt_id).uncheck();
  await previous.pick(slow.prompt_id).check();
  await expect(previous.action("compare")).toHaveText("Compare with baseline");
  await previous.action("compare").focus();
  await page.keyboard.press("Enter");
  const view = new RegressionsPage(page);
  await expect(view.compare).toHaveAttribute("data-compare", "ready");
  await expect(view.compare.locator('[data-side="before"] [data-baseline="pinned"]')).toBeVisible();
  await expect(view.compare.getByRole("heading", { level: 3 })).toContainText("A run against its baseline");
  await expect(view.environment).toHaveAttribute("data-environment", "changed");
  const lines = await view.environment.locator("li").allTextContents();
  expect(lines).toEqual(["torch 2.12.0 → 2.13.0", "GPU driver 570.86.15 → 580.65.06", "--lowvram added"]);
  expect(await view.onTop(view.environment.locator("li").first())).toBe(true);
  await expect(view.compare.locator('tr[data-row="3"]')).toContainText("KSampler");
  await shoot(page, "regressions-compare");

  // Unpin: back to the list, the baseline picked alone.
  await view.compare.locator('[data-action="close-compare"]').click();
  await previous.pick(slow.prompt_id).uncheck();
  await previous.pick(usual.prompt_id).check();
  await previous.action("unpin-baseline").click();
  await expect(previous.root.getByRole("status").filter({ hasText: "Unpinned the baseline" })).toBeVisible();
  await expect(previous.root.locator('tbody [data-baseline="pinned"]')).toHaveCount(0);
  await expect(previous.action("pin-baseline")).toBeVisible();
});

test.describe("the rule in Settings", () => {
  // The refused value's 400 is the browser's console line too.
  test.use({ allowedConsoleErrors: /status of 400/ });
  test("a stricter rule in Settings removes the flag; a value out of range is refused in the server's words", async ({ page, bar }) => {
  const flag = await flagged();
  await bar.open(`${host.url}/`);
  const modal = new ProfilerModal(page);
  await modal.openFromBar();
  await modal.show("Settings");
  const percent = page.locator('[data-setting="regression_percent"]');
  await percent.fill("0");
  await percent.press("Enter");
  await expect(page.locator('[data-tab="settings"] [role="alert"]')).toContainText("regression_percent");
  expect((await api<{ regression_percent: number }>("/swissarmyknife/profiler/settings")).regression_percent, "a refused value changes nothing").toBe(20);

  await percent.fill("200");
  await percent.press("Enter");
  await expect(percent).toHaveValue("200");
  await modal.show("Analytics");
  const view = new RegressionsPage(page);
  await expect(view.flag(flag.workflow_hash)).toHaveCount(0);
  await expect(view.section.locator('[data-empty="regressions"]')).toHaveText("2 workflows checked, none slower or hungrier than usual.");
  await expect(view.section.locator("[data-rule]")).toContainText("more than 200 % and 3 σ");
  await page.keyboard.press("Escape");
  await page.locator('[data-action="profiler"]').click();
  await expect(page.locator("#swissarmyknife-profiler-popup")).toBeVisible();
  await expect(view.popupFlag).toHaveCount(0);
});
});
