import { describe, expect, it, vi } from "vitest";

import type { WorkflowRecord } from "../api/types";
import type { GraphNodes } from "../lib/nodeBadges";
import { cachedNode, GIB, nodeRecord, workflowRecord, workflowSummary } from "../testing/fixtures";
import { FakeEvents } from "../testing/hud";
import { NodeBadgeStore, type BadgeView } from "./nodeBadges";

const TXT2IMG: GraphNodes = new Map([
  ["4", "CheckpointLoaderSimple"],
  ["3", "KSampler"],
  ["8", "VAEDecode"],
]);
const OTHER: GraphNodes = new Map([["1", "LoadImage"]]);

function run(promptId: string, samplerMs: number, overrides: Partial<WorkflowRecord> = {}): WorkflowRecord {
  return {
    ...workflowRecord(
      promptId,
      [cachedNode("4", "CheckpointLoaderSimple"), nodeRecord("3", "KSampler", { duration_ms: samplerMs, vram_peak_delta_bytes: 2 * GIB }), nodeRecord("8", "VAEDecode", { duration_ms: 200, vram_peak_delta_bytes: null })],
      { duration_ms: samplerMs + 300, workflow_hash: "txt2img" },
    ),
    ...overrides,
  };
}

function setUp(latest: WorkflowRecord | null, runs: Record<string, WorkflowRecord> = {}) {
  const events = new FakeEvents();
  let graph: GraphNodes | null = TXT2IMG;
  let now = 10_000;
  const views: BadgeView[] = [];
  const store = new NodeBadgeStore({
    events: events.host,
    getWorkflow: vi.fn(async (id: string) => {
      const found = runs[id];
      if (!found) throw new Error("404");
      return found;
    }),
    getLatest: vi.fn(async () => latest),
    graphNodes: () => graph,
    render: (view) => views.push(view),
    logError: vi.fn(),
    now: () => now,
  });
  const texts = () => Object.fromEntries([...(views.at(-1)?.badges ?? new Map())].map(([id, b]) => [id, `${b.text}${b.stale ? " (grey)" : ""}`]));
  return {
    store,
    events,
    views,
    texts,
    setGraph: (g: GraphNodes | null) => (graph = g),
    tick: (ms: number) => (now += ms),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("NodeBadgeStore", () => {
  it("shows the latest run's badges on its workflow, none on another, and back again", async () => {
    const t = setUp(run("p1", 4000));
    await t.store.start();
    expect(t.texts()).toEqual({ "4": "♻ cached", "3": "4.00 s · +2.0 GiB", "8": "200 ms" });
    t.setGraph(OTHER);
    t.store.graphChanged();
    expect(t.texts()).toEqual({});
    t.setGraph(TXT2IMG);
    t.store.graphChanged();
    expect(t.texts()["3"]).toBe("4.00 s · +2.0 GiB");
  });

  it("greys the last run while a new one runs, updates each node as it finishes, then takes the stored run", async () => {
    const t = setUp(run("p1", 4000), { p2: run("p2", 1000) });
    await t.store.start();
    t.events.emit("execution_start", { prompt_id: "p2" });
    t.events.emit("execution_cached", { prompt_id: "p2", nodes: ["4"] });
    expect(t.texts()).toEqual({ "4": "♻ cached", "3": "4.00 s · +2.0 GiB (grey)", "8": "200 ms (grey)" });
    t.events.emit("executing", "3");
    expect(t.texts()["3"]).toBe("▶ running");
    t.tick(1500);
    t.events.emit("executing", "8");
    expect(t.texts()["3"]).toBe("1.50 s");
    expect(t.texts()["8"]).toBe("▶ running");
    t.tick(100);
    t.events.emit("executing", null);
    t.events.emit("execution_success", { prompt_id: "p2" });
    expect(t.texts()["8"]).toBe("100 ms");
    t.events.emit("swissarmyknife.profiler", { type: "profiler", workflow: workflowSummary("p2", { workflow_hash: "txt2img" }) });
    await flush();
    expect(t.texts()).toEqual({ "4": "♻ cached", "3": "1.00 s · +2.0 GiB", "8": "200 ms" });
  });

  it("leaves the badges ungreyed for a run of another workflow", async () => {
    const t = setUp(run("p1", 4000));
    await t.store.start();
    t.events.emit("execution_start", { prompt_id: "x" });
    t.events.emit("executing", "77");
    expect(t.texts()["3"]).toBe("4.00 s · +2.0 GiB");
  });

  it("follows the settings at once, and hands a view only when it changed", async () => {
    const t = setUp(run("p1", 4000));
    await t.store.start();
    const count = t.views.length;
    t.store.setFigures({ vram: true });
    expect(t.views.length).toBe(count);
    t.store.setFigures({ vram: false });
    expect(t.texts()["3"]).toBe("4.00 s");
    t.store.setOpacity(0.5);
    expect(t.views.at(-1)?.opacity).toBe(0.5);
    t.store.setMode("hover");
    expect(t.views.at(-1)?.mode).toBe("hover");
    t.store.setMode("off");
    expect(t.texts()).toEqual({});
  });

  it("shows nothing without a stored run, and nothing is read while off", async () => {
    const t = setUp(null);
    t.store.setMode("off");
    await t.store.start();
    expect(t.texts()).toEqual({});
    t.events.emit("swissarmyknife.profiler", { type: "profiler", workflow: workflowSummary("p9") });
    await flush();
    expect(t.views.every((v) => v.badges.size === 0)).toBe(true);
  });
});
