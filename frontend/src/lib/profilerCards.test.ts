import { describe, expect, it } from "vitest";

import { cachedNode, GIB, nodeRecord, workflowRecord } from "../testing/fixtures";
import { liveTransition } from "./liveRun";
import { formatPartOf, liveCards, liveVramReading, runCards, type LivePressure } from "./profilerCards";

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
    expect(at(96)?.levelText).toBe("critical: 95 % or more in use, an out-of-memory error is likely");
    expect(at(40)?.levelText).toBeUndefined();
  });

  it("colours VRAM before by the thresholds in force, not fixed ones", () => {
    const run = workflowRecord("p", [nodeRecord("1", "KSampler", { vram_percent_before: 82 })]);
    const card = (warningPercent: number, criticalPercent: number) => runCards(run, { warningPercent, criticalPercent }).find((c) => c.id === "vram-before");
    expect(card(85, 95)?.level).toBe("ok");
    expect(card(80, 90)).toMatchObject({ level: "warning", levelText: "warning: 80 % or more in use, little room is left" });
    expect(card(70, 80)?.level).toBe("critical");
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

describe("VRAM before while a run goes", () => {
  let live = liveTransition(null, { type: "execution_start", promptId: "p" }, 0, () => 4)!;
  live = liveTransition(live, { type: "executing", node: "1" }, 0)!;
  live = liveTransition(live, { type: "executing", node: "2" }, 0)!;
  const pressure = (over: Partial<LivePressure> = {}): LivePressure => ({ promptId: "p", percent: 96, nodeId: "2", nodeType: "KSampler", ...over });
  const vramCard = (cards: ReturnType<typeof liveCards>) => cards.find((c) => c.id === "vram-before")!;

  it("is the running node's reading in the live record", () => {
    const current = workflowRecord("p", [nodeRecord("1", "Loader", { vram_percent_before: 30 }), nodeRecord("2", "KSampler", { vram_percent_before: 88 })]);
    const card = vramCard(liveCards(live, current, 0));
    expect(card).toMatchObject({ value: "88%", level: "warning" });
    expect(card.detail).toContain("before KSampler #2, the node running now");
  });

  it("takes the vram_pressure event when the record has not the running node yet, by the thresholds given", () => {
    const current = workflowRecord("p", [nodeRecord("1", "Loader", { vram_percent_before: 30 })]);
    expect(liveVramReading(live, current, pressure())).toEqual(pressure());
    const card = vramCard(liveCards(live, current, 0, { warningPercent: 85, criticalPercent: 95 }, pressure()));
    expect(card).toMatchObject({ value: "96%", level: "critical" });
    expect(vramCard(liveCards(live, current, 0, { warningPercent: 90, criticalPercent: 99 }, pressure())).level).toBe("warning");
  });

  it("keeps the newer of an event and the record (the node that started last), never another prompt's", () => {
    const current = workflowRecord("p", [nodeRecord("1", "Loader", { vram_percent_before: 30 }), nodeRecord("2", "KSampler", { vram_percent_before: 88 })]);
    // The event of an earlier node: the record's running node is newer.
    expect(liveVramReading(live, current, pressure({ nodeId: "1", percent: 86 }))?.percent).toBe(88);
    // The event of the running node wins over the record's same node (it is the newer reading).
    expect(liveVramReading(live, current, pressure({ percent: 97 }))?.percent).toBe(97);
    expect(liveVramReading(live, null, pressure({ promptId: "other" }))).toBeNull();
    expect(liveVramReading(live, workflowRecord("other", [nodeRecord("2", "KSampler", { vram_percent_before: 50 })]), null)).toBeNull();
  });

  it("is an earlier node's reading when the running node is not measured yet, and -- when nothing is", () => {
    const current = workflowRecord("p", [nodeRecord("1", "Loader", { vram_percent_before: 30 })]);
    const card = vramCard(liveCards(live, current, 0));
    expect(card).toMatchObject({ value: "30%", level: "ok" });
    expect(card.detail).toContain("before Loader #1, the latest node measured");
    expect(vramCard(liveCards(live, null, 0))).toMatchObject({ value: "--", level: "unknown" });
  });
});

describe("formatPartOf", () => {
  it("writes part/whole, -- when either is unknown", () => {
    expect(formatPartOf(3, 7)).toBe("3/7");
    expect(formatPartOf(null, 7)).toBe("--");
    expect(formatPartOf(3, undefined)).toBe("--");
  });
});
