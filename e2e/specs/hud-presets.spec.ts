// The bar's presets, multi-GPU grid, docking and tile menu against the standalone host: two fake GPUs
// of different models (the fake-gpus project's host), and a fake 8-GPU box of its own. Settings change
// through the host's settings as its dialog changes them, and apply at once.
import { expect, test } from "../fixtures";
import { StandaloneHostProcess } from "../helpers/standaloneHost";
import { ShimSettingsDialog } from "../pages/HostSettings";
import type { ResourceMonitorBar } from "../pages/ResourceMonitorBar";

const SHOTS = "../artifacts/screenshots";
const PRESET = "SwissArmyKnife.monitor.preset";
const HIDDEN = "SwissArmyKnife.monitor.hidden_tiles";
const DOCK = "SwissArmyKnife.monitor.dock";
/** The standalone shim keeps the user's settings (ComfyUI keeps them on the server) under this key. */
const SHIM_SETTINGS = "swissarmyknife.standalone.settings";

const HOST = ["cpu", "ram", "cpu-temp"];
const GPU = (i: number) => [`gpu-${i}`, `vram-${i}`, `gpu-temp-${i}`];

async function labels(bar: ResourceMonitorBar): Promise<number> {
  return bar.root.locator(".swissarmyknife-tile-label").count();
}

test.describe("presets", () => {
  test("each preset shows its tiles, applied live from the settings and kept in this browser", async ({ page, bar }) => {
    await bar.open();
    expect(await bar.tileIds()).toEqual([...HOST, ...GPU(0), ...GPU(1)]);
    expect(await bar.setting(PRESET)).toBe("full");
    await bar.screenshot(`${SHOTS}/hud-preset-full.png`);

    await bar.setSetting(PRESET, "compact");
    await expect(bar.root.locator(".swissarmyknife-tile-label")).toHaveCount(0);
    expect(await bar.tileIds()).toEqual([...HOST, ...GPU(0), ...GPU(1)]);
    // Values only, still named for screen readers and in the tooltip.
    await expect(bar.tile("vram-1")).toHaveAccessibleName("VRAM 1 (A6000)");
    await expect(bar.tile("vram-1")).toHaveAttribute("title", /^VRAM 1 \(A6000\) /);
    await bar.screenshot(`${SHOTS}/hud-preset-compact.png`);

    await bar.setSetting(PRESET, "minimal");
    await expect(bar.tiles()).toHaveCount(4);
    expect(await bar.tileIds()).toEqual(["cpu", "ram", "vram-0", "vram-1"]);
    expect(await labels(bar)).toBe(4);
    // With no utilization tile, each VRAM tile names its GPU.
    await expect(bar.label("vram-1")).toHaveText("VRAM 1");
    await bar.screenshot(`${SHOTS}/hud-preset-minimal.png`);

    await bar.setSetting(PRESET, "laptop");
    await expect(bar.tiles()).toHaveCount(3);
    expect(await bar.tileIds()).toEqual(HOST);
    await expect(bar.group("gpu-0")).toHaveCount(0);
    await bar.screenshot(`${SHOTS}/hud-preset-laptop.png`);

    await bar.setSetting(HIDDEN, "gpu-temp, vram-1");
    await bar.setSetting(PRESET, "custom");
    await expect(bar.tiles()).toHaveCount(6);
    expect(await bar.tileIds()).toEqual([...HOST, ...GPU(0).slice(0, 2), "gpu-1"]);
    await bar.screenshot(`${SHOTS}/hud-preset-custom.png`);

    // Collapsed: one dot per group shown.
    await bar.setSetting(PRESET, "laptop");
    await bar.collapseButton.click();
    await expect(bar.root.locator(".swissarmyknife-summary-dot")).toHaveCount(1);
    await bar.collapseButton.click();

    // This browser's choice survives a reload, and the settings show it.
    await page.reload();
    await bar.waitReady();
    expect(await bar.tileIds()).toEqual(HOST);
    expect(await bar.setting(PRESET)).toBe("laptop");
    expect(await bar.setting(HIDDEN)).toBe("gpu-temp, vram-1");
  });

  test("the host's settings dialog shows the choice and changes it live: the preset, Custom's hidden tiles, the dock", async ({ page, bar }) => {
    await bar.open();
    const dialog = new ShimSettingsDialog(page);
    await dialog.open();
    await expect(dialog.control(PRESET)).toHaveValue("full");
    await expect(dialog.control(DOCK)).toHaveValue("float");
    await dialog.control(PRESET).selectOption({ label: "Minimal (CPU, RAM, VRAM)" });
    await expect(bar.tiles()).toHaveCount(4);
    await dialog.control(HIDDEN).fill("ram, vram-0");
    await dialog.control(HIDDEN).press("Enter");
    await dialog.control(PRESET).selectOption("custom");
    await expect(bar.tiles()).toHaveCount(7);
    expect(await bar.tileIds()).toEqual(["cpu", "cpu-temp", "gpu-0", "gpu-temp-0", ...GPU(1)]);
    await dialog.control(DOCK).selectOption({ label: "Bottom edge" });
    await expect(bar.root).toHaveAttribute("data-dock", "bottom");
    await page.screenshot({ path: `${SHOTS}/hud-preset-dialog.png` });
    await dialog.close();
    // A tile's "Hide this tile" shows in the dialog.
    await bar.openTileMenu("cpu");
    await bar.menuItem("Hide this tile").click();
    await dialog.open();
    await expect(dialog.control(HIDDEN)).toHaveValue("ram, vram-0, cpu");
  });

  test("another browser keeps its own choice: at load it wins over the user's settings, which then show it", async ({ page, bar }) => {
    // The user's settings say Laptop (chosen in another browser); this browser chose Minimal.
    await page.addInitScript(
      ([shimKey, presetId]) => {
        if (sessionStorage.getItem("seeded")) return;
        sessionStorage.setItem("seeded", "1");
        localStorage.setItem(shimKey, JSON.stringify({ [presetId]: "laptop" }));
        localStorage.setItem(presetId, JSON.stringify("minimal"));
      },
      [SHIM_SETTINGS, PRESET] as const,
    );
    await bar.open();
    expect(await bar.tileIds()).toEqual(["cpu", "ram", "vram-0", "vram-1"]);
    expect(await bar.setting(PRESET)).toBe("minimal");
  });
});

