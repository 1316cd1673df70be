import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import { profilerTabStores } from "../../testing/profilerTabViews";
import { FakeProfilerServer, HASH_A, refusal } from "../../testing/profilerTabs";
import AnalyticsTab from "./AnalyticsTab.svelte";

// uPlot draws on a canvas, which happy-dom lacks: the charts' data is checked on what they hand it.
const plots = vi.hoisted(() => [] as { data: unknown[][]; height: number; setData: (d: unknown[][]) => void }[]);
vi.mock("uplot", () => {
  class FakeUPlot {
    static paths = { bars: () => () => null };
    data: unknown[][];
    height: number;
    constructor(options: { height: number }, data: unknown[][]) {
      this.data = data;
      this.height = options.height;
      plots.push(this);
    }
    setData(data: unknown[][]) {
      this.data = data;
    }
    setSize() {}
    destroy() {}
  }
  return { default: FakeUPlot };
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function renderTab(server = new FakeProfilerServer()) {
  plots.length = 0;
  const tabs = profilerTabStores(server);
  const view = render(AnalyticsTab, { props: tabs.props, context: tabs.context });
  await settle();
  return { ...tabs, view };
}

const table = (name: string) => document.querySelector<HTMLElement>(`[data-table="${name}"] table`)!;
const cells = (name: string, column: string) => [...table(name).querySelectorAll(`tbody td[data-column="${column}"]`)].map((td) => td.textContent!.trim());

afterEach(() => {
  document.body.innerHTML = "";
});

describe("AnalyticsTab", () => {
  it("draws its charts taller on a taller window (22% of its height, 160 to 420 px), as the window is resized", async () => {
    vi.spyOn(window, "innerHeight", "get").mockReturnValue(1000);
    await renderTab();
    expect(plots.map((p) => p.height)).toEqual([220, 220, 220]);
    plots.length = 0;
    vi.spyOn(window, "innerHeight", "get").mockReturnValue(2160);
    window.dispatchEvent(new Event("resize"));
    await settle();
    expect(plots.map((p) => p.height)).toEqual([420, 420, 420]);
  });

  it("draws the three charts from the server's buckets, each named and described", async () => {
    const { server } = await renderTab();
    for (const name of ["Total time per run", "Peak VRAM per run", "Cache hit rate"]) {
      expect(screen.getByRole("figure", { name }).dataset.points).not.toBe("0");
    }
    expect(plots).toHaveLength(3);
    const series = await server.getSeries({ points: 120 });
    // x holds each bucket's start (and one more per gap, where the line breaks); the time chart's
    // first series each bucket's mean successful time.
    const [xs, means] = plots[0]!.data as [number[], (number | null)[]];
    expect(xs).toEqual(expect.arrayContaining(series.items.map((p) => p.start)));
    expect(xs.length).toBeGreaterThan(series.items.length);
    expect(series.items.map((p) => means[xs.indexOf(p.start)])).toEqual(series.items.map((p) => p.mean_duration_ms));
    const figure = screen.getByRole("figure", { name: "Total time per run" });
    expect(document.getElementById(figure.getAttribute("aria-describedby")!)!.textContent).toMatch(/periods with runs, from .*; longest successful run/);
  });

  it("ranks the slowest classes by their mean time", async () => {
    await renderTab();
    const slowest = screen.getByRole("figure", { name: "Slowest node classes (mean per run)" });
    expect([...slowest.querySelectorAll("li")].map((li) => li.dataset.class)).toEqual(["CheckpointLoaderSimple", "KSampler", "VAEDecode"]);
    expect(within(slowest).getByText("2.00 s")).toBeTruthy();
  });

  it("lists node classes by total time, sortable by any figure", async () => {
    await renderTab();
    expect(cells("classes", "class")).toEqual(["KSampler", "CheckpointLoaderSimple", "VAEDecode"]);
    expect(cells("classes", "cached")).toEqual(["0.0%", "83.3%", "0.0%"]);
    expect(cells("classes", "share")[0]).toMatch(/%$/);
    await fireEvent.click(within(table("classes")).getByRole("button", { name: /^Mean/ }));
    expect(cells("classes", "class")).toEqual(["CheckpointLoaderSimple", "KSampler", "VAEDecode"]);
    expect(table("classes").querySelector('th[data-column="mean"]')!.getAttribute("aria-sort")).toBe("descending");
  });

  it("lists workflows by their last run with runs and success rate; a row shows that workflow's analytics", async () => {
    const { deps } = await renderTab();
    expect(cells("workflows", "name")).toEqual(["Unsaved workflow · bbbbbbb", "portrait"]);
    expect(cells("workflows", "runs")).toEqual(["6", "6"]);
    expect(cells("workflows", "success")).toEqual(["66.7%", "83.3%"]);
    await fireEvent.click(table("workflows").querySelector(`tr[data-row="${HASH_A}"] td`)!);
    await settle();
    expect(deps.analytics.getSeries).toHaveBeenLastCalledWith(expect.objectContaining({ workflow_hash: HASH_A }));
    expect(document.querySelector<HTMLSelectElement>('[data-filter="workflow"]')!.value).toBe(HASH_A);
  });

  it("filters by workflow from its select, and back to every workflow", async () => {
    const { deps } = await renderTab();
    const select = document.querySelector<HTMLSelectElement>('[data-filter="workflow"]')!;
    select.value = HASH_A;
    await fireEvent.change(select);
    await settle();
    expect(deps.analytics.getNodeClasses).toHaveBeenLastCalledWith(expect.objectContaining({ workflow_hash: HASH_A }));
    select.value = "";
    await fireEvent.change(select);
    await settle();
    expect(deps.analytics.getNodeClasses).toHaveBeenLastCalledWith(expect.objectContaining({ workflow_hash: null }));
  });

  it("says no runs instead of empty charts and tables", async () => {
    await renderTab(new FakeProfilerServer([]));
    expect(screen.getAllByText("No runs stored yet.").length).toBeGreaterThanOrEqual(3);
    expect(plots).toHaveLength(0);
    expect(document.querySelector('[data-empty="classes"]')).toBeTruthy();
    expect(document.querySelector('[data-empty="workflows"]')).toBeTruthy();
  });

  it("shows each part's error in place and the other parts still", async () => {
    const server = new FakeProfilerServer();
    server.failNext["getSeries"] = refusal(400, "invalid query parameters (points: ...)", "validation_error");
    await renderTab(server);
    expect(screen.getByRole("alert").textContent).toBe("Could not read the charts: invalid query parameters (points: ...)");
    expect(cells("classes", "class")).toHaveLength(3);
  });

  it("reads again when a run is stored while it is shown", async () => {
    const { events, deps, server } = await renderTab();
    server.runs = server.runs.slice(0, 4);
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    await settle();
    expect(deps.analytics.getWorkflowStats).toHaveBeenCalledTimes(2);
    expect(cells("workflows", "runs")).toEqual(["2", "2"]);
  });
});
