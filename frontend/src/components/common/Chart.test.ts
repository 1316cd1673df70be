import { render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { durationUnit } from "../../lib/chartScale";
import type { ChartSpec } from "./chartOptions";
import Chart from "./Chart.svelte";

// uPlot draws on a canvas, which happy-dom does not have: a stand-in records what the chart asks of it.
const made = vi.hoisted(() => [] as FakePlot[]);
interface FakePlot {
  options: { width: number; height: number; series: unknown[] };
  data: unknown;
  target: HTMLElement;
  setData: ReturnType<typeof vi.fn>;
  setSize: ReturnType<typeof vi.fn>;
  destroy: ReturnType<typeof vi.fn>;
}
vi.mock("uplot", () => {
  class FakeUPlot {
    static paths = { bars: () => () => null };
    setData = vi.fn((data: unknown) => (this.data = data));
    setSize = vi.fn();
    destroy = vi.fn();
    constructor(
      public options: FakePlot["options"],
      public data: unknown,
      public target: HTMLElement,
    ) {
      made.push(this as unknown as FakePlot);
    }
  }
  return { default: FakeUPlot };
});

const spec: ChartSpec = { x: { kind: "time" }, y: durationUnit(3000), series: [{ label: "Mean time", color: "chart-1" }] };
const data = (n: number) => [Array.from({ length: n }, (_, i) => 1000 + i), Array.from({ length: n }, (_, i) => i * 10)] as [number[], number[]];

beforeEach(() => {
  made.length = 0;
});
afterEach(() => {
  document.body.innerHTML = "";
});

describe("Chart", () => {
  it("is a figure named by its title and described by its summary", () => {
    render(Chart, { props: { title: "Total time", spec, data: data(3), summary: "3 buckets, longest 20 ms" } });
    const figure = screen.getByRole("figure", { name: "Total time" });
    expect(figure.getAttribute("aria-describedby")).toBeTruthy();
    expect(document.getElementById(figure.getAttribute("aria-describedby")!)?.textContent).toBe("3 buckets, longest 20 ms");
    expect(figure.dataset.points).toBe("3");
  });

  it("hands uPlot its options, the data and a container hidden from assistive technology", () => {
    render(Chart, { props: { title: "Total time", spec, data: data(3), summary: "", height: 150 } });
    expect(made).toHaveLength(1);
    const plot = made[0]!;
    expect(plot.options.height).toBe(150);
    expect(plot.options.width).toBeGreaterThan(0);
    expect(plot.options.series).toHaveLength(2);
    expect(plot.data).toEqual(data(3));
    expect(plot.target.getAttribute("aria-hidden")).toBe("true");
    expect(screen.getByRole("figure").dataset.ready).toBe("true");
  });

  it("gives new data to the same chart", async () => {
    const view = render(Chart, { props: { title: "Total time", spec, data: data(3), summary: "" } });
    await view.rerender({ data: data(5) });
    expect(made).toHaveLength(1);
    expect(made[0]!.setData).toHaveBeenLastCalledWith(data(5));
  });

  it("builds a new chart for a new description, destroying the old one", async () => {
    const view = render(Chart, { props: { title: "Total time", spec, data: data(3), summary: "" } });
    await view.rerender({ spec: { ...spec, y: durationUnit(300_000) } });
    expect(made).toHaveLength(2);
    expect(made[0]!.destroy).toHaveBeenCalledOnce();
  });

  it("says it has no data instead of drawing an empty chart, and draws once points come", async () => {
    const view = render(Chart, { props: { title: "Total time", spec, data: data(0), summary: "", empty: "No runs yet." } });
    expect(screen.getByText("No runs yet.")).toBeTruthy();
    expect(made).toHaveLength(0);
    await view.rerender({ data: data(2) });
    await tick();
    expect(made).toHaveLength(1);
    expect(screen.queryByText("No runs yet.")).toBeNull();
  });

  it("destroys its chart when it goes", () => {
    const view = render(Chart, { props: { title: "Total time", spec, data: data(3), summary: "" } });
    view.unmount();
    expect(made[0]!.destroy).toHaveBeenCalledOnce();
  });
});