test.describe("docking", () => {
  test("docks to the top and bottom edge as a full-width strip, is not dragged there, and floats again on a double-click", async ({ page, bar }) => {
    await bar.open();
    const viewport = page.viewportSize()!;
    await bar.setSetting(DOCK, "top");
    await expect(bar.root).toHaveAttribute("data-dock", "top");
    await expect.poll(async () => (await bar.box()).width).toBe(viewport.width);
    let box = await bar.box();
    expect(box.x).toBe(0);
    expect(box.y).toBe(0);
    // Its tiles stay centered in the strip.
    const tiles = await bar.inner.boundingBox();
    expect(Math.abs(tiles!.x + tiles!.width / 2 - viewport.width / 2)).toBeLessThan(40);
    await bar.dragBy(200, 300);
    expect(await bar.box()).toEqual(box);
    await page.screenshot({ path: `${SHOTS}/hud-dock-top.png`, clip: { x: 0, y: 0, width: viewport.width, height: 120 } });

    await bar.setSetting(DOCK, "bottom");
    await expect(bar.root).toHaveAttribute("data-dock", "bottom");
    await expect.poll(async () => {
      const b = await bar.box();
      return Math.round(b.y + b.height);
    }).toBe(viewport.height);
    box = await bar.box();
    await page.screenshot({ path: `${SHOTS}/hud-dock-bottom.png`, clip: { x: 0, y: viewport.height - 120, width: viewport.width, height: 120 } });

    // Collapsed, docked: the dots in the middle of the strip.
    await bar.collapseButton.click();
    const dots = await bar.root.locator(".swissarmyknife-summary").boundingBox();
    expect(Math.abs(dots!.x + dots!.width / 2 - viewport.width / 2)).toBeLessThan(60);
    await bar.collapseButton.click();

    await bar.handle.dblclick();
    await expect(bar.root).not.toHaveAttribute("data-dock");
    expect(await bar.setting(DOCK)).toBe("float");
    expect((await bar.box()).width).toBeLessThan(viewport.width - 100);
    await page.reload();
    await bar.waitReady();
    await expect(bar.root).not.toHaveAttribute("data-dock");
  });
});

