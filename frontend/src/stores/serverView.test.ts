import { describe, expect, it, vi } from "vitest";

import type { Unsubscribe } from "../lib/events";
import { FakeEvents } from "../testing/hud";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";

/** A ServerView that counts its reads and follows the profiler event. */
class Counting extends ServerView {
  reads = vi.fn();
  failNext = false;

  async refresh(): Promise<void> {
    this.fresh();
    this.reads();
    if (this.failNext) {
      this.failNext = false;
      this.stale();
    }
  }

  protected follow(events: ServerViewEvents): Unsubscribe[] {
    return [events.onServerEvent("swissarmyknife.profiler", () => this.changed())];
  }
}

function counting() {
  const events = new FakeEvents();
  const view = new Counting(events.host);
  view.start();
  return { view, events };
}

describe("ServerView", () => {
  it("reads at the first look only, while the figures stay fresh", () => {
    const { view } = counting();
    expect(view.watched).toBe(false);
    const release = view.watch();
    expect(view.watched).toBe(true);
    expect(view.reads).toHaveBeenCalledOnce();
    release();
    view.watch();
    expect(view.reads).toHaveBeenCalledOnce();
  });

  it("reads at once when its event comes while a view looks, and after a reconnect", () => {
    const { view, events } = counting();
    view.watch();
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    events.emit("reconnected");
    expect(view.reads).toHaveBeenCalledTimes(3);
  });

  it("waits for the next look when the server changes while nobody looks", () => {
    const { view, events } = counting();
    view.watch()();
    events.emit("swissarmyknife.profiler", { type: "profiler", workflow: {} });
    events.emit("reconnected");
    expect(view.reads).toHaveBeenCalledTimes(1);
    view.watch();
    expect(view.reads).toHaveBeenCalledTimes(2);
  });

  it("reads again at the next look after a failed read", async () => {
    const { view } = counting();
    view.failNext = true;
    view.watch()();
    view.watch();
    expect(view.reads).toHaveBeenCalledTimes(2);
  });

  it("counts each view once, however often it releases", () => {
    const { view } = counting();
    const first = view.watch();
    const second = view.watch();
    first();
    first();
    expect(view.watched).toBe(true);
    second();
    expect(view.watched).toBe(false);
  });

  it("follows its events once however often started, and none once stopped", () => {
    const { view, events } = counting();
    view.start();
    expect(events.count()).toBe(3);
    view.stop();
    expect(events.count()).toBe(0);
  });
});
