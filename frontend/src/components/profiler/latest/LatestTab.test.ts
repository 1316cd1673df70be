import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { buildTimeline } from "../../../lib/timeline";
import { cachedNode, GIB, nodeRecord, profilerStats, workflowRecord } from "../../../testing/fixtures";
import { profilerViews, settle } from "../../../testing/profiler";
import { profilerContext } from "../context";
import LatestTab from "./LatestTab.svelte";

const T0 = 1_700_000_000;

function ran(id: string, classType: string, start: number, end: number, extra: Parameters<typeof nodeRecord>[2] = {}) {
  return nodeRecord(id, classType, { started_at: T0 + start, ended_at: T0 + end, duration_ms: (end - start) * 1000, ...extra });
}

const RUN = workflowRecord(
  "p1",
  [
    cachedNode("1", "CheckpointLoaderSimple"),
    ran("2", "CLIPTextEncode", 0, 0.3, { rss_before_bytes: 4 * GIB, rss_after_bytes: 4.5 * GIB }),
    ran("7", "Upscale subgraph", 0.3, 0.4),
    ran("7:1", "ImageScale", 0.4, 2.4, { parent_node_id: "7", vram_peak_delta_bytes: 3 * GIB, output_shapes: [{ path: "out0", shape: [1, 2048, 2048, 3], dtype: "float32", device: "cpu" }] }),
    ran("7:2", "ImageSharpen", 1.4, 3.4, { parent_node_id: "7" }),
    ran("9", "KSampler", 3.4, 9.4, { vram_peak_delta_bytes: 6 * GIB, title: "Sampler" }),
    ran("10", "VAEDecode", 9.4, 10, { status: "error" }),
  ],
  { started_at: T0, duration_ms: 10_000, status: "oom", error: { node_id: "10", node_type: "VAEDecode", exception_type: "torch.OutOfMemoryError", message: "CUDA out of memory" }, workflow_name: "Portrait" },
);

function setUp(stats = profilerStats({ latest: RUN })) {
  const built = profilerViews();
  built.server.stats = stats;
  render(LatestTab, { props: { profiler: built.store, ui: built.ui }, context: profilerContext(built.views) });
  return built;
}

async function ready(stats = profilerStats({ latest: RUN })) {
  const built = setUp(stats);
  await settle();
  flushSync();
  return built;
}

const table = () => screen.getByRole("table", { name: "Nodes of this run" });
const rowKeys = () => [...table().querySelectorAll<HTMLElement>("tbody tr[data-row]")].map((r) => r.dataset.row);
const row = (key: string) => table().querySelector<HTMLElement>(`tr[data-row="${key}"]`)!;

afterEach(() => {
  document.body.innerHTML = "";
});