test.describe("tile menu", () => {
  test.beforeEach(async ({ context }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  });

  const clipboard = (bar: ResourceMonitorBar) => bar.page.evaluate(() => navigator.clipboard.readText());

  test("by mouse: right click, copy a value, hide a tile (Custom), and show all again", async ({ bar }) => {
    await bar.open();
    await bar.openTileMenu("vram-0");
    // (An "Open GPU inspector" item follows on a GPU's tile where the page has the inspector.)
    expect((await bar.menu.getByRole("menuitem").allTextContents()).slice(0, 3)).toEqual(["Copy value", "Copy summary", "Hide this tile"]);
    await expect(bar.menuItem("Copy value")).toBeFocused();
    await bar.screenshot(`${SHOTS}/hud-tile-menu.png`, 140);
    await bar.menuItem("Copy value").click();
    await expect(bar.menu).toHaveCount(0);
    expect(await clipboard(bar)).toMatch(/^VRAM 0 \(3090Ti\): \d+\.\d\/24 GiB$/);

    await bar.openTileMenu("gpu-temp-1");
    await bar.menuItem("Hide this tile").click();
    await expect(bar.tile("gpu-temp-1")).toHaveCount(0);
    expect(await bar.setting(PRESET)).toBe("custom");
    expect(await bar.setting(HIDDEN)).toBe("gpu-temp-1");

    // A click outside closes the menu and runs nothing.
    await bar.openTileMenu("cpu");
    await expect(bar.menu.getByRole("menuitem")).toHaveText(["Copy value", "Copy summary", "Hide this tile", "Show all tiles"]);
    await bar.page.mouse.click(600, 500);
    await expect(bar.menu).toHaveCount(0);

    await bar.openTileMenu("cpu");
    await bar.menuItem("Show all tiles").click();
    await expect(bar.tile("gpu-temp-1")).toBeVisible();
    expect(await bar.setting(HIDDEN)).toBe("");
  });

  test("by keyboard: Shift+F10 on a focused tile, arrows, Enter copies the summary; Escape gives focus back", async ({ page, bar }) => {
    await bar.open();
    await bar.tile("gpu-1").focus();
    await page.keyboard.press("Shift+F10");
    await expect(bar.menuItem("Copy value")).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(bar.menuItem("Copy summary")).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(bar.menu).toHaveCount(0);
    await expect(bar.tile("gpu-1")).toBeFocused();
    expect(await clipboard(bar)).toMatch(
      /^CPU (\d+%|--) · RAM \d+\.\d\/\d+ GiB( · CPU TEMP (\d+°C|--))? · GPU0 \d+% \d+\.\d\/24 GiB \d+°C · GPU1 \d+% \d+\.\d\/48 GiB \d+°C$/,
    );

    // Tab reaches the tiles; the menu key opens the menu too.
    await bar.tile("cpu").focus();
    await page.keyboard.press("Tab");
    await expect(bar.tile("ram")).toBeFocused();
    await page.keyboard.press("ContextMenu");
    await expect(bar.menu).toBeVisible();
    await page.keyboard.press("ArrowUp");
    await expect(bar.menuItem("Hide this tile")).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(bar.menu).toHaveCount(0);
    await expect(bar.tile("ram")).toBeFocused();
    // Escape was the menu's: the bar is still there, nothing else closed.
    await expect(bar.root).toBeVisible();
  });

  test("by a long press of a touch", async ({ bar }) => {
    await bar.open();
    const box = (await bar.tile("ram").boundingBox())!;
    await bar.tile("ram").dispatchEvent("pointerdown", { pointerType: "touch", isPrimary: true, clientX: box.x + 5, clientY: box.y + 5 });
    await expect(bar.menu).toBeVisible();
    await bar.tile("ram").dispatchEvent("pointerup", { pointerType: "touch" });
    await expect(bar.menuItem("Copy value")).toBeFocused();
  });
});

