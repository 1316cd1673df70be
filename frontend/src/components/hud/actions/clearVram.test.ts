import { describe, expect, it, vi } from "vitest";

import { ApiRequestError, type ClearVramResult, type SessionInfo } from "../../../api/client";
import { ClearVramController, type ClearVramDeps } from "./clearVram.svelte";

const GB = 1024 ** 3;

const SESSION: SessionInfo = {
  token: "tok",
  token_header: "X-SwissArmyKnife-Token",
  boot_id: "b",
  actions_allowed: true,
  actions_refused_reason: null,
  queue: { running: 0, queued: 0 },
  restart_kind: "exec",
  restart_description: "",
};

const RESULT: ClearVramResult = {
  models_unloaded: 2,
  vram_freed_bytes: 18 * GB,
  devices: [
    { index: 0, name: "A", vram_total_bytes: 24 * GB, vram_used_before_bytes: 20 * GB, vram_used_after_bytes: 14 * GB, vram_freed_bytes: 6 * GB },
    { index: 1, name: "B", vram_total_bytes: 48 * GB, vram_used_before_bytes: 30 * GB, vram_used_after_bytes: 18 * GB, vram_freed_bytes: 12 * GB },
  ],
};

function harness(overrides: Partial<ClearVramDeps> = {}) {
  const deps = {
    getSession: vi.fn(async () => SESSION),
    postClearVram: vi.fn(async (_token: string) => RESULT),
    toast: vi.fn(),
    logError: vi.fn(),
    ...overrides,
  };
  return { controller: new ClearVramController(deps), deps };
}

describe("ClearVramController", () => {
  it("sends the session's token and toasts the VRAM freed per GPU", async () => {
    const { controller, deps } = harness();
    const done = controller.clear();
    expect(controller.state.kind).toBe("clearing");
    expect(controller.busy).toBe(true);
    await done;
    expect(deps.postClearVram).toHaveBeenCalledWith("tok");
    expect(deps.toast).toHaveBeenCalledWith(
      expect.objectContaining({
        severity: "success",
        summary: "VRAM cleared",
        detail: "Freed 6.0 GB on GPU 0, 12.0 GB on GPU 1 (2 models unloaded).",
      }),
    );
    expect(controller.state.kind).toBe("idle");
    expect(controller.last).toEqual(RESULT);
  });

  it("shows the server's 409 message when a workflow is running", async () => {
    const busy = new ApiRequestError(409, {
      error: "conflict",
      message: "1 workflow is running: clear VRAM when the queue is empty, or cancel them first",
      details: [],
    });
    const { controller, deps } = harness({ postClearVram: vi.fn(async () => Promise.reject(busy)) });
    await controller.clear();
    expect(deps.toast).toHaveBeenCalledWith(
      expect.objectContaining({ severity: "warn", summary: "Clear VRAM refused", detail: busy.message }),
    );
    expect(deps.logError).not.toHaveBeenCalled();
    expect(controller.state.kind).toBe("idle");
  });

  it("reports other failures as errors, logged", async () => {
    const { controller, deps } = harness({ postClearVram: vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))) });
    await controller.clear();
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "error", summary: "Clear VRAM failed" }));
    expect(deps.logError).toHaveBeenCalledOnce();
  });

  it("does not ask when actions are refused on this server", async () => {
    const { controller, deps } = harness({
      getSession: vi.fn(async () => ({ ...SESSION, token: null, actions_allowed: false, actions_refused_reason: "CORS is open" })),
    });
    await controller.clear();
    expect(deps.postClearVram).not.toHaveBeenCalled();
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "error", detail: "CORS is open" }));
  });

  it("ignores clicks while clearing", async () => {
    const { controller, deps } = harness();
    const first = controller.clear();
    await controller.clear();
    await first;
    expect(deps.postClearVram).toHaveBeenCalledOnce();
  });
});
