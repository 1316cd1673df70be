import { describe, expect, it } from "vitest";

import { vramPressureEvent } from "../testing/oom";
import { vramPressureStore } from "../testing/oomStores";

describe("VramPressureStore", () => {
  it("follows a run's level: raised, changed, back to normal", () => {
    const { store, events } = vramPressureStore();
    expect(store.current).toBeNull();
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent({ level: "warning", percent: 88 }));
    expect(store.current).toMatchObject({ level: "warning", percent: 88, nodeType: "KSampler" });
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent());
    expect(store.current?.level).toBe("critical");
    // A late "normal" of another run leaves this one's alone.
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent({ prompt_id: "other", level: "normal", node_id: null }));
    expect(store.current?.level).toBe("critical");
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent({ level: "normal", node_id: null, node_type: null, percent: null }));
    expect(store.current).toBeNull();
  });

  it.each([
    ["execution_success", { prompt_id: "p-live" }],
    ["execution_error", { prompt_id: "p-live" }],
    ["execution_interrupted", { prompt_id: "p-live" }],
    ["executing", null],
    ["reconnecting", undefined],
  ])("ends with the run (%s)", (type, detail) => {
    const { store, events } = vramPressureStore();
    events.emit("swissarmyknife.profiler.vram_pressure", vramPressureEvent());
    events.emit("executing", "3");
    expect(store.current?.level).toBe("critical");
    events.emit(type, detail);
    expect(store.current).toBeNull();
  });

  it("drops a frame of another shape", () => {
    const { store, events } = vramPressureStore();
    events.emit("swissarmyknife.profiler.vram_pressure", { ...vramPressureEvent(), level: "red" });
    expect(store.current).toBeNull();
  });
});
