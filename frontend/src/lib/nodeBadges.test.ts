import { describe, expect, it } from "vitest";

import tokens from "../styles/tokens.css?inline";
import { cachedNode, GIB, MIB, nodeRecord, workflowRecord } from "../testing/fixtures";
import {
  badgeColours,
  badgeMode,
  badgeOpacity,
  badgeText,
  contrastRatio,
  heatLevel,
  liveBadges,
  outerNodeId,
  overStale,
  recordBadges,
  recordMatchesGraph,
  withAlpha,
  type BadgePalette,
  type LiveNode,
} from "./nodeBadges";

const BOTH = { time: true, vram: true };
const TIME = { time: true, vram: false };

describe("heatLevel", () => {
  it("steps at 5, 15 and 35 % of the run", () => {
    expect([0, 0.049, 0.05, 0.149, 0.15, 0.349, 0.35, 1].map(heatLevel)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });
  it("is null for an unknown share", () => {
    expect([null, undefined, Number.NaN, -0.1].map(heatLevel)).toEqual([null, null, null, null]);
  });
});

describe("badgeText", () => {
  it("gives the time and the VRAM peak's rise, marks first", () => {
    expect(badgeText({ durationMs: 4200, vramPeakDeltaBytes: 3.2 * GIB, marks: [], share: 0.5 }, BOTH)).toBe("4.20 s · +3.2 GiB");
    expect(badgeText({ durationMs: 1200, vramPeakDeltaBytes: null, marks: ["oom"], share: 0.5 }, BOTH)).toBe("💥 OOM · 1.20 s");
    expect(badgeText({ durationMs: 50, vramPeakDeltaBytes: 0, marks: ["error"], share: 0 }, BOTH)).toBe("✖ error · 50 ms");
  });
  it("leaves out what the settings turn off, a rise under 1 MiB and a device that reports none", () => {
    expect(badgeText({ durationMs: 850, vramPeakDeltaBytes: GIB, marks: [], share: 0.1 }, TIME)).toBe("850 ms");
    expect(badgeText({ durationMs: 850, vramPeakDeltaBytes: GIB, marks: [], share: 0.1 }, { time: false, vram: true })).toBe("+1.0 GiB");
    expect(badgeText({ durationMs: 850, vramPeakDeltaBytes: MIB - 1, marks: [], share: 0.1 }, BOTH)).toBe("850 ms");
    expect(badgeText({ durationMs: 850, vramPeakDeltaBytes: null, marks: [], share: 0.1 }, BOTH)).toBe("850 ms");
  });
  it("says cached and running without figures", () => {
    expect(badgeText({ durationMs: null, vramPeakDeltaBytes: null, marks: ["cached"], share: null }, BOTH)).toBe("♻ cached");
    expect(badgeText({ durationMs: null, vramPeakDeltaBytes: null, marks: ["running"], share: null }, BOTH)).toBe("▶ running");
  });
});

describe("recordBadges", () => {
  const run = workflowRecord(
    "p1",
    [
      cachedNode("4", "CheckpointLoaderSimple"),
      nodeRecord("3", "KSampler", { duration_ms: 4200, vram_peak_delta_bytes: 3 * GIB }),
      nodeRecord("8", "VAEDecode", { duration_ms: 100, vram_peak_delta_bytes: null }),
      // Node 12 is a subgraph: its inner nodes overlap, so its time is first start to last end.
      nodeRecord("12:1", "ImageInvert", { started_at: 100, ended_at: 100.5, duration_ms: 500 }),
      nodeRecord("12:2", "ImageInvert", { started_at: 100.25, ended_at: 101, duration_ms: 750 }),
      // A node a subgraph expansion added under node 5.
      nodeRecord("5.1", "FaceDetect", { parent_node_id: "5", started_at: 200, ended_at: 200.3, duration_ms: 300 }),
    ],
    { duration_ms: 6000 },
  );
  const badges = recordBadges(run, BOTH);

  it("puts one badge on each root-graph node the run recorded", () => {
    expect([...badges.keys()].sort()).toEqual(["12", "3", "4", "5", "8"]);
    expect(badges.get("3")).toEqual({ text: "4.20 s · +3.0 GiB", heat: 3, stale: false });
    expect(badges.get("4")).toEqual({ text: "♻ cached", heat: null, stale: false });
    expect(badges.get("8")).toEqual({ text: "100 ms", heat: 0, stale: false });
  });
  it("gives a subgraph node its group's wall-clock time and hottest rise", () => {
    expect(badges.get("12")).toEqual({ text: "1.00 s · +1.0 GiB", heat: 2, stale: false });
    expect(badges.get("5")?.text).toBe("300 ms · +1.0 GiB");
  });
  it("marks the node a run ran out of memory in, and an error", () => {
    const oom = workflowRecord("p2", [nodeRecord("3", "KSampler", { status: "error", duration_ms: 900 })], {
      status: "oom",
      duration_ms: 1000,
      error: { node_id: "3", node_type: "KSampler", exception_type: "OutOfMemoryError", message: "CUDA out of memory" },
    });
    expect(recordBadges(oom, TIME).get("3")?.text).toBe("💥 OOM · 900 ms");
    const failed = workflowRecord("p3", [nodeRecord("1", "LoadImage", { status: "error", duration_ms: 5 })], { status: "error", duration_ms: 10 });
    expect(recordBadges(failed, TIME).get("1")?.text).toBe("✖ error · 5.0 ms");
  });
  it("finds the subgraph holder of flattened and expanded ids", () => {
    expect(outerNodeId({ node_id: "12:5", parent_node_id: null })).toBe("12");
    expect(outerNodeId({ node_id: "12:5:3", parent_node_id: null })).toBe("12");
    expect(outerNodeId({ node_id: "77", parent_node_id: "12:5" })).toBe("12");
    expect(outerNodeId({ node_id: "9", parent_node_id: null })).toBe("9");
  });
});

describe("recordMatchesGraph", () => {
  const run = workflowRecord("p", [nodeRecord("3", "KSampler"), nodeRecord("12:1", "ImageInvert")]);
  it("holds when every recorded root node is on the graph with its class", () => {
    expect(recordMatchesGraph(run, new Map([["3", "KSampler"], ["12", "a-subgraph-uuid"], ["40", "Note"]]))).toBe(true);
  });
  it("fails for a missing node, another class, or an empty run", () => {
    expect(recordMatchesGraph(run, new Map([["3", "KSampler"]]))).toBe(false);
    expect(recordMatchesGraph(run, new Map([["3", "VAEDecode"], ["12", "x"]]))).toBe(false);
    expect(recordMatchesGraph(workflowRecord("e", []), new Map([["3", "KSampler"]]))).toBe(false);
  });
});

describe("liveBadges and overStale", () => {
  const nodes = new Map<string, LiveNode>([
    ["4", { startedMs: null, endedMs: null, cached: true }],
    ["3", { startedMs: 1000, endedMs: 3000, cached: false }],
    ["8", { startedMs: 3000, endedMs: null, cached: false }],
  ]);
  const live = liveBadges(nodes, 3000, BOTH);
  it("times a finished node by the page's clock, its heat by its share of the last run's time", () => {
    expect(live.get("3")).toEqual({ text: "2.00 s", heat: 3, stale: false });
    expect(live.get("8")).toEqual({ text: "▶ running", heat: null, stale: false });
    expect(live.get("4")).toEqual({ text: "♻ cached", heat: null, stale: false });
    expect(liveBadges(nodes, null, BOTH).get("3")).toEqual({ text: "2.00 s", heat: null, stale: false });
  });
  it("greys the last run's badges until the live run replaces them", () => {
    const previous = new Map([
      ["3", { text: "4.20 s", heat: 3 as const, stale: false }],
      ["9", { text: "250 ms", heat: 0 as const, stale: false }],
    ]);
    const shown = overStale(previous, live);
    expect(shown.get("9")).toEqual({ text: "250 ms", heat: 0, stale: true });
    expect(shown.get("3")).toEqual({ text: "2.00 s", heat: 3, stale: false });
  });
});

/** The badge colours as tokens.css declares them (what the host reads from the page). */
function tokenPalette(): BadgePalette {
  const read = (name: string) => {
    const match = new RegExp(`--swissarmyknife-badge-${name}:\\s*(#[0-9a-f]{6})`, "i").exec(tokens);
    if (!match) throw new Error(`no token ${name}`);
    return match[1]!;
  };
  const fg = read("fg");
  return {
    heat: [0, 1, 2, 3].map((level) => ({ fg, bg: read(`heat-${level}`) })) as unknown as BadgePalette["heat"],
    neutral: { fg, bg: read("neutral") },
    stale: { fg: read("stale-fg"), bg: read("stale-bg") },
  };
}

describe("colours", () => {
  it("every badge colour pair in the tokens reads at 4.5:1 or more", () => {
    const palette = tokenPalette();
    for (const pair of [...palette.heat, palette.neutral, palette.stale]) expect(contrastRatio(pair.fg, pair.bg)).toBeGreaterThanOrEqual(4.5);
  });
  it("applies the opacity and greys a stale badge", () => {
    const palette = tokenPalette();
    expect(badgeColours({ text: "1 s", heat: 3, stale: false }, palette, 0.9)).toEqual({ fg: "rgba(255, 255, 255, 0.9)", bg: "rgba(220, 38, 38, 0.9)" });
    expect(badgeColours({ text: "1 s", heat: 3, stale: true }, palette, 1).bg).toBe("rgba(82, 82, 91, 1)");
    expect(withAlpha("red", 0.5)).toBe("red");
  });
  it("reads settings defensively", () => {
    expect([badgeMode("hover"), badgeMode("nonsense"), badgeMode(undefined)]).toEqual(["hover", "on", "on"]);
    expect([badgeOpacity(0.5), badgeOpacity(0), badgeOpacity(3), badgeOpacity("x")]).toEqual([0.5, 0.2, 1, 0.9]);
  });
});
