// The design tokens reach the page (one stylesheet the bundle injects) and follow ComfyUI's palette:
// a light palette's variables on <html> give a light restart confirmation with dark text, and the
// focus ring takes ComfyUI's primary colour. The standalone host sets none of them (our fallbacks).
import type { Locator, Page } from "@playwright/test";

import { expect, test } from "../fixtures";
import { HudActions } from "../pages/HudActions";
import { ProfilerPopup } from "../pages/Profiler";

const SHOTS = "../artifacts/screenshots";

// ComfyUI's light palette (comfy_base of ComfyUI_frontend's light.json), set the way its palette
// service sets it: on document.documentElement's style.
const LIGHT_PALETTE = {
  "--fg-color": "#222",
  "--comfy-menu-bg": "#FFFFFF",
  "--error-text": "#F44336",
  "--p-primary-color": "#3b82f6",
};

/**
 * A computed colour as [r, g, b, alpha] (0-255, alpha 0-1): chromium reports colours made with
 * color-mix() as `color(srgb r g b / a)` (0-1 channels), others as `rgb()`/`rgba()`.
 */
async function colorOf(locator: Locator, property: string): Promise<number[]> {
  const value = await locator.evaluate((el, name) => getComputedStyle(el).getPropertyValue(name), property);
  const srgb = /^color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)$/.exec(value);
  if (srgb) return [...srgb.slice(1, 4).map((c) => Math.round(Number(c) * 255)), Number(srgb[4] ?? 1)];
  const rgb = /^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$/.exec(value);
  if (rgb) return [...rgb.slice(1, 4).map(Number), Number(rgb[4] ?? 1)];
  throw new Error(`not a colour: ${value}`);
}

test("the tokens stylesheet is in the page once; without a palette our dark fallbacks apply", async ({ page, bar }) => {
  await bar.open();
  await expect(page.locator("style#swissarmyknife-tokens")).toHaveCount(1);
  const actions = new HudActions(page);
  // #f4f4f5 (our text colour) at 8%: the buttons' fill.
  expect(await colorOf(actions.clearVram, "background-color")).toEqual([244, 244, 245, 0.08]);
});

test("a light ComfyUI palette gives a light confirmation with dark text and ComfyUI's focus colour", async ({ page, bar }) => {
  await bar.open();
  await page.evaluate((palette) => {
    for (const [name, value] of Object.entries(palette)) document.documentElement.style.setProperty(name, value);
  }, LIGHT_PALETTE);
  const actions = new HudActions(page);
  await expect.poll(() => colorOf(actions.clearVram, "background-color")).toEqual([34, 34, 34, 0.08]);
  await actions.restart.click();
  await expect(actions.confirmDialog).toBeVisible();
  // The menu background (white) at 96%, the palette's text colour.
  expect(await colorOf(actions.confirmDialog, "background-color")).toEqual([255, 255, 255, 0.96]);
  expect(await colorOf(actions.confirmDialog, "color")).toEqual([34, 34, 34, 1]);
  await expect(actions.confirmRestart).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(actions.cancelRestart).toBeFocused();
  expect(await colorOf(actions.cancelRestart, "outline-color")).toEqual([59, 130, 246, 1]);
  await page.screenshot({ path: `${SHOTS}/tokens-light-palette-confirm.png`, clip: await confirmClip(page) });
});

/** The action buttons and the confirmation below them, with a margin. */
async function confirmClip(page: Page) {
  const group = await page.getByRole("group", { name: "Server actions" }).boundingBox();
  const dialog = await page.getByRole("alertdialog").boundingBox();
  expect(group, "the actions are visible").not.toBeNull();
  expect(dialog, "the confirmation is visible").not.toBeNull();
  const left = Math.max(0, Math.min(group!.x, dialog!.x) - 16);
  const top = Math.max(0, group!.y - 16);
  const right = Math.max(group!.x + group!.width, dialog!.x + dialog!.width) + 16;
  return { x: left, y: top, width: right - left, height: dialog!.y + dialog!.height + 16 - top };
}

test("the light palette reaches the profiler's popup and modal: light surfaces, dark text, ComfyUI's focus colour", async ({ page, bar }) => {
  await bar.open();
  await page.evaluate((palette) => {
    for (const [name, value] of Object.entries(palette)) document.documentElement.style.setProperty(name, value);
  }, LIGHT_PALETTE);
  const popup = new ProfilerPopup(page);
  await popup.open();
  await expect.poll(() => colorOf(popup.root, "background-color")).toEqual([255, 255, 255, 0.96]);
  expect(await colorOf(popup.root, "color")).toEqual([34, 34, 34, 1]);
  // The gauge's track is the text colour at 13 %, its ring ComfyUI's primary colour.
  expect(await colorOf(popup.root.locator(".swissarmyknife-gauge-track"), "stroke")).toEqual([34, 34, 34, 0.13]);
  await page.screenshot({ path: `${SHOTS}/tokens-light-palette-popup.png`, clip: (await popup.root.boundingBox())! });

  await popup.viewHistory.click();
  const modal = page.getByRole("dialog", { name: "Profiler" });
  await expect(modal).toBeVisible();
  expect(await colorOf(modal, "background-color")).toEqual([255, 255, 255, 0.96]);
  expect(await colorOf(modal, "color")).toEqual([34, 34, 34, 1]);
  await page.keyboard.press("Tab");
  const focused = page.locator(":focus-visible");
  await expect(focused).toHaveCount(1);
  expect(await colorOf(focused, "outline-color")).toEqual([59, 130, 246, 1]);
  await page.screenshot({ path: `${SHOTS}/tokens-light-palette-modal.png` });
});
