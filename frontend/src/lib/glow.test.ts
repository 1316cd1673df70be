import { describe, expect, it } from "vitest";

import { glowTransition, IDLE, toGlowEvent, type GlowEvent, type GlowState } from "./glow";

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

describe("toGlowEvent", () => {
  it("reads the prompt id, tolerating any detail", () => {
    expect(toGlowEvent("execution_start", { prompt_id: "x" })).toEqual({ type: "execution_start", promptId: "x" });
    expect(toGlowEvent("execution_start", null)).toEqual({ type: "execution_start", promptId: null });
    expect(toGlowEvent("execution_start", "weird")).toEqual({ type: "execution_start", promptId: null });
  });
  it("reads executing's node id as ComfyUI dispatches it (bare id or null)", () => {
    expect(toGlowEvent("executing", "12")).toEqual({ type: "executing", node: "12" });
    expect(toGlowEvent("executing", 12)).toEqual({ type: "executing", node: "12" });
    expect(toGlowEvent("executing", null)).toEqual({ type: "executing", node: null });
    expect(toGlowEvent("executing", undefined)).toEqual({ type: "executing", node: null });
    expect(toGlowEvent("executing", { node: "3", prompt_id: "p" })).toEqual({ type: "executing", node: "3" });
    expect(toGlowEvent("executing", { node: null })).toEqual({ type: "executing", node: null });
  });
  it("passes the end events through", () => {
    expect(toGlowEvent("execution_error", { prompt_id: "p" })).toEqual({ type: "execution_error" });
  });
});
