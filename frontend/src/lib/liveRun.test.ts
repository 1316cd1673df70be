import { describe, expect, it } from "vitest";

import type { ExecutionEvent } from "./events";
import { liveProgress, liveTransition, withNodeCount, type LiveRun } from "./liveRun";

function play(events: ExecutionEvent[], counts: Record<string, number> = {}, from: LiveRun | null = null): LiveRun | null {
  return events.reduce<LiveRun | null>((live, event, i) => liveTransition(live, event, 1000 + i, (id) => counts[id] ?? null), from);
}

describe("liveTransition", () => {
  it("starts at execution_start with the node count the page knows of that prompt", () => {
    const live = play([{ type: "execution_start", promptId: "p" }], { p: 5 });
    expect(live).toMatchObject({ promptId: "p", startedAtMs: 1000, nodeCount: 5, cachedCount: 0, executed: [] });
    expect(play([{ type: "execution_start", promptId: "q" }])?.nodeCount).toBeNull();
  });

  it("counts the cached nodes and each node that runs once, however often it re-enters", () => {
    const live = play(
      [
        { type: "execution_start", promptId: "p" },
        { type: "execution_cached", promptId: "p", nodes: ["1", "2"] },
        { type: "executing", node: "3" },
        { type: "executing", node: "4" },
        { type: "executing", node: "3" },
      ],
      { p: 6 },
    )!;
    expect(live.cachedCount).toBe(2);
    expect(live.executed).toEqual(["3", "4"]);
    expect(live.runningNode).toBe("3");
    expect(liveProgress(live)).toEqual({ done: 1, toRun: 4, fraction: 0.25 });
  });

  it("counts the running node's own steps in", () => {
    const live = play(
      [
        { type: "execution_start", promptId: "p" },
        { type: "executing", node: "1" },
        { type: "executing", node: "2" },
        { type: "progress", node: "2", value: 10, max: 20 },
      ],
      { p: 2 },
    )!;
    expect(live.nodeProgress).toBe(0.5);
    expect(liveProgress(live).fraction).toBeCloseTo(0.75);
    // Another node's progress, or a step back to the same value, changes nothing.
    expect(liveTransition(live, { type: "progress", node: "9", value: 1, max: 2 }, 0)).toBe(live);
    expect(liveTransition(live, { type: "progress", node: "2", value: 10, max: 20 }, 0)).toBe(live);
    // A new node starts from none of its own steps.
    expect(liveTransition(live, { type: "executing", node: "3" }, 0)?.nodeProgress).toBeNull();
  });

  it("ends at the final executing and at each end event", () => {
    const running = play([{ type: "execution_start", promptId: "p" }, { type: "executing", node: "1" }]);
    expect(liveTransition(running, { type: "executing", node: null }, 0)).toBeNull();
    for (const type of ["execution_success", "execution_error", "execution_interrupted"] as const) {
      expect(liveTransition(running, { type }, 0)).toBeNull();
    }
  });

  it("joins a prompt already running when it sees a node execute", () => {
    const live = play([{ type: "executing", node: "4" }]);
    expect(live).toMatchObject({ promptId: null, executed: ["4"], nodeCount: null });
    expect(liveProgress(live!)).toEqual({ done: 0, toRun: null, fraction: null });
  });

  it("ignores another prompt's cached nodes", () => {
    const live = play([{ type: "execution_start", promptId: "p" }, { type: "execution_cached", promptId: "other", nodes: ["1"] }]);
    expect(live?.cachedCount).toBe(0);
  });

  it("is complete when every node came from the cache", () => {
    const live = play([{ type: "execution_start", promptId: "p" }, { type: "execution_cached", promptId: "p", nodes: ["1", "2"] }], { p: 2 })!;
    expect(liveProgress(live)).toEqual({ done: 0, toRun: 0, fraction: 1 });
  });
});

describe("withNodeCount", () => {
  it("fills an unknown count, never replaces a known one", () => {
    const live = play([{ type: "execution_start", promptId: "p" }])!;
    const counted = withNodeCount(live, 7);
    expect(counted.nodeCount).toBe(7);
    expect(withNodeCount(counted, 9)).toBe(counted);
    expect(withNodeCount(live, null)).toBe(live);
  });
});
