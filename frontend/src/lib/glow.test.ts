import { describe, expect, it } from "vitest";

import { glowTransition, IDLE, type GlowEvent, type GlowState } from "./glow";

const running: GlowState = { kind: "executing", promptId: "p1" };

function run(events: GlowEvent[], from: GlowState = IDLE): GlowState {
  return events.reduce(glowTransition, from);
}

describe("glowTransition", () => {
  it("starts on execution_start", () => {
    expect(glowTransition(IDLE, { type: "execution_start", promptId: "p1" })).toEqual(running);
  });
  it.each(["execution_success", "execution_error", "execution_interrupted"] as const)("stops on %s", (type) => {
    expect(glowTransition(running, { type })).toEqual(IDLE);
  });
  it("stops on executing with a null node (the prompt is done)", () => {
    expect(glowTransition(running, { type: "executing", node: null })).toEqual(IDLE);
  });
  it("keeps the same state object while nodes run (no re-render per node)", () => {
    expect(glowTransition(running, { type: "executing", node: "7" })).toBe(running);
  });
  it("is moved by neither cached nodes nor a node's steps (same object, no re-render)", () => {
    expect(glowTransition(running, { type: "progress", node: "7", value: 1, max: 20 })).toBe(running);
    expect(glowTransition(running, { type: "execution_cached", promptId: "p1", nodes: ["1"] })).toBe(running);
    expect(glowTransition(IDLE, { type: "progress", node: "7", value: 1, max: 20 })).toBe(IDLE);
  });
  it("starts when a node runs while idle (page opened mid-prompt)", () => {
    expect(glowTransition(IDLE, { type: "executing", node: "7" })).toEqual({ kind: "executing", promptId: null });
  });
  it("stops on a lost socket: the end may never arrive", () => {
    expect(glowTransition(running, { type: "reconnecting" })).toEqual(IDLE);
  });
  it("stays idle (same object) on an end event while idle", () => {
    expect(glowTransition(IDLE, { type: "execution_success" })).toBe(IDLE);
  });
  it("follows a whole queue of two prompts", () => {
    const events: GlowEvent[] = [
      { type: "execution_start", promptId: "a" },
      { type: "executing", node: "1" },
      { type: "executing", node: null },
      { type: "execution_start", promptId: "b" },
      { type: "executing", node: "1" },
    ];
    expect(run(events)).toEqual({ kind: "executing", promptId: "b" });
    expect(run([...events, { type: "execution_success" }])).toEqual(IDLE);
  });
});
