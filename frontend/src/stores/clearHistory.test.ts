import { describe, expect, it } from "vitest";

import { ApiRequestError } from "../api/errors";
import { session } from "../testing/fixtures";
import { clearHistoryStore } from "../testing/profiler";

describe("ClearHistoryController", () => {
  it("asks first; cancelled, nothing is sent", () => {
    const { controller, deps } = clearHistoryStore();
    controller.request();
    expect(controller.state).toEqual({ kind: "confirming", error: null });
    expect(controller.open).toBe(true);
    controller.cancel();
    expect(controller.state).toEqual({ kind: "idle" });
    expect(deps.getSession).not.toHaveBeenCalled();
  });

  it("confirmed, sends the session's token, has the views read again and says how many runs went", async () => {
    const { controller, deps } = clearHistoryStore();
    controller.request();
    const clearing = controller.confirm();
    expect(controller.state.kind).toBe("clearing");
    await clearing;
    expect(deps.clearHistory).toHaveBeenCalledWith("tok");
    expect(deps.cleared).toHaveBeenCalledOnce();
    expect(controller.state).toEqual({ kind: "idle" });
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "success", detail: "Forgot 3 runs; archives are kept." }));
  });

  it("shows the server's refusal text in the question and a toast, and keeps asking", async () => {
    const refusal = new ApiRequestError(403, { error: "forbidden", message: "server actions are refused: ComfyUI listens beyond this machine", details: [] });
    const { controller, deps } = clearHistoryStore({ clearHistory: async () => Promise.reject(refusal) });
    controller.request();
    await controller.confirm();
    expect(controller.state).toEqual({ kind: "confirming", error: "server actions are refused: ComfyUI listens beyond this machine" });
    expect(deps.cleared).not.toHaveBeenCalled();
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "error", detail: refusal.message }));
  });

  it("says why when the session refuses actions, without sending the clear", async () => {
    const { controller, deps } = clearHistoryStore({
      getSession: async () => session({ actions_allowed: false, token: null, actions_refused_reason: "Start ComfyUI with SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS=1." }),
    });
    controller.request();
    await controller.confirm();
    expect(deps.clearHistory).not.toHaveBeenCalled();
    expect(controller.state).toEqual({ kind: "confirming", error: "Start ComfyUI with SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS=1." });
  });

  it("says the server did not answer when the request fails", async () => {
    const { controller } = clearHistoryStore({ getSession: async () => Promise.reject(new TypeError("Failed to fetch")) });
    controller.request();
    await controller.confirm();
    expect(controller.state).toEqual({ kind: "confirming", error: "The server did not answer (Failed to fetch)." });
  });

  it("ignores a confirm with no question open", async () => {
    const { controller, deps } = clearHistoryStore();
    await controller.confirm();
    expect(deps.getSession).not.toHaveBeenCalled();
  });
});
