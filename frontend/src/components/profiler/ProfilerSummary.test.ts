import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { cachedNode, GIB, nodeRecord, profilerStats, workflowAverage, workflowRecord } from "../../testing/fixtures";
import { vramPressureEvent } from "../../testing/oom";
import { profilerViews, settle } from "../../testing/profiler";
import { profilerContext } from "./context";
import ProfilerSummary from "./ProfilerSummary.svelte";

const LATEST = workflowRecord(
  "p1",
  [
    cachedNode("1", "CheckpointLoaderSimple"),
    nodeRecord("2", "CLIPTextEncode", { duration_ms: 300 }),
    nodeRecord("3", "KSampler", { duration_ms: 9000, title: "Sampler (hi-res)" }),
    nodeRecord("4", "VAEDecode", { duration_ms: 700, status: "error" }),
  ],
  { duration_ms: 10_000, peak_vram_bytes: 9.5 * GIB, peak_rss_bytes: 14 * GIB, workflow_name: "Portrait", status: "error" },
);

function setUp() {
  const built = profilerViews();
  built.server.stats = profilerStats({ latest: LATEST, workflow_averages: [workflowAverage(LATEST.workflow_hash, { mean_duration_ms: 8000 })] });
  const view = render(ProfilerSummary, { props: { views: built.views, headingId: "h" }, context: profilerContext(built.views) });
  return { ...built, view };
}

const card = (id: string) => document.querySelector(`[data-card="${id}"] dd`)?.textContent;

afterEach(() => {
  document.body.innerHTML = "";
});

