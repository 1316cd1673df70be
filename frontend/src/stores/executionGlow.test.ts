import { describe, expect, it } from "vitest";

import { FakePage, glowStore } from "../testing/hud";

describe("ExecutionGlow", () => {
  it("follows ComfyUI's events through the host's subscription", () => {
    const { glow, events } = glowStore();
    glow.start();
    events.emit("execution_start", { prompt_id: "p" });
    expect(glow.executing).toBe(true);
    events.emit("executing", "3");
    events.emit("execution_interrupted", { prompt_id: "p" });
    expect(glow.executing).toBe(false);
  });

  it("stops glowing when the socket drops: the end event may be lost", () => {
    const { glow, events } = glowStore();
    glow.start();
    events.emit("execution_start", { prompt_id: "p" });
    events.emit("reconnecting");
    expect(glow.executing).toBe(false);
    events.emit("reconnected");
    expect(glow.executing).toBe(false);
  });

  it("knows the page's visibility at start and follows it", () => {
    const { glow, page } = glowStore(undefined, new FakePage(true));
    glow.start();
    expect(glow.pageHidden).toBe(true);
    page.setHidden(false);
    expect(glow.pageHidden).toBe(false);
  });

  it("stop() removes every listener", () => {
    const { glow, events, page } = glowStore();
    glow.start();
    // ComfyUI's seven execution events (start, cached, executing, progress, the three ends) and
    // the two connection events (reconnecting, reconnected).
    expect(events.count()).toBe(9);
    glow.stop();
    expect(events.count()).toBe(0);
    expect(page.listeners.size).toBe(0);
  });
});
