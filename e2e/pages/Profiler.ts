// Page objects for the profiler's popup (the bar's 📊 button), its Latest tab (the node table, the
// timeline and its model swimlane) and the Clear History question.
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
  vram_free_before_bytes?: number | null;
  vram_percent_before?: number | null;
  models?: { name: string; action: string; device: string | null; loaded_bytes: number | null }[];
}

/** One stay of a model on its device (WorkflowRecord.model_residency). */
export interface ModelStayRun {
  name: string;
  device: string | null;
  loaded_bytes: number | null;
  from_ms: number;
  until_ms: number | null;
  loaded_by_node_id: string | null;
  used_by_node_ids: string[];
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
  error?: { node_id: string | null; node_type: string | null; exception_type: string; message: string } | null;
  model_residency?: ModelStayRun[];
  reloaded_models?: string[];
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

  /** A card's box: its `data-level` (VRAM before's ok, warning, critical, unknown) and its title. */
  cardBox(id: "vram-before"): Locator {
    return this.root.locator(`[data-card="${id}"]`);
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
  /** The model swimlane under the bars: one list item per model and device. */
  readonly lanes: Locator;
  readonly laneTooltip: Locator;
  readonly reloadedNotice: Locator;
  readonly errorLine: Locator;

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
    this.lanes = this.root.getByRole("list", { name: "Models on the device" }).locator("li[data-lane]");
    this.laneTooltip = this.root.locator('[data-tooltip="lane"]');
    this.reloadedNotice = this.root.locator(".swissarmyknife-latest-reloaded");
    this.errorLine = this.root.locator(".swissarmyknife-latest-error");
  }

  lane(name: string, device = "cuda:0"): Locator {
    return this.root.locator(`li[data-lane="${name}"][data-device="${device}"]`);
  }

  /** The lanes as drawn: name, device, label, who loaded each stay, the nodes whose use is ticked. */
  async laneFigures(): Promise<{ name: string; device: string; label: string; loadedBy: string[]; usedBy: string[] }[]> {
    return this.lanes.evaluateAll((items) =>
      items.map((li) => ({
        name: li.getAttribute("data-lane") ?? "",
        device: li.getAttribute("data-device") ?? "",
        label: li.querySelector(".swissarmyknife-lane-label")?.textContent?.trim() ?? "",
        loadedBy: [...li.querySelectorAll('[data-mark="loaded"]')].map((m) => m.getAttribute("data-node") ?? ""),
        usedBy: [...li.querySelectorAll('[data-mark="used"]')].map((m) => m.getAttribute("data-node") ?? ""),
      })),
    );
  }

  /** Whether the middle of `locator` is drawn by it (nothing on top), as a user's eye and click find it. */
  async onTop(locator: Locator): Promise<boolean> {
    return locator.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    });
  }

  /** Opens a node's row (its models, VRAM before, shapes) and returns what it shows. */
  async expand(nodeId: string): Promise<Locator> {
    await this.row(nodeId).getByRole("button", { name: /^Show the models, memory and tensor shapes of / }).click();
    const details = this.table.locator(`[data-details="${nodeId}"]`);
    await expect(details).toBeVisible();
    return details;
  }

  async modelsOf(details: Locator): Promise<string[][]> {
    return details.locator("tbody tr[data-model]").evaluateAll((rows) => rows.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim() ?? "")));
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
