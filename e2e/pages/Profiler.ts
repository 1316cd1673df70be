// Page objects for the profiler's popup (the bar's 📊 button), its Latest tab (the node table and the
// timeline) and the Clear History question; and a stand-in for ComfyUI's keybinding service, which
// the standalone host's shim does not have: it runs the command of a keybinding the extension
// declares, as ComfyUI would (ComfyUI_frontend src/services/keybindingService.ts).
import { expect, type Locator, type Page } from "@playwright/test";

/** A run as GET /swissarmyknife/profiler/workflows/{id} gives it (the fields the specs read). */
export interface NodeRun {
  node_id: string;
  class_type: string;
  parent_node_id: string | null;
  order: number;
  started_at: number | null;
  ended_at: number | null;
  duration_ms: number | null;
  cache_hit: boolean;
}

export interface Run {
  prompt_id: string;
  workflow_hash: string;
  workflow_name: string | null;
  status: string;
  started_at: number;
  duration_ms: number | null;
  node_count: number;
  executed_count: number;
  cache_hits: number;
  nodes: NodeRun[];
}

export class ProfilerPopup {
  readonly button: Locator;
  readonly root: Locator;
  readonly gauge: Locator;
  readonly name: Locator;
  readonly slowest: Locator;
  readonly viewHistory: Locator;
  readonly clearHistory: Locator;

  constructor(readonly page: Page) {
    this.button = page.locator('#swissarmyknife-resource-monitor [data-action="profiler"]');
    this.root = page.locator("#swissarmyknife-profiler-popup");
    this.gauge = this.root.locator(".swissarmyknife-gauge");
    this.name = this.root.locator(".swissarmyknife-summary-name");
    this.slowest = this.root.getByRole("list", { name: "Slowest nodes" }).getByRole("listitem");
    this.viewHistory = this.root.locator('[data-action="view-history"]');
    this.clearHistory = this.root.locator('[data-action="clear-history"]');
  }

  card(id: "total-time" | "vram-peak" | "ram-peak" | "cache" | "nodes" | "vram-before"): Locator {
    return this.root.locator(`[data-card="${id}"] dd`);
  }

  /** Opens it from the bar and waits until it shows a run (or says there is none). */
  async open(): Promise<void> {
    await this.button.click();
    await expect(this.root).toBeVisible();
    await expect(this.root.locator("section[data-state]")).not.toHaveAttribute("data-state", /idle|loading/);
  }

  async slowestNodeIds(): Promise<string[]> {
    return this.slowest.evaluateAll((items) => items.map((li) => li.getAttribute("data-node") ?? ""));
  }
}

export class LatestTab {
  readonly modal: Locator;
  readonly root: Locator;
  readonly run: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly timeline: Locator;
  readonly bars: Locator;
  readonly tooltip: Locator;

  constructor(readonly page: Page) {
    this.modal = page.getByRole("dialog", { name: "Profiler" });
    this.root = this.modal.locator(".swissarmyknife-latest-tab");
    this.run = this.root.locator("article.swissarmyknife-latest");
    this.table = this.root.getByRole("table", { name: "Nodes of this run" });
    this.rows = this.table.locator("tbody tr[data-row]");
    this.timeline = this.root.getByRole("slider", { name: /^Timeline of/ });
    // uPlot's overlay over the bars chart: where the pointer goes.
    this.bars = this.timeline.locator(".swissarmyknife-timeline-bars .u-over");
    this.tooltip = this.timeline.locator(".swissarmyknife-timeline-tooltip");
  }

  tab(): Locator {
    return this.modal.getByRole("tab", { name: "Latest", exact: true });
  }

  /** Waits until the Latest tab shows run `promptId` (any run when not given). */
  async waitFor(promptId?: string): Promise<void> {
    await expect(this.tab()).toHaveAttribute("aria-selected", "true");
    await expect(promptId ? this.root.locator(`article[data-prompt-id="${promptId}"]`) : this.run).toBeVisible();
  }

  row(key: string): Locator {
    return this.table.locator(`tbody tr[data-row="${key}"]`);
  }

  sortBy(column: "#" | "Node" | "Time" | "VRAM peak" | "RAM Δ"): Locator {
    return this.table.getByRole("button", { name: column, exact: true });
  }

  async rowKeys(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-row") ?? ""));
  }

  /**
   * Where on the bars chart a node's bar is: the middle of its span on the time axis (which starts
   * at the run's first start and ends with the run or its last node), the middle of its row.
   */
  async barPoint(run: Run, nodeId: string): Promise<{ x: number; y: number }> {
    const box = await this.bars.boundingBox();
    expect(box, "the timeline is drawn").not.toBeNull();
    const parents = new Set(run.nodes.map((n) => n.parent_node_id).filter((id) => id !== null));
    const timed = run.nodes
      .filter((n) => n.started_at !== null && n.ended_at !== null && !parents.has(n.node_id))
      .sort((a, b) => a.started_at! - b.started_at! || a.order - b.order);
    const origin = Math.min(run.started_at, ...timed.map((n) => n.started_at!));
    const lastEnd = Math.max(0, ...timed.map((n) => n.ended_at! - origin));
    const span = Math.max(lastEnd, (run.duration_ms ?? 0) / 1000);
    const row = timed.findIndex((n) => n.node_id === nodeId);
    expect(row, `node ${nodeId} has a bar`).toBeGreaterThanOrEqual(0);
    const node = timed[row]!;
    const middle = (node.started_at! + node.ended_at!) / 2 - origin;
    return { x: box!.x + (middle / span) * box!.width, y: box!.y + ((row + 0.5) / timed.length) * box!.height };
  }
}

export class ClearHistoryQuestion {
  readonly dialog: Locator;
  readonly cancel: Locator;
  readonly confirm: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole("alertdialog", { name: "Clear profiler history?" });
    this.cancel = this.dialog.locator('[data-action="cancel-clear-history"]');
    this.confirm = this.dialog.locator('[data-action="confirm-clear-history"]');
  }
}

/**
 * Runs the extension's declared commands on their declared keys, as ComfyUI's keybinding service
 * does (the key compared case-insensitively, Ctrl or Cmd as ctrl); call once the page is set up.
 */
export async function installKeybindings(page: Page): Promise<void> {
  await page.evaluate(() => {
    interface Binding {
      combo: { key: string; ctrl?: boolean; alt?: boolean; shift?: boolean };
      commandId: string;
    }
    interface Extension {
      keybindings?: Binding[];
      commands?: { id: string; function: () => unknown }[];
    }
    const extensions = (window as unknown as { comfyAPI: { app: { app: { extensions: Extension[] } } } }).comfyAPI.app.app.extensions;
    window.addEventListener("keydown", (event) => {
      for (const binding of extensions.flatMap((e) => e.keybindings ?? [])) {
        const { key, ctrl = false, alt = false, shift = false } = binding.combo;
        const matches =
          key.toUpperCase() === event.key.toUpperCase() &&
          ctrl === (event.ctrlKey || event.metaKey) &&
          alt === event.altKey &&
          shift === event.shiftKey;
        if (!matches) continue;
        event.preventDefault();
        void extensions.flatMap((e) => e.commands ?? []).find((c) => c.id === binding.commandId)?.function();
      }
    });
  });
}
