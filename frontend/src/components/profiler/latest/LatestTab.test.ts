import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import { buildTimeline } from "../../../lib/timeline";
import { cachedNode, GIB, nodeRecord, profilerStats, workflowRecord } from "../../../testing/fixtures";
import { CHECKPOINT, runWithModels, UPSCALER, VAE } from "../../../testing/models";
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
    // 💥 marks the node (and the run): seen, not read aloud twice.
    const oom = row("10").querySelector('[data-marker="oom"]')!;
    expect(oom.textContent).toBe("💥 out of memory");
    expect(oom.querySelector('[aria-hidden="true"]')?.textContent).toBe("💥 ");
    expect(document.querySelector(".swissarmyknife-latest-title .swissarmyknife-status")?.textContent).toBe("💥 oom");
    expect(document.querySelector<HTMLElement>(".swissarmyknife-latest-error")?.dataset.oomNode).toBe("10");
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
    await fireEvent.click(screen.getByRole("button", { name: "Show the models, memory and tensor shapes of ImageScale #7:1" }));
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

  it("keeps the hovered node's tooltip inside the timeline, as wide as the timeline is drawn", async () => {
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(800);
    const { plot } = await ready();
    expect(plot.widths).toEqual([800]);
    const tooltipLeft = (leftPx: number) => {
      plot.hover(plot.last!.timeline.bars[0]!, leftPx);
      flushSync();
      return document.querySelector<HTMLElement>(".swissarmyknife-timeline-tooltip")!.style.left;
    };
    expect([tooltipLeft(5), tooltipLeft(400), tooltipLeft(790)]).toEqual(["160px", "400px", "640px"]);
  });

  it("colours the timeline by class or by share", async () => {
    const { plot } = await ready();
    const radio = (name: string) => screen.getByRole<HTMLInputElement>("radio", { name });
    expect(plot.last?.colorMode).toBe("class");
    expect(radio("share of the run").checked).toBe(false);
    await fireEvent.click(radio("share of the run"));
    expect(plot.last?.colorMode).toBe("share");
    expect(radio("share of the run").checked).toBe(true);
    await fireEvent.click(radio("class"));
    expect(plot.last?.colorMode).toBe("class");
    expect([radio("class").checked, radio("share of the run").checked]).toEqual([true, false]);
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

  describe("models", () => {
    const withModels = (over: Parameters<typeof profilerStats>[0] = {}) => ready(profilerStats({ latest: runWithModels(), ...over }));
    const lanes = () => screen.getByRole("list", { name: "Models on the device" });
    const lane = (name: string) => lanes().querySelector<HTMLElement>(`li[data-lane="${name}"]`)!;
    const details = (nodeId: string) => document.querySelector<HTMLElement>(`[data-details="${nodeId}"]`)!;

    it("draws a lane per model under the node bars, each labelled with its name and size", async () => {
      await withModels();
      const items = within(lanes()).getAllByRole("listitem");
      expect(items.map((li) => li.dataset.lane)).toEqual([CHECKPOINT, UPSCALER, VAE]);
      expect(lane(CHECKPOINT).querySelector(".swissarmyknife-lane-label")?.textContent).toBe(`${CHECKPOINT} · 6.5 GiB`);
      expect(lane(VAE).dataset.reloaded).toBe("true");
      expect(lane(VAE).querySelector(".swissarmyknife-lane-label")?.textContent).toBe(`${VAE} · 160 MiB · loaded again`);
      // On the bars' axis (10 s): the upscaler from 1 s to 4 s, loaded by node 10; the checkpoint used by 6, 3 and 8.
      const stay = lane(UPSCALER).querySelector<HTMLElement>(".swissarmyknife-lane-stay")!;
      expect([stay.style.left, stay.style.width, stay.dataset.loadedBy, stay.dataset.unloaded]).toEqual(["10.000%", "30.000%", "10", "true"]);
      expect([...lane(CHECKPOINT).querySelectorAll<HTMLElement>('[data-mark="used"]')].map((m) => [m.dataset.node, m.style.left])).toEqual([
        ["6", "0.000%"],
        ["3", "40.000%"],
        ["8", "90.000%"],
      ]);
      expect(lane(CHECKPOINT).querySelector('[data-mark="loaded"]')).toBeNull();
      // Screen readers get the whole lane in words.
      expect(lane(UPSCALER).textContent).toContain("Loaded by ImageUpscaleWithModel #10 at 1.00 s, Used by ImageUpscaleWithModel #10, Unloaded at 4.00 s.");
    });

    it("tells on hover and on focus who loaded and used a model", async () => {
      await withModels();
      expect(document.querySelector("[data-tooltip=\"lane\"]")).toBeNull();
      await fireEvent.pointerMove(lane(CHECKPOINT), { clientX: 10 });
      const tooltip = () => document.querySelector("[data-tooltip=\"lane\"]")!;
      expect(tooltip().textContent).toContain(CHECKPOINT);
      expect(tooltip().textContent).toContain("cuda:0 · 6.5 GiB");
      expect(tooltip().textContent).toContain("There since an earlier run");
      expect(tooltip().textContent).toContain("Used by CLIPTextEncode #6, KSampler #3 and VAEDecode #8");
      // Its first line, the model's figures, in the figures' look; the others plain.
      const lines = [...tooltip().querySelectorAll("span")];
      expect(lines.map((span) => span.classList.contains("swissarmyknife-timeline-figures"))).toEqual([true, ...lines.slice(1).map(() => false)]);
      await fireEvent.pointerLeave(lane(CHECKPOINT));
      expect(document.querySelector("[data-tooltip=\"lane\"]")).toBeNull();
      lane(UPSCALER).focus();
      flushSync();
      expect(tooltip().textContent).toContain("Loaded by ImageUpscaleWithModel #10 at 1.00 s");
      expect(tooltip().textContent).toContain("Unloaded at 4.00 s");
    });

    it("marks the selected node's use of a model", async () => {
      const { plot } = await withModels();
      plot.click(plot.last!.timeline.bars.find((b) => b.nodeId === "3")!);
      flushSync();
      expect(lane(CHECKPOINT).querySelector<HTMLElement>('[data-mark="used"][data-selected]')?.dataset.node).toBe("3");
    });

    it("draws no lane for a run recorded without residency", async () => {
      await ready();
      expect(screen.queryByRole("list", { name: "Models on the device" })).toBeNull();
      expect(document.querySelector('.swissarmyknife-legend [data-series="loaded"]')).toBeNull();
    });

    it("lists a node's models and its VRAM before on expand, coloured by the thresholds in force", async () => {
      await withModels();
      expect(document.querySelector('[data-details="3"]')).toBeNull();
      await fireEvent.click(screen.getByRole("button", { name: "Show the models, memory and tensor shapes of KSampler #3" }));
      const models = [...details("3").querySelectorAll<HTMLElement>("tbody tr[data-model]")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent));
      expect(models).toEqual([
        [CHECKPOINT, "used", "cuda:0", "6.5 GiB"],
        [UPSCALER, "unloaded", "cuda:0", "70.0 MiB"],
      ]);
      const before = details("3").querySelector<HTMLElement>(".swissarmyknife-vram-before")!;
      expect(before.dataset.level).toBe("critical");
      expect(before.textContent?.trim()).toBe("983 MiB free · 96% in use (critical: 95 % or more in use, an out-of-memory error is likely)");
      await fireEvent.click(screen.getByRole("button", { name: "Show the models, memory and tensor shapes of ImageUpscaleWithModel #10" }));
      expect(details("10").querySelector<HTMLElement>(".swissarmyknife-vram-before")?.dataset.level).toBe("warning");
      await fireEvent.click(screen.getByRole("button", { name: "Show the models, memory and tensor shapes of VAEDecode #8" }));
      expect(details("8").textContent).toContain("not measured");
    });

    it("takes the thresholds from the stats", async () => {
      await withModels({ vram_warning_percent: 90, vram_critical_percent: 98 });
      await fireEvent.click(screen.getByRole("button", { name: "Show the models, memory and tensor shapes of KSampler #3" }));
      expect(details("3").querySelector<HTMLElement>(".swissarmyknife-vram-before")?.dataset.level).toBe("warning");
      await fireEvent.click(screen.getByRole("button", { name: "Show the models, memory and tensor shapes of ImageUpscaleWithModel #10" }));
      expect(details("10").querySelector<HTMLElement>(".swissarmyknife-vram-before")?.dataset.level).toBe("ok");
      expect(document.querySelector<HTMLElement>('[data-card="vram-before"]')?.dataset.level).toBe("ok");
    });

    it("marks the OOM run's failing node 💥 and says above the table which model was loaded again, and what it cost", async () => {
      await withModels();
      expect(row("3").querySelector('[data-marker="oom"]')?.textContent).toBe("💥 out of memory");
      const reloaded = screen.getAllByRole("note").find((n) => n.classList.contains("swissarmyknife-latest-reloaded"))!;
      expect(reloaded.textContent).toMatch(/^sdxl_vae\.safetensors was loaded again although unchanged — /);
      expect(reloaded.textContent).toContain("Here VAEDecode #8 took 1.00 s with the load in it.");
      // Above the table.
      expect(reloaded.compareDocumentPosition(table()) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    });

    it("says nothing of reloads when none happened", async () => {
      await withModels({ latest: runWithModels({ reloaded_models: [] }) });
      expect(document.querySelector(".swissarmyknife-latest-reloaded")).toBeNull();
    });
  });
});
