// Page objects for the extension's settings where a user changes them: the standalone shim's
// settings dialog (its ⚙ button, as ComfyUI's settings dialog) and the modal Settings tab's
// "Monitor & display" section, which renders the same definitions. Both mark each control with
// data-setting="<setting id>", but the modal's drop-downs, found by their names.
import { expect, type Locator, type Page } from "@playwright/test";

/** The shim's `app` (backend/host/standalone/web/scripts/app.js) as a test reaches it. */
type ShimWindow = { comfyAPI: { app: { app: { extensionManager: { command: { execute(id: string): Promise<void> } } } } } };

/** Controls marked data-setting, in a dialog or a section. */
abstract class SettingControls {
  abstract readonly root: Locator;

  control(id: string): Locator {
    return this.root.locator(`[data-setting="${id}"]`);
  }

  /** Types a number and commits it (Enter), as a user does. */
  async setNumber(id: string, value: number): Promise<void> {
    await this.control(id).fill(String(value));
    await this.control(id).press("Enter");
  }
}

export class ShimSettingsDialog extends SettingControls {
  readonly button: Locator;
  readonly root: Locator;

  constructor(readonly page: Page) {
    super();
    this.button = page.getByRole("button", { name: "Settings", exact: true });
    this.root = page.getByRole("dialog", { name: "Settings" });
  }

  async open(): Promise<void> {
    await this.button.click();
    await expect(this.root).toBeVisible();
  }

  async close(): Promise<void> {
    await this.root.getByRole("button", { name: "Close" }).click();
    await expect(this.root).toBeHidden();
  }

  section(name: string): Locator {
    return this.root.locator(`fieldset[data-section="${name}"]`);
  }
}

export class ModalHostSettings extends SettingControls {
  readonly root: Locator;

  constructor(readonly page: Page) {
    super();
    this.root = page.locator('[data-tab="settings"] [data-settings="host"]');
  }

  /** A combo setting: the shared drop-down, named by the setting's name. */
  combo(name: string): Locator {
    return this.root.getByRole("combobox", { name, exact: true });
  }
}

/** Runs one of ComfyUI's commands as the command palette or a keybinding does. */
export async function executeCommand(page: Page, id: string): Promise<void> {
  await page.evaluate((commandId) => (window as unknown as ShimWindow).comfyAPI.app.app.extensionManager.command.execute(commandId), id);
}
