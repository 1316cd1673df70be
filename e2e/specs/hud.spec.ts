// The live telemetry HUD against the standalone host with two simulated GPUs of different models:
// compact tiles, metrics going missing mid-stream, the execution glow, drag/collapse persistence and
// the sample interval setting.
import type { APIRequestContext } from "@playwright/test";

import { expect, test } from "../fixtures";

const SHOTS = "../artifacts/screenshots";
const FAKE_GPU = "/swissarmyknife/standalone/fake-gpu";
const SETTINGS = "/swissarmyknife/monitor/settings";

async function setMissing(request: APIRequestContext, index: number, metric: string, missing: boolean): Promise<void> {
  const response = await request.post(FAKE_GPU, { data: { index, metric, missing } });
  expect(response.status(), await response.text()).toBe(200);
}

test.describe("two GPUs of different models", () => {
  test("one compact row at 1280px: a group per GPU, named once, with utilization, VRAM and temperature", async ({ page, bar }) => {
    await bar.open();
    await expect(bar.group("gpu-0")).toHaveAccessibleName("GPU 0 (3090Ti)");
    await expect(bar.group("gpu-1")).toHaveAccessibleName("GPU 1 (A6000)");
    expect(await bar.tileIds()).toEqual(["cpu", "ram", "cpu-temp", "gpu-0", "vram-0", "gpu-temp-0", "gpu-1", "vram-1", "gpu-temp-1"]);
    for (const [id, name] of [
      ["gpu-0", "GPU 0 (3090Ti)"],
      ["vram-0", "VRAM 0 (3090Ti)"],
      ["gpu-temp-0", "TEMP 0 (3090Ti)"],
      ["gpu-1", "GPU 1 (A6000)"],
      ["vram-1", "VRAM 1 (A6000)"],
      ["gpu-temp-1", "TEMP 1 (A6000)"],
    ] as const) {
      await expect(bar.tile(id)).toHaveAccessibleName(name);
    }
    await expect(bar.value("gpu-1")).toHaveText(/^\d{1,3}%$/);
    await expect(bar.value("vram-0")).toHaveText(/^\d+\.\d\/24 GiB$/);
    await expect(bar.value("gpu-temp-1")).toHaveText(/^\d+°C$/);
    await expect(bar.tile("gpu-0")).toHaveAttribute("data-level", /^(ok|warm|hot|critical)$/);

    // Compact: every tile on one line, and the bar well inside the window.
    const tops = await bar.tiles().evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().top)));
    expect(new Set(tops).size, "all tiles on one row").toBe(1);
    const box = await bar.box();
    expect(box.height).toBeLessThan(40);
    expect(box.width).toBeLessThan(1280 - 100);

    // The fill grows left to right with the value (a transform, never a width).
    const fill = await bar.tile("ram").evaluate((el) => {
      const style = getComputedStyle(el, "::before");
      return { transform: style.transform, origin: style.transformOrigin, percent: Number(el.getAttribute("aria-valuenow")) };
    });
    expect(fill.transform).toMatch(/^matrix\(/);
    expect(Number(fill.transform.slice(7).split(",")[0])).toBeCloseTo(fill.percent / 100, 2);
    expect(fill.origin.startsWith("0px")).toBe(true);

    await bar.screenshot(`${SHOTS}/hud-two-gpus.png`);
    await page.screenshot({ path: `${SHOTS}/hud-two-gpus-page.png` });
  });

  test("a metric that goes missing mid-stream shows -- and comes back", async ({ request, bar }) => {
    await bar.open();
    await expect(bar.value("gpu-1")).toHaveText(/^\d{1,3}%$/);
    try {
      await setMissing(request, 1, "utilization_percent", true);
      await setMissing(request, 0, "temperature_c", true);
      await expect(bar.value("gpu-1")).toHaveText("--");
      await expect(bar.tile("gpu-1")).toHaveAttribute("data-missing", "true");
      await expect(bar.tile("gpu-1")).toHaveAttribute("aria-valuetext", "--");
      await expect(bar.tile("gpu-1")).toHaveAttribute("data-level", "unknown");
      await expect(bar.value("gpu-temp-0")).toHaveText("--");
      // Only the named metrics: the rest keeps its numbers.
      await expect(bar.value("gpu-0")).toHaveText(/^\d{1,3}%$/);
      await expect(bar.value("vram-1")).toHaveText(/GiB$/);
      await bar.screenshot(`${SHOTS}/hud-missing-metric.png`);
    } finally {
      await setMissing(request, 1, "utilization_percent", false);
      await setMissing(request, 0, "temperature_c", false);
    }
    await expect(bar.value("gpu-1")).toHaveText(/^\d{1,3}%$/);
    await expect(bar.value("gpu-temp-0")).toHaveText(/^\d+°C$/);
    await expect(bar.tile("gpu-1")).not.toHaveAttribute("data-missing");
  });
});

