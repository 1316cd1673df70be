// Archives from the Settings tab against a demo host of its own (they move the whole history):
// create one (history empties, every open view follows), load it back after a confirmation,
// delete it after another; the server's refusal shows in its own words; a server that stopped
// answering is said in place, never a blank tab.
import { startDemoHost } from "../helpers/demoHost";
import type { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { PreviousTabPage, ProfilerModal, SettingsTabPage } from "../pages/ProfilerTabs";

const SHOTS = "../artifacts/screenshots";
const SEEDED = 40;

let host: StandaloneHostProcess;

async function historyTotal(): Promise<number> {
  const response = await fetch(`${host.url}/swissarmyknife/profiler/history?limit=1`);
  return ((await response.json()) as { total: number }).total;
}

test.beforeEach(async () => {
  host = await startDemoHost(SEEDED);
});

test.afterEach(async () => {
  await host?.dispose();
});

test("creates an archive, loads it back and deletes it, each asked first where it cannot be undone", async ({ page, bar }) => {
  await bar.open(`${host.url}/`);
  const modal = new ProfilerModal(page);
  await modal.openFromBar();
  const previous = new PreviousTabPage(page);
  await previous.waitReady();
  await expect(previous.range).toHaveText(`1–${SEEDED + 1} of ${SEEDED + 1}`);

  await modal.show("Settings");
  const settings = new SettingsTabPage(page);
  await settings.waitReady();
  await expect(settings.root.locator('[data-empty="archives"]')).toBeVisible();
  await settings.action("create-archive").click();
  await expect(settings.notice("status")).toHaveText(new RegExp(`^Archived ${SEEDED + 1} runs into .+; history is empty now\\.$`));
  expect(await historyTotal()).toBe(0);
  const row = settings.archiveRows.first();
  await expect(row.locator('[data-column="runs"]')).toContainText(String(SEEDED + 1));
  // The demo's script runs out of memory once in every cycle: the archive says so.
  await expect(row.locator("[data-oom]")).toHaveText(/^\d+ OOM$/);
  await expect(row.locator('[data-archive-field="range"]')).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d – \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  await expect(row.locator('[data-archive-field="size"]')).toHaveText(/ (KiB|MiB)$/);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${SHOTS}/profiler-settings-archive-1280x720.png` });

  // Previous follows at once (history changed by our action, and the server's event).
  await modal.show("Previous");
  await expect(previous.root.locator("[data-empty]")).toContainText("No runs stored yet");

  await modal.show("Settings");
  await settings.waitReady();
  await settings.archiveRows.first().getByRole("button", { name: /^Load archive/ }).click();
  await expect(settings.confirm).toBeVisible();
  await expect(settings.confirm).toHaveAccessibleName("Load this archive into history?");
  await expect(settings.confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/profiler-settings-confirm-load-1280x720.png` });
  // Escape answers the question, not the modal under it.
  await page.keyboard.press("Escape");
  await expect(settings.confirm).toBeHidden();
  await expect(modal.dialog).toBeVisible();
  expect(await historyTotal()).toBe(0);
  await settings.archiveRows.first().getByRole("button", { name: /^Load archive/ }).click();
  await settings.confirm.getByRole("button", { name: "Load archive" }).click();
  await expect(settings.notice("status")).toHaveText(new RegExp(`^Loaded ${SEEDED + 1} runs from `));
  expect(await historyTotal()).toBe(SEEDED + 1);
  await modal.show("Previous");
  await previous.waitReady();
  await expect(previous.range).toHaveText(`1–${SEEDED + 1} of ${SEEDED + 1}`);

  await modal.show("Settings");
  await settings.waitReady();
  await settings.archiveRows.first().getByRole("button", { name: /^Delete archive/ }).click();
  await expect(settings.confirm).toHaveAccessibleName("Delete this archive?");
  await settings.confirm.getByRole("button", { name: "Delete archive" }).click();
  await expect(settings.notice("status")).toHaveText(/^Deleted archive /);
  await expect(settings.root.locator('[data-empty="archives"]')).toBeVisible();
  const archives = (await (await fetch(`${host.url}/swissarmyknife/profiler/archives`)).json()) as { count: number };
  expect(archives.count).toBe(0);
  expect(await historyTotal()).toBe(SEEDED + 1);
});

test.describe("a refusal", () => {
  // The browser itself reports every 4xx answer on the console.
  test.use({ allowedConsoleErrors: /Failed to load resource: the server responded with a status of 409/ });

  test("shows the server's refusal in its words: nothing to archive", async ({ page, bar }) => {
    const session = (await (await fetch(`${host.url}/swissarmyknife/session`)).json()) as { token: string };
    const cleared = await fetch(`${host.url}/swissarmyknife/profiler/history`, {
      method: "DELETE",
      headers: { "Content-Type": "application/json", "X-SwissArmyKnife-Token": session.token },
      body: "{}",
    });
    expect(cleared.status).toBe(200);
    await bar.open(`${host.url}/`);
    const modal = new ProfilerModal(page);
    await modal.openFromBar();
    await modal.show("Settings");
    const settings = new SettingsTabPage(page);
    await settings.waitReady();
    await settings.action("create-archive").click();
    const refusal = settings.notice("alert");
    await expect(refusal).toBeVisible();
    const answer = await fetch(`${host.url}/swissarmyknife/profiler/archive`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-SwissArmyKnife-Token": session.token },
      body: "{}",
    });
    expect(answer.status).toBe(409);
    await expect(refusal).toHaveText(((await answer.json()) as { message: string }).message);
  });
});

test.describe("a server that stopped answering", () => {
  test.use({ allowedConsoleErrors: /Failed to load resource|ERR_CONNECTION_REFUSED|\[SwissArmyKnife\]|WebSocket/ });

  test("is said in place in Previous and Analytics", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const modal = new ProfilerModal(page);
    await modal.openFromBar();
    const previous = new PreviousTabPage(page);
    await previous.waitReady();
    await host.stop();
    await previous.statusFilter.selectOption("error");
    await expect(previous.root.getByRole("alert")).toHaveText("Could not read history: The server did not answer.");
    // The page shown stays, not a blank tab.
    await expect(previous.rows.first()).toBeVisible();
    await modal.show("Analytics");
    await expect(page.locator('[data-tab="analytics"]').getByRole("alert").first()).toContainText("The server did not answer.");
  });
});
