import { describe, expect, it, vi } from "vitest";

import { nodeCountOfCall, savedWorkflowName, watchQueuedPrompts } from "./workflows";

describe("savedWorkflowName", () => {
  it("is the tab's file name for a saved workflow (1.27+'s ComfyWorkflow)", () => {
    expect(savedWorkflowName({ filename: "Portrait upscale", path: "workflows/Portrait upscale.json", isTemporary: false, isPersisted: true })).toBe(
      "Portrait upscale",
    );
  });
  it("falls back to a name, then the path's base name without .json", () => {
    expect(savedWorkflowName({ name: "Old manager's name" })).toBe("Old manager's name");
    expect(savedWorkflowName({ path: "workflows/sub/My flow.json" })).toBe("My flow");
  });
  it("is null for an unsaved (temporary) workflow, whatever ComfyUI calls it", () => {
    expect(savedWorkflowName({ filename: "Unsaved Workflow", isTemporary: true })).toBeNull();
    expect(savedWorkflowName({ filename: "Unsaved Workflow (2)", isPersisted: false })).toBeNull();
    expect(savedWorkflowName(null)).toBeNull();
    expect(savedWorkflowName({ filename: "  " })).toBeNull();
  });
});

describe("nodeCountOfCall", () => {
  it("counts the prompt's nodes in queuePrompt(number, {output, workflow})", () => {
    expect(nodeCountOfCall([0, { output: { 1: {}, 2: {}, 3: {} }, workflow: {} }])).toBe(3);
    expect(nodeCountOfCall([0])).toBeNull();
    expect(nodeCountOfCall([0, "odd"])).toBeNull();
  });
});

/** A stand-in for ComfyUI's api object, whose queuePrompt answers as POST /prompt does. */
function fakeApi(answer: () => Promise<unknown>) {
  const calls: unknown[][] = [];
  const api = {
    clientId: "c1",
    async queuePrompt(this: { clientId: string }, ...args: unknown[]) {
      calls.push([this.clientId, ...args]);
      return answer();
    },
  };
  return { api, calls, original: api.queuePrompt };
}

describe("watchQueuedPrompts", () => {
  it("tells of each queued prompt with its id, node count and the name at queueing; ComfyUI's call is unchanged", async () => {
    const answer = { prompt_id: "p1", number: 3, node_errors: {} };
    const { api, calls } = fakeApi(async () => answer);
    const heard = vi.fn();
    watchQueuedPrompts(api, () => "My flow", heard, vi.fn());
    const data = { output: { 1: {}, 2: {} }, workflow: { nodes: [] } };
    const result = await api.queuePrompt(0, data, { partialExecutionTargets: ["2"] });
    expect(result).toBe(answer);
    // Same arguments, same `this` (its clientId).
    expect(calls).toEqual([["c1", 0, data, { partialExecutionTargets: ["2"] }]]);
    expect(heard).toHaveBeenCalledWith({ promptId: "p1", nodeCount: 2, workflowName: "My flow" });
  });

  it("passes ComfyUI's error through untouched and tells of nothing", async () => {
    const failure = new Error("Prompt outputs failed validation");
    const { api } = fakeApi(async () => Promise.reject(failure));
    const heard = vi.fn();
    watchQueuedPrompts(api, () => "x", heard, vi.fn());
    await expect(api.queuePrompt(0, {})).rejects.toBe(failure);
    expect(heard).not.toHaveBeenCalled();
  });

  it("queues even when reading the name or telling of the prompt fails; that only costs the name", async () => {
    const { api, calls } = fakeApi(async () => ({ prompt_id: "p2" }));
    const logError = vi.fn();
    watchQueuedPrompts(
      api,
      () => {
        throw new Error("no workflow store");
      },
      () => {
        throw new Error("listener broke");
      },
      logError,
    );
    await expect(api.queuePrompt(0, { output: {} })).resolves.toEqual({ prompt_id: "p2" });
    expect(calls).toHaveLength(1);
    expect(logError).toHaveBeenCalledTimes(2);
  });

  it("wraps once, unwraps only while outermost, and does nothing without a queuePrompt", async () => {
    const { api, original } = fakeApi(async () => ({}));
    const stop = watchQueuedPrompts(api, () => null, vi.fn(), vi.fn());
    const wrapped = api.queuePrompt;
    expect(wrapped).not.toBe(original);
    watchQueuedPrompts(api, () => null, vi.fn(), vi.fn());
    expect(api.queuePrompt).toBe(wrapped);
    stop();
    expect(api.queuePrompt).toBe(original);
    const bare: { queuePrompt?: unknown } = {};
    watchQueuedPrompts(bare, () => null, vi.fn(), vi.fn())();
    expect(bare.queuePrompt).toBeUndefined();
  });
});
