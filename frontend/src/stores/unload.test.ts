import { describe, expect, it } from "vitest";

import { GIB, MIB, session } from "../testing/fixtures";
import { CHECKPOINT, refused, UPSCALER } from "../testing/oom";
import { FakeOomServer, unloadController } from "../testing/oomStores";
import type { UnloadRequest } from "./unload.svelte";

const REQUEST: UnloadRequest = {
  models: [
    { name: CHECKPOINT, bytes: 6.5 * GIB },
    { name: UPSCALER, bytes: 70 * MIB },
  ],
  expectedFreedBytes: null,
  reason: "before KSampler",
};

describe("UnloadController", () => {
  it("asks first; cancelled, nothing is sent", async () => {
    const { controller, server } = unloadController();
    controller.ask(REQUEST);
    expect(controller.state).toEqual({ kind: "confirming", request: REQUEST });
    controller.cancel();
    expect(controller.state.kind).toBe("idle");
    await controller.confirm();
    expect(server.unloadModels).not.toHaveBeenCalled();
    controller.ask({ ...REQUEST, models: [] });
    expect(controller.state.kind).toBe("idle");
  });

  it("confirmed, unloads by name with the session's token and says what was freed and what was not loaded", async () => {
    const { controller, server, deps } = unloadController();
    controller.ask(REQUEST);
    const done = controller.confirm();
    expect(controller.state.kind).toBe("unloading");
    expect(controller.busy).toBe(true);
    await done;
    expect(server.unloadModels).toHaveBeenCalledWith("tok", [CHECKPOINT, UPSCALER]);
    const text = `Unloaded ${CHECKPOINT} (6.5 GiB): 6.5 GiB freed. ${UPSCALER} is not loaded now, so nothing to do for it.`;
    expect(controller.outcome).toMatchObject({ tone: "success", text });
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "success", summary: "1 model unloaded", detail: text }));
    expect(controller.state.kind).toBe("idle");
    // Again: nothing left to unload.
    controller.ask(REQUEST);
    await controller.confirm();
    expect(controller.outcome).toMatchObject({ tone: "success", text: `Nothing was unloaded: ${CHECKPOINT} and ${UPSCALER} are not loaded now.` });
    expect(deps.toast).toHaveBeenLastCalledWith(expect.objectContaining({ severity: "info", summary: "Nothing to unload" }));
  });

  it("shows a 409 in the server's words and that unloading waits for an empty queue", async () => {
    const server = new FakeOomServer();
    const message = "1 workflow is running: unload models when the queue is empty, or cancel them first";
    server.failNext.unloadModels = refused(409, message);
    const { controller, deps } = unloadController(server);
    controller.ask(REQUEST);
    await controller.confirm();
    expect(controller.outcome).toEqual({ tone: "error", text: message, hint: expect.stringMatching(/^Unloading waits until the queue is empty/), status: 409 });
    expect(deps.toast).toHaveBeenCalledWith(expect.objectContaining({ severity: "warn", summary: "Models not unloaded", detail: expect.stringContaining(message) }));
    expect(deps.logError).not.toHaveBeenCalled();
  });

  it("shows a 403 or 503 in the server's words, and a refused session's reason without asking", async () => {
    const server = new FakeOomServer();
    server.failNext.unloadModels = refused(503, "ComfyUI's model management is not available", "unavailable");
    const { controller } = unloadController(server);
    controller.ask(REQUEST);
    await controller.confirm();
    expect(controller.outcome).toEqual({ tone: "error", text: "ComfyUI's model management is not available", hint: null, status: 503 });

    server.session = session({ token: "stale" });
    const stale = unloadController(server);
    stale.controller.ask(REQUEST);
    await stale.controller.confirm();
    expect(stale.controller.outcome).toMatchObject({ tone: "error", text: "missing or wrong X-SwissArmyKnife-Token header", status: 403 });

    server.session = session({ token: null, actions_allowed: false, actions_refused_reason: "ComfyUI listens on 0.0.0.0: server actions are refused" });
    const exposed = unloadController(server);
    exposed.controller.ask(REQUEST);
    await exposed.controller.confirm();
    expect(server.unloadModels).toHaveBeenCalledTimes(2);
    expect(exposed.controller.outcome).toMatchObject({ tone: "error", text: "ComfyUI listens on 0.0.0.0: server actions are refused" });
  });

  it("logs a failure that is not the server's answer", async () => {
    const server = new FakeOomServer();
    server.failNext.unloadModels = new TypeError("Failed to fetch");
    const { controller, deps } = unloadController(server);
    controller.ask(REQUEST);
    await controller.confirm();
    expect(controller.outcome).toMatchObject({ tone: "error", text: "The server did not answer." });
    expect(deps.logError).toHaveBeenCalledOnce();
  });
});
