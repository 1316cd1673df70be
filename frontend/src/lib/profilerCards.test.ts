import { describe, expect, it } from "vitest";

import { cachedNode, GIB, nodeRecord, workflowRecord } from "../testing/fixtures";
import { liveTransition } from "./liveRun";
import { formatPartOf, liveCards, runCards } from "./profilerCards";

const value = (cards: { id: string; value: string }[], id: string) => cards.find((c) => c.id === id)?.value;

describe("runCards", () => {
  it("shows a stored run's time, peaks and counts with their units, VRAM before as missing when not measured", () => {
    const run = workflowRecord("p", [cachedNode("1", "Loader"), nodeRecord("2", "KSampler"), nodeRecord("3", "Decode")], {
      duration_ms: 350_900,
      peak_vram_bytes: 9.5 * GIB,
      peak_rss_bytes: 14 * GIB,
    });
    const cards = runCards(run);
    expect(cards.map((c) => c.id)).toEqual(["total-time", "vram-peak", "ram-peak", "cache", "nodes", "vram-before"]);
    expect(value(cards, "total-time")).toBe("5m 50.9s");
    expect(value(cards, "vram-peak")).toBe("9.5 GiB");
    expect(value(cards, "ram-peak")).toBe("14.0 GiB");
    expect(value(cards, "cache")).toBe("1/3");
    expect(value(cards, "nodes")).toBe("2/3");
    expect(value(cards, "vram-before")).toBe("--");
  });

  it("shows VRAM before as its first node found it, warning from 85 % and critical from 95 %", () => {
    const at = (percent: number) => runCards(workflowRecord("p", [nodeRecord("1", "KSampler", { vram_percent_before: percent })])).find((c) => c.id === "vram-before");
    expect(at(40)).toMatchObject({ value: "40%", level: "ok" });
    expect(at(87.4)).toMatchObject({ value: "87%", level: "warning" });
    expect(at(96)).toMatchObject({ value: "96%", level: "critical" });
    expect(at(96)?.detail).toContain("Critical");
  });

  it("shows seconds under a minute and -- for a figure the run lacks", () => {
    const cards = runCards(workflowRecord("p", [], { duration_ms: 12_345, peak_vram_bytes: null }));
    expect(value(cards, "total-time")).toBe("12.3 s");
    expect(value(cards, "vram-peak")).toBe("--");
  });
});

describe("liveCards", () => {
  it("counts the running workflow from ComfyUI's events, its peaks from the live record once read", () => {
    let live = liveTransition(null, { type: "execution_start", promptId: "p" }, 0, () => 5)!;
    live = liveTransition(live, { type: "execution_cached", promptId: "p", nodes: ["1"] }, 0)!;
    live = liveTransition(live, { type: "executing", node: "2" }, 0)!;
    live = liveTransition(live, { type: "executing", node: "3" }, 0)!;
    const before = liveCards(live, null, 4200);
    expect(value(before, "total-time")).toBe("4.20 s");
    expect(value(before, "vram-peak")).toBe("--");
    expect(value(before, "cache")).toBe("1/5");
    expect(value(before, "nodes")).toBe("1/4");
    const current = workflowRecord("p", [], { peak_vram_bytes: 3 * GIB, node_count: 5 });
    expect(value(liveCards(live, current, 4200), "vram-peak")).toBe("3.0 GiB");
  });
});

describe("formatPartOf", () => {
  it("writes part/whole, -- when either is unknown", () => {
    expect(formatPartOf(3, 7)).toBe("3/7");
    expect(formatPartOf(null, 7)).toBe("--");
    expect(formatPartOf(3, undefined)).toBe("--");
  });
});