test.describe("eight GPUs", () => {
  let host: StandaloneHostProcess;
  test.beforeAll(async () => {
    host = await StandaloneHostProcess.start(["--fake-gpu-count", "8"]);
  });
  test.afterAll(async () => {
    await host.dispose();
  });

  for (const width of [1280, 800]) {
    test(`wraps into a grid that fits a ${width}px window: the host's row with the actions, then the GPUs in columns`, async ({ page, bar }) => {
      await page.setViewportSize({ width, height: 720 });
      await bar.open(host.url);
      await expect(bar.tiles()).toHaveCount(3 + 8 * 3);
      const columns = Number(await bar.inner.getAttribute("data-columns"));
      expect(columns).toBe(width === 1280 ? 4 : 2);
      const box = await bar.box();
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      expect(box.y + box.height).toBeLessThanOrEqual(720);
      const groups = await bar.root.locator("[data-group]").evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return { id: el.getAttribute("data-group"), left: Math.round(r.left), top: Math.round(r.top), right: r.right };
        }),
      );
      const [hostGroup, ...gpus] = groups;
      expect(hostGroup?.id).toBe("host");
      expect(gpus.every((g) => g.top > hostGroup!.top), "the host's group on its own row").toBe(true);
      const actions = (await bar.root.locator(".swissarmyknife-actions").boundingBox())!;
      expect(actions.y + actions.height, "the actions on the host's row").toBeLessThanOrEqual(Math.min(...gpus.map((g) => g.top)));
      expect(new Set(gpus.map((g) => g.top)).size, "GPU rows").toBe(8 / columns);
      expect(new Set(gpus.map((g) => g.left)).size, "GPU columns").toBe(columns);
      expect(gpus.every((g) => g.right <= box.x + box.width)).toBe(true);
      // Each GPU named by its index; the model in the accessible name.
      await expect(bar.label("gpu-7")).toHaveText("GPU 7");
      await expect(bar.tile("gpu-7")).toHaveAccessibleName("GPU 7 (H100)");
      await bar.screenshot(`${SHOTS}/hud-eight-gpus-${width}.png`);
    });
  }

  test("the menu copies all eight GPUs in its summary, and Minimal stays a grid of VRAM", async ({ context, bar }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await bar.open(host.url);
    await bar.openTileMenu("vram-7");
    await bar.menuItem("Copy summary").click();
    const summary = await bar.page.evaluate(() => navigator.clipboard.readText());
    expect(summary.match(/GPU\d /g)).toEqual(["GPU0 ", "GPU1 ", "GPU2 ", "GPU3 ", "GPU4 ", "GPU5 ", "GPU6 ", "GPU7 "]);
    await bar.setSetting(PRESET, "minimal");
    await expect(bar.tiles()).toHaveCount(2 + 8);
    await bar.screenshot(`${SHOTS}/hud-eight-gpus-minimal.png`);
    // Docked, the grid spans the strip.
    await bar.setSetting(PRESET, "full");
    await bar.setSetting(DOCK, "top");
    await expect.poll(async () => (await bar.box()).width).toBe(1280);
    expect(await bar.inner.getAttribute("data-columns")).toBe("4");
    const box = await bar.box();
    expect(box.y).toBe(0);
    expect(box.height).toBeLessThan(200);
    await bar.page.screenshot({ path: `${SHOTS}/hud-eight-gpus-docked.png`, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(box.height) + 20 } });
  });
});
