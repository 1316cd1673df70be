// Page objects for the profiler modal's Previous, Analytics and Settings tabs, and the way there
// (the bar's 📊 button, the popup's View Full History). Each tab's root says `data-state="ready"`
// once its figures are read: tests wait on that, never on time.
import { expect, type Locator, type Page } from "@playwright/test";

export class ProfilerModal {
  readonly dialog: Locator;
  readonly tabList: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole("dialog", { name: "Profiler" });
    this.tabList = this.dialog.getByRole("tablist", { name: "Profiler views" });
  }

  tab(name: "Latest" | "Previous" | "Analytics" | "💥 OOM" | "Settings"): Locator {
    return this.tabList.getByRole("tab", { name, exact: true });
  }

  /** From the bar: the 📊 button opens the popup, View Full History the modal on Previous. */
  async openFromBar(): Promise<void> {
    await this.page.locator('[data-action="profiler"]').click();
    await this.page.locator('[data-action="view-history"]').click();
    await expect(this.dialog).toBeVisible();
    await expect(this.tab("Previous")).toHaveAttribute("aria-selected", "true");
  }

  async show(name: "Latest" | "Previous" | "Analytics" | "💥 OOM" | "Settings"): Promise<void> {
    await this.tab(name).click();
    await expect(this.tab(name)).toHaveAttribute("aria-selected", "true");
  }
}

abstract class TabPage {
  abstract readonly root: Locator;
  constructor(readonly page: Page) {}

  action(name: string): Locator {
    return this.root.locator(`[data-action="${name}"]`);
  }

  async waitReady(): Promise<void> {
    await expect(this.root).toHaveAttribute("data-state", "ready");
  }
}

export class PreviousTabPage extends TabPage {
  readonly root: Locator;
  readonly rows: Locator;
  readonly range: Locator;
  readonly workflowFilter: Locator;
  /** The workflow filter's name search (workflows past the newest 500). */
  readonly workflowSearch: Locator;
  readonly statusFilter: Locator;
  readonly compare: Locator;

  constructor(page: Page) {
    super(page);
    this.root = page.locator('[data-tab="previous"]');
    this.rows = this.root.locator("tbody tr[data-row]");
    this.range = this.root.locator("[data-range]");
    this.workflowFilter = this.root.locator('[data-filter="workflow"]');
    this.workflowSearch = this.root.locator('[data-filter="workflow-name"]');
    this.statusFilter = this.root.locator('[data-filter="status"]');
    this.compare = this.root.locator("[data-compare]");
  }

  row(promptId: string): Locator {
    return this.root.locator(`tbody tr[data-row="${promptId}"]`);
  }

  pick(promptId: string): Locator {
    return this.root.locator(`[data-pick="${promptId}"]`);
  }

  async promptIds(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-row") ?? ""));
  }

  /** The prompt ids and workflow hashes shown, newest first (the workflow cell's title is the hash). */
  async listed(): Promise<{ promptId: string; hash: string; status: string }[]> {
    return this.rows.evaluateAll((rows) =>
      rows.map((r) => ({
        promptId: r.getAttribute("data-row") ?? "",
        hash: r.querySelector('[data-column="workflow"] [title]')?.getAttribute("title") ?? "",
        status: r.querySelector("[data-status]")?.getAttribute("data-status") ?? "",
      })),
    );
  }
}

export class AnalyticsTabPage extends TabPage {
  readonly root: Locator;
  readonly workflowFilter: Locator;
  readonly workflowSearch: Locator;

  constructor(page: Page) {
    super(page);
    this.root = page.locator('[data-tab="analytics"]');
    this.workflowFilter = this.root.locator('[data-filter="workflow"]');
    this.workflowSearch = this.root.locator('[data-filter="workflow-name"]');
  }

  chart(title: string): Locator {
    return this.root.getByRole("figure", { name: title });
  }

  table(name: "classes" | "workflows"): Locator {
    return this.root.locator(`[data-table="${name}"] table`);
  }

  async column(name: "classes" | "workflows", column: string): Promise<string[]> {
    return this.table(name)
      .locator(`tbody td[data-column="${column}"]`)
      .evaluateAll((cells) => cells.map((c) => (c.textContent ?? "").trim()));
  }
}

export class SettingsTabPage extends TabPage {
  readonly root: Locator;
  readonly archiveRows: Locator;
  readonly confirm: Locator;

  constructor(page: Page) {
    super(page);
    this.root = page.locator('[data-tab="settings"]');
    this.archiveRows = this.root.locator("tbody tr[data-row]");
    this.confirm = page.getByRole("alertdialog");
  }

  setting(name: string): Locator {
    return this.root.locator(`[data-setting="${name}"]`);
  }

  notice(tone: "status" | "alert"): Locator {
    return this.root.getByRole(tone);
  }
}