test.describe("documentation screenshots", () => {
  test.use({ deviceScaleFactor: 2 });

  test("the bar at 2x, plain and glowing", async ({ bar }) => {
    await bar.open();
    await expect(bar.value("gpu-1")).toHaveText(/^\d{1,3}%$/);
    await bar.screenshot(`${SHOTS}/hud-two-gpus@2x.png`, 20);
    await bar.dispatchApiEvent("execution_start", { prompt_id: "docs" });
    await expect(bar.root).toHaveClass(/swissarmyknife-is-executing/);
    await bar.screenshot(`${SHOTS}/hud-glow@2x.png`, 28);
    await bar.dispatchApiEvent("execution_success", { prompt_id: "docs" });
  });
});

test.describe("execution glow", () => {
  test("execution events toggle the glow class; every end event removes it", async ({ bar }) => {
    await bar.open();
    await expect(bar.root).not.toHaveClass(/swissarmyknife-is-executing/);
    expect((await bar.pseudoStyle("::after", ["display"])).display).toBe("none");

    for (const end of ["execution_success", "execution_error", "execution_interrupted"]) {
      await bar.dispatchApiEvent("execution_start", { prompt_id: `e2e-${end}` });
      await expect(bar.root).toHaveClass(/swissarmyknife-is-executing/);
      await bar.dispatchApiEvent("executing", "4");
      await expect(bar.root).toHaveClass(/swissarmyknife-is-executing/);
      await bar.dispatchApiEvent(end, { prompt_id: `e2e-${end}` });
      await expect(bar.root).not.toHaveClass(/swissarmyknife-is-executing/);
    }
    await bar.dispatchApiEvent("execution_start", { prompt_id: "e2e-null" });
    await expect(bar.root).toHaveClass(/swissarmyknife-is-executing/);
    await bar.dispatchApiEvent("executing", null);
    await expect(bar.root).not.toHaveClass(/swissarmyknife-is-executing/);
  });

  test("events over the websocket (ComfyUI's frames) drive it too", async ({ request, bar }) => {
    await bar.open();
    const emit = async (event: string, data: unknown) => {
      const response = await request.post("/swissarmyknife/standalone/emit", { data: { event, data } });
      expect(response.status()).toBe(200);
    };
    await emit("execution_start", { prompt_id: "ws" });
    await expect(bar.root).toHaveClass(/swissarmyknife-is-executing/);
    await emit("executing", { node: "3", display_node: "3", prompt_id: "ws" });
    await emit("executing", { node: null, display_node: null, prompt_id: "ws" });
    await expect(bar.root).not.toHaveClass(/swissarmyknife-is-executing/);
  });

  test("a turning six-hue ring that never covers the tiles, paused when the page is hidden", async ({ page, bar }) => {
    await bar.open();
    await bar.dispatchApiEvent("execution_start", { prompt_id: "glow" });
    await expect(bar.root).toHaveClass(/swissarmyknife-is-executing/);

    for (const pseudo of ["::before", "::after"] as const) {
      const style = await bar.pseudoStyle(pseudo, ["display", "animation-name", "animation-play-state", "pointer-events", "background-image"]);
      expect(style.display).toBe("block");
      expect(style["animation-name"]).toBe("swissarmyknife-resource-monitor-rotation");
      expect(style["animation-play-state"]).toBe("running");
      expect(style["pointer-events"]).toBe("none");
      expect(style["background-image"]).toContain("conic-gradient");
      expect(style["background-image"]?.match(/rgb\(/g)?.length).toBe(7);
    }
    // The registered property animates (an unregistered one would not interpolate).
    const angles = await bar.root.evaluate(async (el) => {
      const read = () => getComputedStyle(el, "::after").getPropertyValue("--swissarmyknife-gradient-angle");
      const first = read();
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      return [first, read()];
    });
    expect(angles[0]).toMatch(/deg$/);
    expect(angles[0]).not.toBe(angles[1]);

    // The tiles stay on top: what is under a tile's center is the tile.
    const onTop = await bar.tile("vram-1").evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && el.contains(hit);
    });
    expect(onTop).toBe(true);
    await bar.screenshot(`${SHOTS}/hud-glow.png`, 32);

    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect(bar.root).toHaveAttribute("data-page-hidden", "true");
    expect((await bar.pseudoStyle("::after", ["animation-play-state"]))["animation-play-state"]).toBe("paused");
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect(bar.root).not.toHaveAttribute("data-page-hidden");

    await bar.dispatchApiEvent("execution_success", { prompt_id: "glow" });
    await expect(bar.root).not.toHaveClass(/swissarmyknife-is-executing/);
    expect((await bar.pseudoStyle("::after", ["display"])).display).toBe("none");
  });

  test("with prefers-reduced-motion the ring does not turn", async ({ page, bar }) => {
    await page.emulateMedia({ reducedMotion: "reduce" });
    await bar.open();
    await bar.dispatchApiEvent("execution_start", { prompt_id: "still" });
    await expect(bar.root).toHaveClass(/swissarmyknife-is-executing/);
    const style = await bar.pseudoStyle("::after", ["display", "animation-name"]);
    expect(style).toEqual({ display: "block", "animation-name": "none" });
    await bar.dispatchApiEvent("execution_success", { prompt_id: "still" });
  });
});

