// The extension's settings, changed where users change them, taking effect at once: in the
// standalone shim's settings dialog (as ComfyUI's), the sample interval reaches the server and the
// samples come faster; toast verbosity silences the pack's toasts; the tile colour thresholds recolour
// a tile and an out-of-order one is refused; the modal's Settings tab shows the same values and its
// changes show in the dialog; the Restart and Clear VRAM commands run the buttons' flow. A host of
// its own (fake GPUs): the settings these tests change are saved on it.
import type { Page } from "@playwright/test";

import { expect, test } from "../fixtures";
import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { HudActions } from "../pages/HudActions";
import { executeCommand, ModalHostSettings, ShimSettingsDialog } from "../pages/HostSettings";
import { ProfilerModal } from "../pages/ProfilerTabs";
import { getJson } from "../helpers/api";

const SHOTS = "../artifacts/screenshots";
const INTERVAL = "SwissArmyKnife.monitor.sample_interval_s";
const TOASTS = "SwissArmyKnife.toasts.verbosity";
const LEVELS = ["warm", "hot", "critical"].map((level) => `SwissArmyKnife.monitor.level_${level}_percent`);
const RECORD = "SwissArmyKnife.profiler.enabled";
const BADGES = "SwissArmyKnife.badges.mode";
const VISIBLE = "SwissArmyKnife.monitor.visible";
const GUARD = "SwissArmyKnife.actions.guard";

let host: StandaloneHostProcess;

const api = <T>(route: string, init?: RequestInit): Promise<T> => getJson<T>(host.url, route, init);

test.beforeAll(async () => {
  host = await StandaloneHostProcess.start(["--fake-gpus"]);
});

test.afterAll(async () => {
  await host?.dispose();
});

/** The server time of each monitor sample the page receives from now on (ComfyUI's api events). */
async function recordSamples(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { comfyAPI: { api: { api: EventTarget } }; sampledAt: number[] };
    w.sampledAt = [];
    w.comfyAPI.api.api.addEventListener("swissarmyknife.monitor", (event) => {
      w.sampledAt.push((event as CustomEvent<{ snapshot: { sampled_at: number } }>).detail.snapshot.sampled_at);
    });
  });
  return () => page.evaluate(() => [...(window as unknown as { sampledAt: number[] }).sampledAt]);
}

test.describe("the shim's settings dialog", () => {
  test("lists the settings by section; the sample interval changed there reaches the server and samples come faster", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    expect((await api<{ sample_interval_s: number }>("/swissarmyknife/monitor/settings")).sample_interval_s).toBe(2);
    const dialog = new ShimSettingsDialog(page);
    await dialog.open();
    await expect(dialog.section("Resource monitor")).toBeVisible();
    for (const name of ["Node badges", "Profiler", "Notifications", "Server actions", "Debug"]) await expect(dialog.section(name)).toBeVisible();
    await expect(dialog.control("SwissArmyKnife.monitor.position")).toHaveCount(0);
    // The read-only guard: its own element, the server's answer (a loopback host allows the actions).
    await expect(dialog.control(GUARD)).toHaveText("Allowed on this server.");
    await expect(dialog.control(INTERVAL)).toHaveValue("2");
    await dialog.root.screenshot({ path: `${SHOTS}/settings-shim-dialog.png` });

    const samples = await recordSamples(page);
    await dialog.setNumber(INTERVAL, 0.5);
    await expect.poll(async () => (await api<{ sample_interval_s: number }>("/swissarmyknife/monitor/settings")).sample_interval_s).toBe(0.5);
    // Samples taken at the new interval: the server's own timestamps, 0.5 s apart (not 2 s).
    const times = await samples();
    await expect.poll(async () => (await samples()).length - times.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    const fresh = (await samples()).slice(times.length + 1);
    const gaps = fresh.slice(1).map((t, i) => t - fresh[i]!);
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThan(0.3);
    expect(median).toBeLessThan(0.9);

    await dialog.setNumber(INTERVAL, 2);
    await expect.poll(async () => (await api<{ sample_interval_s: number }>("/swissarmyknife/monitor/settings")).sample_interval_s).toBe(2);
  });

  test("toast verbosity: none silences the pack's toasts, all brings them back", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const actions = new HudActions(page);
    const dialog = new ShimSettingsDialog(page);
    await dialog.open();
    await dialog.control(TOASTS).selectOption("none");
    await dialog.close();
    const cleared = page.waitForResponse((r) => r.url().endsWith("/swissarmyknife/monitor/clear-vram") && r.ok());
    await actions.clearVram.click();
    await cleared;
    await expect(actions.clearVram).toHaveAttribute("data-state", "idle");
    await expect(actions.toasts).toHaveCount(0);

    await dialog.open();
    await dialog.control(TOASTS).selectOption("all");
    await dialog.close();
    await actions.clearVram.click();
    await expect(actions.toast("VRAM cleared")).toBeVisible();
  });

  test("tile colour thresholds recolour the tiles at once; an out-of-order one is refused and put back", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const dialog = new ShimSettingsDialog(page);
    const actions = new HudActions(page);
    await expect(bar.tile("ram")).not.toHaveAttribute("data-level", "unknown");
    const before = await bar.tile("ram").getAttribute("data-level");
    await dialog.open();
    // In order, each above the one before: RAM in use (over 3 %) goes red.
    for (const [i, percent] of [1, 2, 3].entries()) await dialog.setNumber(LEVELS[i]!, percent);
    await expect(bar.tile("ram")).toHaveAttribute("data-level", "critical");
    expect(before).not.toBe("critical");

    await dialog.setNumber(LEVELS[1]!, 50);
    await expect(actions.toast("Tile colours not changed")).toContainText("Yellow 1, orange 50, red 3: each must be above the one before");
    await expect(dialog.control(LEVELS[1]!)).toHaveValue("2");
    await expect(bar.tile("ram")).toHaveAttribute("data-level", "critical");

    for (const [i, percent] of [90, 70, 50].entries()) await dialog.setNumber(LEVELS[2 - i]!, percent);
    await expect(bar.tile("ram")).toHaveAttribute("data-level", before!);
  });
});

