import { describe, expect, it, vi } from "vitest";

import { ApiRequestError } from "../api/errors";
import { clearVramResult, session } from "../testing/fixtures";
import { clearVramStore } from "../testing/hud";

describe("ClearVramController", () => {
  it("sends the session's token and toasts the VRAM freed per GPU", async () => {
    const { controller, deps } = clearVramStore();
    const done = controller.clear();
    expect(controller.state.kind).toBe("clearing");
    expect(controller.busy).toBe(true);
    await done;
    expect(deps.postClearVram).toHaveBeenCalledWith("tok");
    expect(deps.toast).toHaveBeenCalledWith(
      expect.objectContaining({
        severity: "success",
        summary: "VRAM cleared",
        detail: "Freed 6.0 GiB on GPU 0, 12.0 GiB on GPU 1 (2 models unloaded).",
      }),
    );
    expect(controller.state.kind).toBe("idle");
    expect(controller.last).toEqual(clearVramResult());
  });

  it("shows the server's 409 message when a workflow is running", async () => {
    const busy = new ApiRequestError(409, {
      error: "conflict",
      message: "1 workflow is running: clear VRAM when the queue is empty, or cancel them first",
      details: [],
    });
    const { controller, deps } = clearVramStore({ postClearVram: vi.fn(async () => Promise.reject(busy)) });
    await controller.clear();
    expect(deps.toast).toHaveBeenCalledWith(
      expect.objectContaining({ severity: "warn", summary: "Clear VRAM refused", detail: busy.message }),
    );
    expect(deps.logError).not.toHaveBeenCalled();
    expect(controller.state.kind).toBe("idle");
  });

  it("reports other failures as errors, logged", async () => {
    const { controller, deps } = clearVramStore({ postClearVram: vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))) });
    await controller.clear();
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "error", summary: "Clear VRAM failed" }));
    expect(deps.logError).toHaveBeenCalledOnce();
  });

  it("does not ask when actions are refused on this server", async () => {
    const { controller, deps } = clearVramStore({
      getSession: vi.fn(async () => session({ token: null, actions_allowed: false, actions_refused_reason: "CORS is open" })),
    });
    await controller.clear();
    expect(deps.postClearVram).not.toHaveBeenCalled();
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "error", detail: "CORS is open" }));
  });

  it("ignores clicks while clearing", async () => {
    const { controller, deps } = clearVramStore();
    const first = controller.clear();
    await controller.clear();
    await first;
    expect(deps.postClearVram).toHaveBeenCalledOnce();
  });
});