test.describe("drag and collapse", () => {
  // Room on both sides of the centered bar, whatever buttons it carries.
  test.use({ viewport: { width: 1600, height: 900 } });

  test("the bar is dragged by its handle, stays in the window, and keeps its place across a reload", async ({ page, bar }) => {
    await bar.open();
    const start = await bar.box();
    const dx = -Math.min(120, Math.floor(start.x) - 20);
    expect(dx, "the window leaves room to drag left").toBeLessThan(-20);
    await bar.dragBy(dx, 180);
    await expect(bar.root).toHaveAttribute("data-positioned", "true");
    const moved = await bar.box();
    expect(moved.x).toBeCloseTo(start.x + dx, -1);
    expect(moved.y).toBeCloseTo(start.y + 180, -1);

    await page.reload();
    await bar.waitReady();
    await expect(bar.root).toHaveAttribute("data-positioned", "true");
    const reloaded = await bar.box();
    expect(Math.abs(reloaded.x - moved.x)).toBeLessThanOrEqual(1);
    expect(Math.abs(reloaded.y - moved.y)).toBeLessThanOrEqual(1);

    // Far past the bottom-right corner: clamped inside the window.
    await bar.dragBy(3000, 3000);
    const clamped = await bar.box();
    const viewport = page.viewportSize()!;
    expect(clamped.x + clamped.width).toBeLessThanOrEqual(viewport.width);
    expect(clamped.y + clamped.height).toBeLessThanOrEqual(viewport.height);
    expect(clamped.x + clamped.width).toBeGreaterThan(viewport.width - 10);

    // Double-click on the handle: back to the default place.
    await bar.handle.dblclick();
    await expect(bar.root).not.toHaveAttribute("data-positioned");
    const reset = await bar.box();
    expect(Math.round(reset.y)).toBe(50);
    expect(Math.abs(reset.x + reset.width / 2 - viewport.width / 2)).toBeLessThanOrEqual(1);
    await page.reload();
    await bar.waitReady();
    await expect(bar.root).not.toHaveAttribute("data-positioned");
  });

  test("collapse is a button with aria-expanded, and survives a reload", async ({ page, bar }) => {
    await bar.open();
    await expect(bar.collapseButton).toHaveAttribute("aria-expanded", "true");
    await bar.collapseButton.click();
    await expect(bar.collapseButton).toHaveAttribute("aria-expanded", "false");
    await expect(bar.root).toHaveAttribute("data-collapsed", "true");
    await expect(bar.inner).toBeHidden();
    await expect(bar.root.locator(".swissarmyknife-summary-dot")).toHaveCount(3);
    const collapsed = await bar.box();
    expect(collapsed.width).toBeLessThan(120);

    await page.reload();
    await bar.waitReady();
    await expect(bar.collapseButton).toHaveAttribute("aria-expanded", "false");
    await expect(bar.inner).toBeHidden();
    await bar.screenshot(`${SHOTS}/hud-collapsed.png`);

    await bar.collapseButton.click();
    await expect(bar.inner).toBeVisible();
    await expect(bar.tiles()).toHaveCount(9);
  });

  test("keyboard: arrows nudge the bar, Home puts it back", async ({ bar }) => {
    await bar.open();
    const start = await bar.box();
    expect(1600 - (start.x + start.width), "room for a 100px nudge").toBeGreaterThan(110);
    await bar.handle.focus();
    await bar.page.keyboard.press("ArrowDown");
    await bar.page.keyboard.press("Shift+ArrowRight");
    await expect(bar.root).toHaveAttribute("data-positioned", "true");
    const moved = await bar.box();
    expect(Math.round(moved.y - start.y)).toBe(10);
    expect(Math.round(moved.x - start.x)).toBe(100);
    await bar.page.keyboard.press("Home");
    await expect(bar.root).not.toHaveAttribute("data-positioned");
  });
});

