import { describe, expect, it } from "vitest";

import { FakeEvents } from "../testing/hud";
import { ExecutionGlow } from "./executionGlow.svelte";

function glowWith(hidden = false) {
  const events = new FakeEvents();
  const state = { hidden, listeners: new Set<() => void>() };
  const glow = new ExecutionGlow({
    onEvent: events.onEvent,
    isPageHidden: () => state.hidden,
    onVisibilityChange: (listener) => {
      state.listeners.add(listener);
      return () => state.listeners.delete(listener);
    },
  });
  const setHidden = (value: boolean) => {
    state.hidden = value;
    for (const l of state.listeners) l();
  };
  return { glow, events, setHidden, state };
}

describe("ExecutionGlow", () => {
  it("follows ComfyUI's events through the host's subscription", () => {
    const { glow, events } = glowWith();
    glow.start();
    events.emit("execution_start", { prompt_id: "p" });
    expect(glow.executing).toBe(true);
    events.emit("executing", "3");
    events.emit("execution_interrupted", { prompt_id: "p" });
    expect(glow.executing).toBe(false);
  });

  it("knows the page's visibility at start and follows it", () => {
    const { glow, setHidden } = glowWith(true);
    glow.start();
    expect(glow.pageHidden).toBe(true);
    setHidden(false);
    expect(glow.pageHidden).toBe(false);
  });

  it("stop() removes every listener", () => {
    const { glow, events, state } = glowWith();
    glow.start();
    expect(events.count()).toBe(6);
    glow.stop();
    expect(events.count()).toBe(0);
    expect(state.listeners.size).toBe(0);
  });
});