describe("ProfilerSummary", () => {
  it("reads the profiler when shown and shows the latest run: name, gauge against its usual time, six cards", async () => {
    const { server } = setUp();
    await settle();
    flushSync();
    expect(server.getStats).toHaveBeenCalledOnce();
    expect(screen.getByRole("region", { name: "Latest run" })).toBeTruthy();
    expect(screen.getByText("Portrait")).toBeTruthy();
    const gauge = screen.getByRole("meter", { name: "Latest run against its usual time" });
    expect(gauge.getAttribute("aria-valuetext")).toBe("Latest run: 10.0 s, 125% of its usual 8.00 s");
    expect(gauge.dataset.tone).toBe("slow");
    expect(card("total-time")).toBe("10.0 s");
    expect(card("vram-peak")).toBe("9.5 GiB");
    expect(card("ram-peak")).toBe("14.0 GiB");
    expect(card("cache")).toBe("1/4");
    expect(card("nodes")).toBe("3/4");
    expect(card("vram-before")).toBe("--");
  });

  it("lists the slowest nodes with their share of the run and their markers", async () => {
    setUp();
    await settle();
    flushSync();
    const items = within(screen.getByRole("list", { name: "Slowest nodes" })).getAllByRole("listitem");
    expect(items.map((li) => li.dataset.node)).toEqual(["3", "4", "2", "1"]);
    expect(items[0]?.textContent).toContain("KSampler");
    expect(items[0]?.textContent).toContain("Sampler (hi-res)");
    expect(items[0]?.textContent).toContain("9.00 s");
    expect(items[0]?.textContent).toContain("90.0%");
    expect(within(items[1]!).getByText("error")).toBeTruthy();
    expect(within(items[3]!).getByText("cache hit")).toBeTruthy();
  });

  it("updates live while a workflow runs: progress from ComfyUI's events, the total from the live record", async () => {
    const { events, server } = setUp();
    await settle();
    server.stats = { ...server.stats, current: workflowRecord("p2", [], { node_count: 4, status: "running", peak_vram_bytes: 3 * GIB }) };
    events.emit("execution_start", { prompt_id: "p2" });
    events.emit("execution_cached", { prompt_id: "p2", nodes: ["1"] });
    events.emit("executing", "2");
    events.emit("executing", "3");
    await settle();
    flushSync();
    expect(screen.getByRole("region", { name: "Running now" })).toBeTruthy();
    const progress = screen.getByRole("progressbar", { name: "Workflow progress" });
    expect(progress.getAttribute("aria-valuenow")).toBe("33");
    expect(progress.textContent).toContain("1/3 nodes");
    expect(card("cache")).toBe("1/4");
    expect(card("vram-peak")).toBe("3.0 GiB");
    events.emit("execution_success", { prompt_id: "p2" });
    flushSync();
    expect(screen.getByRole("region", { name: "Latest run" })).toBeTruthy();
  });

  it("colours VRAM before by the thresholds the stats carry, and says the level to screen readers", async () => {
    const built = profilerViews();
    built.server.stats = profilerStats({
      latest: workflowRecord("p1", [nodeRecord("2", "KSampler", { vram_percent_before: 82 })]),
      vram_warning_percent: 80,
      vram_critical_percent: 90,
    });
    render(ProfilerSummary, { props: { views: built.views, headingId: "h" }, context: profilerContext(built.views) });
    await settle();
    flushSync();
    const vram = document.querySelector<HTMLElement>('[data-card="vram-before"]')!;
    expect(vram.dataset.level).toBe("warning");
    expect(vram.querySelector("dd")?.textContent).toBe("82% (warning: 80 % or more in use, little room is left)");
    expect(vram.querySelector(".swissarmyknife-visually-hidden")).toBeTruthy();
  });

  it("while a run goes, shows the running node's VRAM before live, from the vram_pressure event or the live record", async () => {
    const { events, server } = setUp();
    await settle();
    server.stats = { ...server.stats, current: workflowRecord("p2", [nodeRecord("2", "CLIPTextEncode", { vram_percent_before: 41 })], { node_count: 4, status: "running" }) };
    events.emit("execution_start", { prompt_id: "p2" });
    events.emit("executing", "2");
    await settle();
    flushSync();
    const vram = () => document.querySelector<HTMLElement>('[data-card="vram-before"]')!;
    expect(card("vram-before")).toBe("41%");
    expect(vram().dataset.level).toBe("ok");
    // The sampler starts: the server says its level before the next read of the live record.
    events.emit("executing", "3");
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent({ prompt_id: "p2", node_id: "3", node_type: "KSampler", level: "critical", percent: 96.1 }));
    flushSync();
    expect(vram().dataset.level).toBe("critical");
    expect(card("vram-before")).toContain("96%");
    expect(vram().title).toContain("before KSampler #3, the node running now");
    // Another prompt's event changes nothing; the run's end forgets the level.
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent({ prompt_id: "other", node_id: "9", level: "warning", percent: 86 }));
    flushSync();
    expect(vram().dataset.level).toBe("critical");
    server.stats = { ...server.stats, current: null };
    events.emit("execution_success", { prompt_id: "p2" });
    await settle();
    flushSync();
    expect(vram().dataset.level).toBe("unknown");
    expect(card("vram-before")).toBe("--");
  });

  it("opens the modal from View Full History, and asks before clearing", async () => {
    const { ui, clearHistory } = setUp();
    await fireEvent.click(screen.getByRole("button", { name: "View Full History" }));
    expect(ui.mode.kind).toBe("modal");
    await fireEvent.click(screen.getByRole("button", { name: "Clear History" }));
    expect(clearHistory.state.kind).toBe("confirming");
  });

  it("says the profiler is unavailable in place when the server does not answer", async () => {
    const built = profilerViews();
    built.server.failure = new TypeError("Failed to fetch");
    render(ProfilerSummary, { props: { views: built.views, headingId: "h" } });
    await settle();
    flushSync();
    expect(screen.getByRole("alert").textContent).toBe("Profiler unavailable: The server did not answer.");
  });

  it("lays its cards out two to a row when compact (the sidebar), three otherwise", async () => {
    const { view } = setUp();
    await settle();
    flushSync();
    const cards = () => document.querySelector<HTMLElement>(".swissarmyknife-cards")!.style.getPropertyValue("--swissarmyknife-card-columns");
    expect(cards()).toBe("3");
    await view.rerender({ compact: true });
    expect(cards()).toBe("2");
  });

  it("stops watching when it goes", async () => {
    const { view, store } = setUp();
    await settle();
    expect(store.watched).toBe(true);
    view.unmount();
    expect(store.watched).toBe(false);
  });
});