describe("LatestTab", () => {
  it("shows the run's name, status, figures and error", async () => {
    await ready();
    expect(screen.getByRole("heading", { name: "Portrait" })).toBeTruthy();
    const article = document.querySelector("article")!;
    expect(article.dataset.status).toBe("oom");
    expect(article.textContent).toContain("10.0 s");
    expect(article.textContent).toContain("torch.OutOfMemoryError in VAEDecode #10: CUDA out of memory");
  });

  it("lists the nodes in execution order, a subgraph's inner nodes under their group with its wall-clock time", async () => {
    await ready();
    expect(rowKeys()).toEqual(["1", "2", "group:7", "7:1", "7:2", "9", "10"]);
    const group = row("group:7");
    // 0.3 s to 3.4 s: 3.10 s, though its members' times add up to 4.1 s.
    expect(within(group).getAllByRole("cell")[2]?.textContent).toBe("3.10 s");
    expect(group.textContent).toContain("subgraph · 2 nodes");
    expect(row("7:1").dataset.depth).toBe("1");
    await fireEvent.click(within(group).getByRole("button", { name: "Show the inner nodes of Upscale subgraph #7" }));
    expect(rowKeys()).toEqual(["1", "2", "group:7", "9", "10"]);
  });

  it("marks cache hits, errors and the node the run ran out of memory in", async () => {
    await ready();
    expect(within(row("1")).getByText("cache hit")).toBeTruthy();
    expect(within(row("1")).getAllByRole("cell")[2]?.textContent).toBe("cached");
    expect(within(row("10")).getByText("out of memory")).toBeTruthy();
  });

  it("sorts by time, VRAM peak and RAM change, the slowest first", async () => {
    await ready();
    await fireEvent.click(screen.getByRole("button", { name: "Time" }));
    expect(rowKeys()).toEqual(["9", "group:7", "7:1", "7:2", "10", "2", "1"]);
    await fireEvent.click(screen.getByRole("button", { name: "VRAM peak" }));
    expect(rowKeys()[0]).toBe("9");
    expect(within(row("9")).getAllByRole("cell")[4]?.textContent).toBe("8.0 GiB+6.0 GiB");
    await fireEvent.click(screen.getByRole("button", { name: "RAM Δ" }));
    expect(rowKeys()[0]).toBe("2");
    expect(within(row("2")).getAllByRole("cell")[5]?.textContent).toBe("+512 MiB");
    await fireEvent.click(screen.getByRole("button", { name: "#" }));
    expect(rowKeys()).toEqual(["1", "2", "group:7", "7:1", "7:2", "9", "10"]);
  });

  it("shows a node's tensor shapes on expand", async () => {
    await ready();
    expect(screen.queryByText(/2048, 2048/)).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Show the tensor shapes of ImageScale #7:1" }));
    expect(screen.getByText(/\[1, 2048, 2048, 3\] float32 cpu/)).toBeTruthy();
  });

  it("draws the timeline from the run; hovering names the node, a click selects its row and shows it on the canvas", async () => {
    const { plot, focused } = await ready();
    const drawn = plot.last!;
    expect(drawn.timeline.bars.map((b) => b.nodeId)).toEqual(["2", "7:1", "7:2", "9", "10"]);
    const sampler = drawn.timeline.bars.find((b) => b.nodeId === "9")!;
    plot.hover(sampler, 200);
    flushSync();
    expect(screen.getByRole("status").textContent).toContain("KSampler");
    expect(screen.getByRole("status").textContent).toContain("60.0%");
    plot.click(sampler);
    flushSync();
    expect(row("9").getAttribute("aria-current")).toBe("true");
    expect(plot.last?.selectedNodeId).toBe("9");
    expect(focused.map((n) => n.node_id)).toEqual(["9"]);
  });

  it("a row's click selects the node on the timeline too", async () => {
    const { plot } = await ready();
    await fireEvent.click(within(row("2")).getAllByRole("cell")[1]!);
    expect(plot.last?.selectedNodeId).toBe("2");
  });

  it("from the keyboard, arrow keys walk the nodes and Enter shows one on the canvas", async () => {
    const { focused } = await ready();
    const timeline = screen.getByRole("slider", { name: /^Timeline of 5 nodes/ });
    await fireEvent.keyDown(timeline, { key: "ArrowRight" });
    await fireEvent.keyDown(timeline, { key: "ArrowRight" });
    expect(timeline.getAttribute("aria-valuenow")).toBe("2");
    expect(timeline.getAttribute("aria-valuetext")).toContain("ImageScale #7:1");
    expect(row("7:1").getAttribute("aria-current")).toBe("true");
    await fireEvent.keyDown(timeline, { key: "End" });
    expect(timeline.getAttribute("aria-valuetext")).toContain("VAEDecode #10");
    await fireEvent.keyDown(timeline, { key: "Enter" });
    expect(focused.map((n) => n.node_id)).toEqual(["10"]);
  });

  it("colours the timeline by class or by share", async () => {
    const { plot } = await ready();
    expect(plot.last?.colorMode).toBe("class");
    await fireEvent.click(screen.getByRole("radio", { name: "share of the run" }));
    expect(plot.last?.colorMode).toBe("share");
  });

  it("says so when a node cannot be shown on the canvas", async () => {
    const offcanvas = workflowRecord("p2", [ran("offcanvas", "Gone", 0, 1)], { started_at: T0, duration_ms: 1000 });
    const { plot } = await ready(profilerStats({ latest: offcanvas }));
    plot.click(buildTimeline(offcanvas).bars[0]!);
    flushSync();
    expect(screen.getByRole("status").textContent).toContain("not on the canvas");
  });

  it("says in place when nothing ran yet, when the backend is unreachable, when a run left history", async () => {
    await ready(profilerStats());
    expect(document.querySelector('[data-state="empty"]')?.textContent).toContain("No workflow has run yet");
    document.body.innerHTML = "";

    const failing = profilerViews();
    failing.server.failure = new TypeError("Failed to fetch");
    render(LatestTab, { props: { profiler: failing.store, ui: failing.ui }, context: profilerContext(failing.views) });
    await settle();
    flushSync();
    expect(screen.getByRole("alert").textContent).toContain("The profiler cannot be reached: The server did not answer.");
    failing.server.failure = null;
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await settle();
    flushSync();
    expect(document.querySelector('[data-state="empty"]')).toBeTruthy();
    document.body.innerHTML = "";

    const gone = await ready();
    await gone.store.open("archived-run");
    flushSync();
    expect(screen.getByRole("alert").textContent).toContain("Run archived-run is no longer in history");
    await fireEvent.click(screen.getByRole("button", { name: "Show the latest run" }));
    expect(screen.getByRole("heading", { name: "Portrait" })).toBeTruthy();
  });

  it("shows a run opened from elsewhere as an earlier one, with the way back", async () => {
    const built = await ready();
    built.server.runs.set("old", workflowRecord("old", [ran("1", "A", 0, 1)], { started_at: T0, workflow_name: null, workflow_hash: "abcdef0123456789" }));
    await built.store.open("old");
    flushSync();
    expect(screen.getByRole("heading", { name: "Unsaved workflow · abcdef0" })).toBeTruthy();
    expect(screen.getByText("an earlier run")).toBeTruthy();
  });

  it("draws a new plot for another run and destroys the old one", async () => {
    const { plot, store, server } = await ready();
    server.runs.set("old", workflowRecord("old", [ran("1", "A", 0, 1)], { started_at: T0 }));
    await store.open("old");
    flushSync();
    expect(plot.destroyed).toBe(1);
    expect(plot.last?.timeline.bars.map((b) => b.nodeId)).toEqual(["1"]);
  });
});
