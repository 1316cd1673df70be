// Page objects for the OOM diagnosis: the profiler modal's 💥 OOM tab (its cards, tables,
// recommendations, captures and the unload question), our own toasts (an OOM, a risky prompt) and
// the bar's VRAM tile under pressure. The tab's root says data-state="ready" once the analysis and
// the captures are read: tests wait on that, never on time.
import { expect, type Locator, type Page } from "@playwright/test";

/** GET /swissarmyknife/profiler/oom_stats as the specs read it. */
export interface OomStats {
  total_oom_count: number;
  oom_rate: number | null;
  node_type_ranking: { node_type: string; count: number; rate: number | null; mean_requested_bytes: number | null }[];
  model_correlation: { name: string; oom_events: number; oom_share: number; run_share: number | null }[];
  recent_oom_events: OomEvent[];
  recommendations: { kind: string; title: string; detail: string; models: string[]; expected_freed_bytes: number | null }[];
}

export interface OomEvent {
  prompt_id: string;
  node_id: string | null;
  node_type: string | null;
  captured_at: number;
  figures: { requested_bytes: number | null; free_bytes: number | null };
  loaded_models: { name: string; needed_later: boolean | null; used_by_node_ids: string[] }[];
  memory_summary: string | null;
}

export const OOM_TAB_NAME = "💥 OOM";

export class OomTabPage {
  readonly modal: Locator;
  readonly tab: Locator;
  readonly root: Locator;
  readonly recommendations: Locator;
  readonly question: Locator;

  constructor(readonly page: Page) {
    this.modal = page.getByRole("dialog", { name: "Profiler" });
    this.tab = this.modal.getByRole("tablist", { name: "Profiler views" }).getByRole("tab", { name: OOM_TAB_NAME, exact: true });
    this.root = page.locator('[data-tab="oom"]');
    this.recommendations = this.root.locator("[data-recommendation]");
    this.question = page.getByRole("alertdialog", { name: /^Unload \d+ models?/ });
  }

  /** Opens the modal through the extension's command (ComfyUI's command service, stood in for), then the tab. */
  async open(): Promise<void> {
    await this.openModal();
    await this.show();
  }

  /** The modal on its first tab, through the extension's command. */
  async openModal(): Promise<void> {
    await this.page.evaluate(async () => {
      interface Command {
        id: string;
        function: () => unknown;
      }
      const extensions = (window as unknown as { comfyAPI: { app: { app: { extensions: { commands?: Command[] }[] } } } }).comfyAPI.app.app.extensions;
      await extensions.flatMap((e) => e.commands ?? []).find((c) => c.id === "SwissArmyKnife.OpenProfiler")?.function();
    });
    await expect(this.modal).toBeVisible();
  }

  async show(): Promise<void> {
    await this.tab.click();
    await expect(this.tab).toHaveAttribute("aria-selected", "true");
    await this.waitReady();
  }

  async waitReady(): Promise<void> {
    await expect(this.root).toHaveAttribute("data-state", "ready");
  }

  card(id: "count" | "rate" | "last"): Locator {
    return this.root.locator(`[data-card="${id}"] [data-value]`);
  }

  table(name: "node-types" | "models" | "events"): Locator {
    return this.root.locator(`[data-table="${name}"] table`).first();
  }

  /** A table's rows (its own, not those of a capture's detail). */
  rows(name: "node-types" | "models" | "events"): Locator {
    return this.table(name).locator(":scope > tbody > tr[data-row]");
  }

  async column(name: "node-types" | "models" | "events", column: string): Promise<string[]> {
    return this.rows(name)
      .locator(`:scope > td[data-column="${column}"]`)
      .evaluateAll((cells) => cells.map((c) => (c.textContent ?? "").replace(/\s+/g, " ").trim()));
  }

  action(name: string): Locator {
    return this.root.locator(`[data-action="${name}"]`);
  }

  notice(role: "status" | "alert"): Locator {
    return this.root.getByRole(role);
  }
}

/** Our own toasts (the ones with buttons); the standalone shim's are HudActions.toast. */
export class OwnToasts {
  readonly all: Locator;

  constructor(readonly page: Page) {
    this.all = page.getByRole("region", { name: "SwissArmyKnife notifications" }).locator("[data-toast]");
  }

  /** The toast of a prompt's OOM ("oom", by prompt id) or of a risky workflow ("risk", by graph hash). */
  of(kind: "oom" | "risk", id?: string): Locator {
    return this.page.locator(id ? `[data-toast="${kind}:${id}"]` : `[data-toast^="${kind}:"]`);
  }
}

/** The bar's VRAM tile of GPU `index`, and a record of every pressure it showed (a run can be over in milliseconds). */
export class VramTile {
  readonly tile: Locator;

  constructor(
    readonly page: Page,
    readonly index = 0,
  ) {
    this.tile = page.locator(`#swissarmyknife-resource-monitor [data-tile="vram-${index}"]`);
  }

  /** Starts recording the tile's pressure and accessible name at each change (a MutationObserver, no polling). */
  async record(): Promise<void> {
    await this.page.evaluate((selector) => {
      const seen: { pressure: string | null; label: string | null }[] = [];
      (window as unknown as { __sakPressure: typeof seen }).__sakPressure = seen;
      const tile = document.querySelector(selector);
      if (!tile) throw new Error(`no ${selector}`);
      new MutationObserver(() => {
        const last = seen.at(-1);
        const now = { pressure: tile.getAttribute("data-pressure"), label: tile.getAttribute("aria-label") };
        if (!last || last.pressure !== now.pressure || last.label !== now.label) seen.push(now);
      }).observe(tile, { attributes: true, attributeFilter: ["data-pressure", "aria-label"] });
    }, `#swissarmyknife-resource-monitor [data-tile="vram-${this.index}"]`);
  }

  async recorded(): Promise<{ pressure: string | null; label: string | null }[]> {
    return this.page.evaluate(() => (window as unknown as { __sakPressure: { pressure: string | null; label: string | null }[] }).__sakPressure);
  }
}
