import { describe, expect, it, vi } from "vitest";

import { MONITOR_EVENT, RESTART_EVENT } from "../lib/events";
import { monitorEvent } from "../testing/fixtures";
import { FakeEvents } from "../testing/hud";
import { oomCapturedEvent, oomRiskEvent, vramPressureEvent } from "../testing/oom";
import { EXECUTION_EVENT_TYPES, queueFromStatusEvent, toExecutionEvent } from "./events";

describe("toExecutionEvent", () => {
  it("reads the prompt id, tolerating any detail", () => {
    expect(toExecutionEvent("execution_start", { prompt_id: "x" })).toEqual({ type: "execution_start", promptId: "x" });
    expect(toExecutionEvent("execution_start", null)).toEqual({ type: "execution_start", promptId: null });
    expect(toExecutionEvent("execution_start", "weird")).toEqual({ type: "execution_start", promptId: null });
  });
  it("reads executing's node id as ComfyUI dispatches it (bare id or null)", () => {
    expect(toExecutionEvent("executing", "12")).toEqual({ type: "executing", node: "12" });
    expect(toExecutionEvent("executing", 12)).toEqual({ type: "executing", node: "12" });
    expect(toExecutionEvent("executing", null)).toEqual({ type: "executing", node: null });
    expect(toExecutionEvent("executing", undefined)).toEqual({ type: "executing", node: null });
    expect(toExecutionEvent("executing", { node: "3", prompt_id: "p" })).toEqual({ type: "executing", node: "3" });
    expect(toExecutionEvent("executing", { node: null })).toEqual({ type: "executing", node: null });
  });
  it("reads execution_cached's node ids, tolerating a missing or odd list", () => {
    expect(toExecutionEvent("execution_cached", { nodes: ["1", 2], prompt_id: "p" })).toEqual({ type: "execution_cached", promptId: "p", nodes: ["1", "2"] });
    expect(toExecutionEvent("execution_cached", { nodes: "1" })).toEqual({ type: "execution_cached", promptId: null, nodes: [] });
    expect(toExecutionEvent("execution_cached", null)).toEqual({ type: "execution_cached", promptId: null, nodes: [] });
  });
  it("reads progress's value of max for its node; a malformed one reads as no progress", () => {
    expect(toExecutionEvent("progress", { value: 5, max: 20, node: "3", prompt_id: "p" })).toEqual({ type: "progress", node: "3", value: 5, max: 20 });
    expect(toExecutionEvent("progress", { value: "x", max: 0 })).toEqual({ type: "progress", node: null, value: 0, max: 1 });
    expect(toExecutionEvent("progress", undefined)).toEqual({ type: "progress", node: null, value: 0, max: 1 });
  });
  it("passes the end events through", () => {
    expect(toExecutionEvent("execution_error", { prompt_id: "p" })).toEqual({ type: "execution_error" });
  });
});

describe("queueFromStatusEvent", () => {
  it("reads ComfyUI's status event detail and the standalone shim's nested one", () => {
    expect(queueFromStatusEvent({ exec_info: { queue_remaining: 2 } })?.remaining).toBe(2);
    expect(queueFromStatusEvent({ status: { exec_info: { queue_remaining: 0 } }, sid: "x" })?.remaining).toBe(0);
    expect(queueFromStatusEvent(null)).toBeNull();
    expect(queueFromStatusEvent({ exec_info: { queue_remaining: "X" } })).toBeNull();
  });
});

describe("createHostEvents", () => {
  it("hands over ComfyUI's execution, status and connection events as ours", () => {
    const events = new FakeEvents();
    const seen: unknown[] = [];
    events.host.onExecution((event) => seen.push(event));
    events.host.onQueue((queue) => seen.push(queue));
    events.host.onConnection((event) => seen.push(event));
    events.emit("execution_start", { prompt_id: "p" });
    events.emit("status", { exec_info: { queue_remaining: 3 } });
    events.emit("status", { sid: "no queue in this one" });
    events.emit("reconnecting");
    events.emit("reconnected");
    expect(seen).toEqual([
      { type: "execution_start", promptId: "p" },
      { running: null, queued: null, remaining: 3 },
      "reconnecting",
      "reconnected",
    ]);
  });

  it("passes a server event on only when its payload has the event's shape", () => {
    const events = new FakeEvents();
    const monitor = vi.fn();
    const restart = vi.fn();
    events.host.onServerEvent(MONITOR_EVENT, monitor);
    events.host.onServerEvent(RESTART_EVENT, restart);
    for (const bad of [null, "x", { type: "monitor" }, { capabilities_version: 1, snapshot: { gpus: "no" } }, { ...monitorEvent(), type: "other" }]) {
      events.emit(MONITOR_EVENT, bad);
    }
    events.emit(RESTART_EVENT, { type: "restart_failed" });
    // The right shape under the wrong name: the `type` is checked against the generated table.
    events.emit(RESTART_EVENT, { ...monitorEvent(), message: "x" });
    expect(monitor).not.toHaveBeenCalled();
    expect(restart).not.toHaveBeenCalled();
    events.emit(MONITOR_EVENT, monitorEvent());
    events.emit(RESTART_EVENT, { type: "restart_failed", message: "exec failed" });
    expect(monitor).toHaveBeenCalledWith(monitorEvent());
    expect(restart).toHaveBeenCalledWith({ type: "restart_failed", message: "exec failed" });
  });

  it("each unsubscribe removes every listener it added", () => {
    const events = new FakeEvents();
    const stops = [
      events.host.onExecution(() => {}),
      events.host.onQueue(() => {}),
      events.host.onConnection(() => {}),
      events.host.onServerEvent(MONITOR_EVENT, () => {}),
    ];
    expect(events.count()).toBe(EXECUTION_EVENT_TYPES.length + 1 + 2 + 1);
    for (const stop of stops) stop();
    expect(events.count()).toBe(0);
  });
});

describe("the OOM diagnosis's events", () => {
  it("reach their listeners only with the fields the stores read", () => {
    const events = new FakeEvents();
    const seen: string[] = [];
    events.host.onServerEvent("swissarmyknife.profiler.vram_pressure", (e) => seen.push(`pressure ${e.level}`));
    events.host.onServerEvent("swissarmyknife.profiler.oom", (e) => seen.push(`oom ${e.prompt_id}`));
    events.host.onServerEvent("swissarmyknife.profiler.oom_risk", (e) => seen.push(`risk ${e.risk.message.length > 0}`));
    events.emit("swissarmyknife.profiler.vram_pressure", { ...vramPressureEvent(), level: "purple" });
    events.emit("swissarmyknife.profiler.vram_pressure", { ...vramPressureEvent(), prompt_id: 7 });
    events.emit("swissarmyknife.profiler.oom", { ...oomCapturedEvent(), loaded_models: "a, b" });
    events.emit("swissarmyknife.profiler.oom_risk", { ...oomRiskEvent(), risk: null });
    expect(seen).toEqual([]);
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent());
    events.emit("swissarmyknife.profiler.oom", oomCapturedEvent());
    events.emit("swissarmyknife.profiler.oom_risk", oomRiskEvent());
    expect(seen).toEqual(["pressure critical", "oom p-live", "risk true"]);
  });
});