test.describe("settings", () => {
  // The refused PUT is logged by the browser itself ("Failed to load resource: ... 400").
  test.use({ allowedConsoleErrors: /status of 400 \(Bad Request\)/ });

  test("the interval setting PUTs to the server; an out-of-range value is refused with a toast", async ({ page, request, bar }) => {
    await bar.open();
    const setSetting = (value: unknown) =>
      page.evaluate(
        (v) =>
          (
            window as unknown as {
              comfyAPI: { app: { app: { extensionManager: { setting: { set(id: string, v: unknown): Promise<void> } } } } };
            }
          ).comfyAPI.app.app.extensionManager.setting.set("SwissArmyKnife.monitor.sample_interval_s", v),
        value,
      );
    const readSetting = () =>
      page.evaluate(() =>
        (
          window as unknown as { comfyAPI: { app: { app: { extensionManager: { setting: { get(id: string): unknown } } } } } }
        ).comfyAPI.app.app.extensionManager.setting.get("SwissArmyKnife.monitor.sample_interval_s"),
      );
    const serverInterval = async () => (await (await request.get(SETTINGS)).json()).sample_interval_s;
    try {
      const put = page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith("/api/swissarmyknife/monitor/settings"));
      await setSetting(0.5);
      expect((await put).postDataJSON()).toEqual({ sample_interval_s: 0.5 });
      await expect.poll(serverInterval).toBe(0.5);

      // Events now come every half second.
      const gaps = await page.evaluate(async () => {
        const api = (window as unknown as { comfyAPI: { api: { api: EventTarget } } }).comfyAPI.api.api;
        const stamps: number[] = [];
        await new Promise<void>((resolve) => {
          const listener = (e: Event) => {
            stamps.push((e as CustomEvent<{ snapshot: { sampled_at: number } }>).detail.snapshot.sampled_at);
            if (stamps.length === 4) {
              api.removeEventListener("swissarmyknife.monitor", listener);
              resolve();
            }
          };
          api.addEventListener("swissarmyknife.monitor", listener);
        });
        return stamps.slice(1).map((s, i) => s - stamps[i]!);
      });
      for (const gap of gaps) expect(gap).toBeLessThan(1.2);

      await setSetting(25);
      await expect(page.locator(".standalone-toast-error")).toContainText("less than or equal to 10");
      await expect.poll(readSetting).toBe(0.5);
      expect(await serverInterval()).toBe(0.5);
    } finally {
      await request.put(SETTINGS, { data: { sample_interval_s: 2 } });
    }
  });

  test("the visible setting hides and shows the bar", async ({ page, bar }) => {
    await bar.open();
    const setVisible = (value: boolean) =>
      page.evaluate(
        (v) =>
          (
            window as unknown as {
              comfyAPI: { app: { app: { extensionManager: { setting: { set(id: string, v: unknown): Promise<void> } } } } };
            }
          ).comfyAPI.app.app.extensionManager.setting.set("SwissArmyKnife.monitor.visible", v),
        value,
      );
    await setVisible(false);
    await expect(bar.root).toBeHidden();
    await page.reload();
    await expect(page.locator("body")).toHaveAttribute("data-standalone-ready", "true");
    await expect(bar.root).toBeHidden();
    await setVisible(true);
    await expect(bar.root).toBeVisible();
  });
});
