import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ApiRequestError } from "../api/errors";
import { RESTART_EVENT } from "../lib/events";
import { restartWarning } from "../lib/messages";
import { session } from "../testing/fixtures";
import { restartStore } from "../testing/hud";
import { DEFAULT_RESTART_TIMINGS, RestartController } from "./restart.svelte";

/** Click Restart, accept the confirmation; `flow` settles when the whole restart flow has ended. */
async function restart(controller: RestartController): Promise<{ flow: Promise<void> }> {
  await controller.request();
  expect(controller.state.kind).toBe("confirming");
  return { flow: controller.confirm() };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("RestartController", () => {
  it("restarts, waits 2 s, polls, and reloads once a new server process answers", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.getSession.mockResolvedValueOnce(session()).mockResolvedValue(session({ boot_id: "boot-2" }));
    const { flow } = await restart(controller);
    expect(controller.state).toEqual({ kind: "restarting", phase: "requesting", attempt: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.postRestart).toHaveBeenCalledWith("tok");
    expect(controller.state).toMatchObject({ kind: "restarting", phase: "waiting" });
    await vi.advanceTimersByTimeAsync(1999);
    expect(deps.probeServer).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await flow;
    expect(deps.probeServer).toHaveBeenCalledTimes(1);
    expect(deps.reload).toHaveBeenCalledOnce();
    expect(controller.state).toMatchObject({ kind: "restarting", phase: "reloading" });
    expect(toasts()).toEqual(["info: Restarting ComfyUI", "success: ComfyUI restarted"]);
    expect(deps.logError).not.toHaveBeenCalled();
  });

  it("keeps polling every second while the old process still answers or the server is down", async () => {
    const { controller, deps } = restartStore();
    deps.probeServer
      .mockResolvedValueOnce(true) // still the old process (same boot id)
      .mockResolvedValueOnce(false)
      .mockResolvedValueOnce(false)
      .mockResolvedValue(true);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(2000);
    expect(deps.probeServer).toHaveBeenCalledTimes(1);
    expect(deps.reload).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(deps.probeServer).toHaveBeenCalledTimes(2);
    expect(controller.state).toMatchObject({ kind: "restarting", phase: "polling", attempt: 2 });
    await vi.advanceTimersByTimeAsync(2000);
    await flow;
    expect(deps.probeServer).toHaveBeenCalledTimes(4);
    expect(deps.reload).toHaveBeenCalledOnce();
  });

  it("ignores a dropped connection on the restart request", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.postRestart.mockRejectedValue(new TypeError("Failed to fetch"));
    deps.probeServer.mockResolvedValueOnce(false).mockResolvedValue(true);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(3000);
    await flow;
    expect(deps.reload).toHaveBeenCalledOnce();
    expect(deps.logError).not.toHaveBeenCalled();
    expect(toasts()).toEqual(["info: Restarting ComfyUI", "success: ComfyUI restarted"]);
  });

  it("counts a probe that throws as down", async () => {
    const { controller, deps } = restartStore();
    deps.probeServer.mockRejectedValueOnce(new TypeError("network")).mockResolvedValue(true);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(3000);
    await flow;
    expect(deps.reload).toHaveBeenCalledOnce();
  });

  it("gives up after 60 s, re-enables the button and says a manual refresh may be needed", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.probeServer.mockResolvedValue(false);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(DEFAULT_RESTART_TIMINGS.initialDelayMs + DEFAULT_RESTART_TIMINGS.timeoutMs);
    await flow;
    expect(controller.state).toEqual({ kind: "idle" });
    expect(controller.busy).toBe(false);
    expect(deps.reload).not.toHaveBeenCalled();
    expect(deps.probeServer).toHaveBeenCalledTimes(60);
    expect(toasts().at(-1)).toBe("warn: ComfyUI did not come back");
    expect(deps.toast.mock.calls.at(-1)?.[0].detail).toContain("refresh the page manually");
  });

  it("takes its timings from the caller", async () => {
    const { controller, deps } = restartStore({ timings: { initialDelayMs: 10, pollIntervalMs: 5, timeoutMs: 50 } });
    deps.probeServer.mockResolvedValue(false);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(60);
    await flow;
    expect(deps.probeServer).toHaveBeenCalledTimes(10);
    expect(controller.state.kind).toBe("idle");
  });

  it("under ComfyUI Desktop calls electronAPI.restartApp and never asks the server", async () => {
    const restartApp = vi.fn(async () => {});
    const { controller, deps } = restartStore({ desktopRestart: vi.fn(() => restartApp) });
    deps.probeServer.mockResolvedValueOnce(false).mockResolvedValue(true);
    await controller.request();
    expect(controller.state).toMatchObject({ kind: "confirming", desktop: true });
    const flow = controller.confirm();
    await vi.advanceTimersByTimeAsync(3000);
    await flow;
    expect(restartApp).toHaveBeenCalledOnce();
    expect(deps.postRestart).not.toHaveBeenCalled();
    expect(deps.reload).toHaveBeenCalledOnce();
  });

  it("under Desktop still confirms when the server does not answer", async () => {
    const restartApp = vi.fn(async () => {});
    const { controller, deps } = restartStore({ desktopRestart: vi.fn(() => restartApp) });
    deps.getSession.mockRejectedValue(new TypeError("down"));
    await controller.request();
    expect(controller.state).toMatchObject({ kind: "confirming", desktop: true });
  });

  it("a Desktop server seen from a plain browser: says to restart from the app", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.postRestart.mockResolvedValue({ kind: "desktop", description: "Desktop", restarts_in_ms: 0 });
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(0);
    await flow;
    expect(controller.state).toEqual({ kind: "idle" });
    expect(toasts().at(-1)).toBe("error: Restart from ComfyUI Desktop");
    expect(deps.probeServer).not.toHaveBeenCalled();
  });

  it("a Desktop server with the Desktop bridge: the app restarts", async () => {
    const restartApp = vi.fn(async () => {});
    const desktop = vi.fn<() => (() => Promise<void>) | null>(() => null);
    const { controller, deps } = restartStore({ desktopRestart: desktop });
    deps.postRestart.mockImplementation(async () => {
      desktop.mockReturnValue(restartApp);
      return { kind: "desktop", description: "Desktop", restarts_in_ms: 0 };
    });
    deps.probeServer.mockResolvedValueOnce(false).mockResolvedValue(true);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(3000);
    await flow;
    expect(restartApp).toHaveBeenCalledOnce();
    expect(deps.reload).toHaveBeenCalledOnce();
  });

  it("a refusal is logged, toasted, and re-enables the button without polling", async () => {
    const { controller, deps, toasts } = restartStore();
    const refusal = new ApiRequestError(403, { error: "forbidden", message: "wrong token", details: [] });
    deps.postRestart.mockRejectedValue(refusal);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(0);
    await flow;
    expect(controller.state).toEqual({ kind: "idle" });
    expect(toasts().at(-1)).toBe("error: Restart refused");
    expect(deps.logError).toHaveBeenCalledWith("Restart refused: wrong token", refusal);
    expect(deps.probeServer).not.toHaveBeenCalled();
  });

  it("stops waiting when the server reports that the restart failed", async () => {
    const { controller, deps, events, toasts } = restartStore();
    deps.probeServer.mockResolvedValue(true); // still up: same boot id
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(2500);
    events.emit(RESTART_EVENT, { type: "restart_failed", message: "os.execv failed; restart by hand" });
    await vi.advanceTimersByTimeAsync(1000);
    await flow;
    expect(controller.state).toEqual({ kind: "idle" });
    expect(toasts().at(-1)).toBe("error: Restart failed");
    expect(deps.toast.mock.calls.at(-1)?.[0].detail).toContain("os.execv failed");
    expect(deps.reload).not.toHaveBeenCalled();
  });

  it("an unexpected error ends the flow with a toast and a log line", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.reload.mockImplementation(() => {
      throw new Error("navigation blocked");
    });
    deps.getSession.mockResolvedValueOnce(session()).mockResolvedValue(session({ boot_id: "boot-2" }));
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(2000);
    await flow;
    expect(controller.state.kind).toBe("idle");
    expect(toasts().at(-1)).toBe("error: Restart failed");
    expect(deps.logError).toHaveBeenCalledOnce();
  });

  it("treats a server that answers but without the plugin as back", async () => {
    const { controller, deps } = restartStore();
    deps.getSession
      .mockResolvedValueOnce(session())
      .mockRejectedValue(new ApiRequestError(404, null));
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(2000);
    await flow;
    expect(deps.reload).toHaveBeenCalledOnce();
  });

  it("does not confirm when actions are refused on this server", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.getSession.mockResolvedValue(
      session({ token: null, actions_allowed: false, actions_refused_reason: "it listens beyond this machine" }),
    );
    await controller.request();
    expect(controller.state).toEqual({ kind: "idle" });
    expect(toasts()).toEqual(["error: Restart is disabled on this server"]);
    expect(deps.toast.mock.calls[0]?.[0].detail).toContain("beyond this machine");
  });

  it("does not confirm when the launch cannot be reproduced", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.getSession.mockResolvedValue(session({ restart_kind: "unsupported", restart_description: "stdin" }));
    await controller.request();
    expect(controller.state.kind).toBe("idle");
    expect(toasts()).toEqual(["error: Cannot restart automatically"]);
  });

  it("says so when the server does not answer the session request", async () => {
    const { controller, deps, toasts } = restartStore();
    deps.getSession.mockRejectedValue(new TypeError("Failed to fetch"));
    await controller.request();
    expect(controller.state.kind).toBe("idle");
    expect(toasts()).toEqual(["error: Cannot restart"]);
    expect(deps.logError).toHaveBeenCalledOnce();
  });

  it("cancel goes back to idle; a second confirm or request is ignored", async () => {
    const { controller, deps } = restartStore();
    await controller.request();
    controller.cancel();
    expect(controller.state.kind).toBe("idle");
    await controller.confirm();
    expect(deps.postRestart).not.toHaveBeenCalled();
    deps.probeServer.mockResolvedValueOnce(false).mockResolvedValue(true);
    const { flow } = await restart(controller);
    await controller.request();
    await controller.confirm();
    await vi.advanceTimersByTimeAsync(3000);
    await flow;
    expect(deps.postRestart).toHaveBeenCalledOnce();
  });

  it("warns in the confirmation when work is running or queued, live from ComfyUI's status event", async () => {
    const { controller, deps, events } = restartStore();
    deps.getSession.mockResolvedValue(session({ queue: { running: 1, queued: 2 } }));
    await controller.request();
    expect(controller.state.kind === "confirming" && restartWarning(controller.state.queue)).toBe(
      "1 workflow is running and 2 are queued: restarting interrupts it and empties the queue.",
    );
    events.emit("status", { exec_info: { queue_remaining: 0 } });
    expect(controller.state.kind === "confirming" && restartWarning(controller.state.queue)).toBeNull();
    events.emit("status", { status: { exec_info: { queue_remaining: 4 } }, sid: "x" });
    expect(controller.state.kind === "confirming" && restartWarning(controller.state.queue)).toBe(
      "4 workflows are running or queued: restarting interrupts it and empties the queue.",
    );
  });

  it("with debug_mode logs setup, start, end and every 5th poll", async () => {
    const { controller, deps } = restartStore({ debugEnabled: () => true });
    deps.probeServer.mockResolvedValueOnce(false).mockResolvedValueOnce(false).mockResolvedValueOnce(false)
      .mockResolvedValueOnce(false).mockResolvedValueOnce(false).mockResolvedValueOnce(false).mockResolvedValue(true);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(9000);
    await flow;
    const lines = deps.logDebug.mock.calls.map(([line]) => line as string);
    expect(lines[0]).toBe("restart setup: restart button ready");
    expect(lines).toContain("restart start: restart requested");
    expect(lines).toContain("restart poll 5: server down");
    expect(lines.filter((l) => l.startsWith("restart poll"))).toEqual(["restart poll 5: server down"]);
    expect(lines.at(-1)).toBe("restart end: server is back, reloading");
  });

  it("logs nothing without debug_mode", async () => {
    const { controller, deps } = restartStore();
    deps.probeServer.mockResolvedValueOnce(false).mockResolvedValue(true);
    const { flow } = await restart(controller);
    await vi.advanceTimersByTimeAsync(3000);
    await flow;
    expect(deps.logDebug).not.toHaveBeenCalled();
  });

  it("stop() removes its listeners", () => {
    const { controller, events } = restartStore();
    expect(events.listeners.get("status")?.size).toBe(1);
    controller.stop();
    expect(events.count()).toBe(0);
  });
});