test.describe("the modal's Settings tab", () => {
  test("shows the same settings; a change there shows in the shim's dialog and reaches the server", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const modal = new ProfilerModal(page);
    await executeCommand(page, "SwissArmyKnife.OpenProfiler");
    await modal.show("Settings");
    const section = new ModalHostSettings(page);
    await expect(section.control(INTERVAL)).toHaveValue("2");
    await expect(section.control(LEVELS[0]!)).toHaveValue("50");
    await expect(section.control(RECORD)).toBeChecked();
    await expect(section.control(GUARD)).toContainText("Allowed on this server.");
    await section.root.screenshot({ path: `${SHOTS}/settings-modal-section.png` });

    await section.combo("Node badges").selectOption("off");
    await section.control(RECORD).uncheck();
    await expect.poll(async () => (await api<{ enabled: boolean }>("/swissarmyknife/profiler/settings")).enabled).toBe(false);
    await section.setNumber(LEVELS[0]!, 40);
    await page.keyboard.press("Escape");
    await expect(modal.dialog).toBeHidden();

    const dialog = new ShimSettingsDialog(page);
    await dialog.open();
    await expect(dialog.control(BADGES)).toHaveValue("off");
    await expect(dialog.control(RECORD)).not.toBeChecked();
    await expect(dialog.control(LEVELS[0]!)).toHaveValue("40");
    // And back, from the dialog: the modal's section follows it.
    await dialog.control(RECORD).check();
    await expect.poll(async () => (await api<{ enabled: boolean }>("/swissarmyknife/profiler/settings")).enabled).toBe(true);
    await dialog.close();
    await executeCommand(page, "SwissArmyKnife.OpenProfiler");
    await modal.show("Settings");
    await expect(section.control(RECORD)).toBeChecked();
  });
});

/** The confirmation hangs from the Restart button: their right edges line up (the popover's "end" alignment). */
async function expectUnderRestart(actions: HudActions): Promise<void> {
  const right = async (box: { x: number; width: number } | null) => (box ? box.x + box.width : Number.NaN);
  await expect.poll(async () => Math.abs((await right(await actions.confirmDialog.boundingBox())) - (await right(await actions.restart.boundingBox())))).toBeLessThan(4);
}

test.describe("the Restart and Clear VRAM commands", () => {
  test("Restart opens the bar's confirmation, with the bar hidden too; Clear VRAM clears", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const actions = new HudActions(page);
    await executeCommand(page, "SwissArmyKnife.Restart");
    await expect(actions.confirmDialog).toBeVisible();
    await expect(actions.confirmRestart).toBeFocused();
    await actions.cancelRestart.click();
    await expect(actions.confirmDialog).toBeHidden();

    // Hidden, then collapsed: the bar shows for the question, the confirmation under its Restart button.
    const dialog = new ShimSettingsDialog(page);
    await dialog.open();
    await dialog.control(VISIBLE).uncheck();
    await dialog.close();
    await expect(bar.root).toBeHidden();
    await executeCommand(page, "SwissArmyKnife.Restart");
    await expect(actions.confirmDialog).toBeVisible();
    await expectUnderRestart(actions);
    await page.screenshot({ path: `${SHOTS}/settings-restart-command.png` });
    await page.keyboard.press("Escape");
    await expect(bar.root).toBeHidden();
    await dialog.open();
    await dialog.control(VISIBLE).check();
    await dialog.close();
    await bar.collapseButton.click();
    await expect(bar.inner).toBeHidden();
    await executeCommand(page, "SwissArmyKnife.Restart");
    await expect(actions.confirmDialog).toBeVisible();
    await expectUnderRestart(actions);
    await actions.cancelRestart.click();
    await expect(bar.inner).toBeHidden();

    await executeCommand(page, "SwissArmyKnife.ClearVram");
    await expect(actions.toast("VRAM cleared")).toBeVisible();
  });
});
