import { describe, expect, it } from "vitest";

import { toastAllowed } from "../lib/settings";
import { GIB, MIB } from "../testing/fixtures";
import { CHECKPOINT, oomCapturedEvent, oomRiskEvent, UPSCALER } from "../testing/oom";
import { oomAlerts } from "../testing/oomStores";
import { OOM_TOAST_LIFE_MS } from "./oomAlerts";

describe("OomAlerts", () => {
  it("toasts a captured OOM with a button to the OOM tab, once per prompt", () => {
    const { toasts, events, ui } = oomAlerts();
    events.emit("swissarmyknife.profiler.oom", oomCapturedEvent());
    events.emit("swissarmyknife.profiler.oom", oomCapturedEvent());
    expect(toasts.items).toHaveLength(1);
    const [shown] = toasts.items;
    expect(shown).toMatchObject({ severity: "error", summary: "Out of memory in KSampler", life: OOM_TOAST_LIFE_MS, key: "oom:p-live" });
    expect(shown!.detail).toContain(`2 models were loaded (${CHECKPOINT} and ${UPSCALER}); see the OOM tab.`);
    expect(shown!.actions.map((a) => a.label)).toEqual(["Open the OOM tab"]);
    toasts.act(shown!.id, "open-oom-tab");
    expect(ui.openModal).toHaveBeenCalledWith("oom");
    expect(toasts.items).toEqual([]);
  });

  it("follows the toast verbosity: errors only keeps the OOM, not the risk warning; none keeps nothing", () => {
    let verbosity = "errors";
    const { toasts, events } = oomAlerts(undefined, (severity) => toastAllowed(verbosity, severity));
    events.emit("swissarmyknife.profiler.oom_risk", oomRiskEvent());
    events.emit("swissarmyknife.profiler.oom", oomCapturedEvent());
    expect(toasts.items.map((t) => t.severity)).toEqual(["error"]);
    verbosity = "none";
    events.emit("swissarmyknife.profiler.oom", oomCapturedEvent({ prompt_id: "p-next" }));
    expect(toasts.items).toHaveLength(1);
  });

  it("drops a frame that is not an OOM event's shape", () => {
    const { toasts, events } = oomAlerts();
    events.emit("swissarmyknife.profiler.oom", { type: "oom_captured", prompt_id: "p" });
    events.emit("swissarmyknife.profiler.oom_risk", { type: "oom_risk", prompt_id: "p", risk: { message: 3 } });
    expect(toasts.items).toEqual([]);
  });

  it("toasts a risky prompt with its message and an Unload button that asks the unload controller", () => {
    const { toasts, events, ui, unload } = oomAlerts();
    events.emit("swissarmyknife.profiler.oom_risk", oomRiskEvent());
    const [shown] = toasts.items;
    expect(shown).toMatchObject({ severity: "warn", summary: "“Text to image (SDXL)” may run out of memory", key: "risk:fa0d68992095b09f" });
    expect(shown!.actions.map((a) => [a.id, a.label])).toEqual([
      ["unload", "Unload 2 models"],
      ["open-oom-tab", "Open the OOM tab"],
    ]);
    toasts.act(shown!.id, "unload");
    // Over an open modal the question shows in its OOM tab.
    expect(ui.selectTab).toHaveBeenCalledWith("oom");
    expect(unload.ask).toHaveBeenCalledWith({
      models: [
        { name: UPSCALER, bytes: 70 * MIB },
        { name: "flux1-dev.safetensors", bytes: 11 * GIB },
      ],
      expectedFreedBytes: null,
      reason: "for “Text to image (SDXL)”",
    });
  });

  it("keeps one warning per workflow, the newest", () => {
    const { toasts, events } = oomAlerts();
    events.emit("swissarmyknife.profiler.oom_risk", oomRiskEvent());
    events.emit("swissarmyknife.profiler.oom_risk", { ...oomRiskEvent({ message: "newer figures" }), prompt_id: "p-queued-2" });
    events.emit("swissarmyknife.profiler.oom_risk", oomRiskEvent({ workflow_hash: "another" }));
    expect(toasts.items.map((t) => [t.key, t.detail.startsWith("newer figures")])).toEqual([
      ["risk:fa0d68992095b09f", true],
      ["risk:another", false],
    ]);
  });

  it("offers no Unload when there is nothing to unload", () => {
    const { toasts, events } = oomAlerts();
    events.emit("swissarmyknife.profiler.oom_risk", oomRiskEvent({ models_to_unload: [] }));
    expect(toasts.items[0]!.actions.map((a) => a.id)).toEqual(["open-oom-tab"]);
  });
});
