// Page object for the floating resource monitor bar (and the standalone shim's ComfyUI api it listens to).
import { expect, type Locator, type Page } from "@playwright/test";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The standalone shim's settings (backend/host/standalone/web/scripts/app.js), shaped as ComfyUI's. */
type SettingsWindow = {
  comfyAPI: { app: { app: { extensionManager: { setting: { get(id: string): unknown; set(id: string, value: unknown): Promise<void> } } } } };
};

export class ResourceMonitorBar {
  readonly root: Locator;
  readonly inner: Locator;
  readonly handle: Locator;
  readonly collapseButton: Locator;

  constructor(readonly page: Page) {
    this.root = page.locator("#swissarmyknife-resource-monitor");
    this.inner = page.locator("#swissarmyknife-resource-monitor-inner");
    this.handle = this.root.locator(".swissarmyknife-drag-handle");
    this.collapseButton = this.root.locator(".swissarmyknife-collapse");
  }

  /** Opens the standalone host and waits until the bar shows live data. */
  async open(path = "/"): Promise<void> {
    await this.page.goto(path);
    await this.waitReady();
  }

  async waitReady(): Promise<void> {
    await expect(this.page.locator("body")).toHaveAttribute("data-standalone-ready", "true");
    await expect(this.root).toHaveAttribute("data-state", "ready");
  }

  tile(id: string): Locator {
    return this.root.locator(`[data-tile="${id}"]`);
  }

  tiles(): Locator {
    return this.root.locator("[data-tile]");
  }

  group(id: string): Locator {
    return this.root.locator(`[data-group="${id}"]`);
  }

  async tileIds(): Promise<string[]> {
    return this.tiles().evaluateAll((els) => els.map((el) => el.getAttribute("data-tile") ?? ""));
  }

  value(id: string): Locator {
    return this.tile(id).locator(".swissarmyknife-tile-value");
  }

  /** The visible label (inside a GPU group only the first tile names the device). */
  label(id: string): Locator {
    return this.tile(id).locator(".swissarmyknife-tile-label");
  }

  async box(): Promise<Box> {
    const box = await this.root.boundingBox();
    expect(box, "the bar is visible").not.toBeNull();
    return box!;
  }

  /** Drags the bar by its handle with real pointer events, in steps like a hand would. */
  async dragBy(dx: number, dy: number): Promise<void> {
    const handle = await this.handle.boundingBox();
    expect(handle).not.toBeNull();
    const x = handle!.x + handle!.width / 2;
    const y = handle!.y + handle!.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x + dx, y + dy, { steps: 8 });
    await this.page.mouse.up();
    await expect(this.root).not.toHaveAttribute("data-dragging");
  }

  /** Dispatches an event on ComfyUI's api object, as its websocket client would. */
  async dispatchApiEvent(type: string, detail: unknown): Promise<void> {
    await this.page.evaluate(
      ([eventType, eventDetail]) => {
        const api = (window as unknown as { comfyAPI: { api: { api: EventTarget } } }).comfyAPI.api.api;
        api.dispatchEvent(new CustomEvent(eventType as string, { detail: eventDetail }));
      },
      [type, detail] as const,
    );
  }

  /** The open tile menu (right click, long press, the menu key or Shift+F10 on a tile). */
  get menu(): Locator {
    return this.root.getByRole("menu");
  }

  menuItem(name: string): Locator {
    return this.menu.getByRole("menuitem", { name });
  }

  async openTileMenu(id: string): Promise<void> {
    await this.tile(id).click({ button: "right" });
    await expect(this.menu).toBeVisible();
  }

  /** A setting as the host's settings (the dialog) hold it. */
  async setting(id: string): Promise<unknown> {
    return this.page.evaluate((settingId) => (window as unknown as SettingsWindow).comfyAPI.app.app.extensionManager.setting.get(settingId), id);
  }

  /** Changes a setting as the host's settings dialog does (its onChange runs). */
  async setSetting(id: string, value: unknown): Promise<void> {
    await this.page.evaluate(
      ([settingId, settingValue]) => (window as unknown as SettingsWindow).comfyAPI.app.app.extensionManager.setting.set(settingId as string, settingValue),
      [id, value] as const,
    );
  }

  /** Computed style of the bar's ::before (plume) or ::after (ring). */
  async pseudoStyle(pseudo: "::before" | "::after", properties: string[]): Promise<Record<string, string>> {
    return this.root.evaluate(
      (el, [which, names]) => {
        const style = getComputedStyle(el, which as string);
        return Object.fromEntries((names as string[]).map((n) => [n, style.getPropertyValue(n)]));
      },
      [pseudo, properties] as const,
    );
  }

  /** Screenshot of the bar with some room around it (the glow extends past its edge). */
  async screenshot(path: string, margin = 24): Promise<void> {
    const box = await this.box();
    const viewport = this.page.viewportSize()!;
    const x = Math.max(0, box.x - margin);
    const y = Math.max(0, box.y - margin);
    await this.page.screenshot({
      path,
      clip: {
        x,
        y,
        width: Math.min(viewport.width - x, box.width + 2 * margin),
        height: Math.min(viewport.height - y, box.height + 2 * margin),
      },
    });
  }
}
