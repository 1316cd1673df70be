// Clear History from the profiler's popup, against a demo host of its own (its history is what goes):
// it asks first (Cancel keeps everything), then forgets every run through the guarded endpoint, and
// every open view reads again (the popup says there is no run, the server agrees).
import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { HudActions } from "../pages/HudActions";
import { ClearHistoryQuestion, ProfilerPopup } from "../pages/Profiler";

const SEEDED = 6;
const SHOTS = "../artifacts/screenshots";

let host: StandaloneHostProcess;

async function storedRuns(): Promise<number> {
  const response = await fetch(`${host.url}/swissarmyknife/profiler/history?limit=1`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { total: number }).total;
}

test.beforeAll(async () => {
  host = await StandaloneHostProcess.start(["--demo", "--demo-seed-runs", String(SEEDED), "--demo-speed", "50", "--demo-interval", "3600"]);
  await expect.poll(storedRuns, { timeout: 30_000 }).toBe(SEEDED + 1);
});

test.afterAll(async () => {
  await host?.dispose();
});

test("Clear History asks first, in ComfyUI's way; cancelled, nothing goes; confirmed, every run goes", async ({ page, bar }) => {
  await bar.open(`${host.url}/`);
  const popup = new ProfilerPopup(page);
  const question = new ClearHistoryQuestion(page);
  await popup.open();
  await expect(popup.name).not.toBeEmpty();

  await popup.clearHistory.click();
  await expect(question.dialog).toBeVisible();
  await expect(question.dialog).toHaveAttribute("aria-modal", "true");
  // Cancel is where focus goes, so Enter on a reflex keeps the history.
  await expect(question.cancel).toBeFocused();
  // The question sits over the page; the popup stays open under it.
  await expect(popup.root).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/profiler-clear-history-1280x720.png` });
  await question.cancel.click();
  await expect(question.dialog).toBeHidden();
  expect(await storedRuns()).toBe(SEEDED + 1);

  await popup.clearHistory.click();
  await question.confirm.click();
  await expect(question.dialog).toBeHidden();
  await expect(new HudActions(page).toast("Profiler history cleared")).toBeVisible();
  await expect(popup.root.getByText("No workflow has run yet")).toBeVisible();
  expect(await storedRuns()).toBe(0);
});
