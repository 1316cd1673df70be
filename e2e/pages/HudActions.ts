// Page object for the server actions at the end of the bar (Clear VRAM, Restart and its confirmation)
// and the standalone shim's toasts that report on them.
import { expect, type Locator, type Page } from "@playwright/test";

export interface Session {
  token: string | null;
  boot_id: string;
  actions_allowed: boolean;
}

export class HudActions {
  readonly group: Locator;
  readonly restart: Locator;
  readonly clearVram: Locator;
  readonly confirmDialog: Locator;
  readonly confirmRestart: Locator;
  readonly cancelRestart: Locator;
  readonly toasts: Locator;

  constructor(readonly page: Page) {
    this.group = page.getByRole("group", { name: "Server actions" });
    this.restart = this.group.locator('[data-action="restart"]');
    this.clearVram = this.group.locator('[data-action="clear-vram"]');
    this.confirmDialog = this.group.getByRole("alertdialog", { name: "Restart ComfyUI?" });
    this.confirmRestart = this.group.locator('[data-action="confirm-restart"]');
    this.cancelRestart = this.group.locator('[data-action="cancel-restart"]');
    this.toasts = page.locator(".standalone-toast");
  }

  toast(summary: string | RegExp): Locator {
    return this.toasts.filter({ has: this.page.locator("strong", { hasText: summary }) });
  }

  /** Click Restart and accept the confirmation. */
  async restartServer(): Promise<void> {
    await this.restart.click();
    await expect(this.confirmDialog).toBeVisible();
    await this.confirmRestart.click();
  }
}

/** The server's session as a script sees it (no Origin: allowed, like curl). */
export async function sessionOf(baseUrl: string): Promise<Session> {
  const response = await fetch(`${baseUrl}/swissarmyknife/session`);
  expect(response.status).toBe(200);
  return (await response.json()) as Session;
}
