import { describe, expect, it, vi } from "vitest";

import { MAX_REMEMBERED_PROMPTS, QueuedPrompts, type QueuedPromptsDeps } from "./queuedPrompts";

function setUp(overrides: Partial<QueuedPromptsDeps> = {}) {
  let now = 0;
  const deps = {
    nameRun: vi.fn<QueuedPromptsDeps["nameRun"]>(async () => ({})),
    counted: vi.fn<QueuedPromptsDeps["counted"]>(),
    logError: vi.fn<QueuedPromptsDeps["logError"]>(),
    now: () => now,
    ...overrides,
  };
  return { prompts: new QueuedPrompts(deps), deps, advance: (ms: number) => (now += ms) };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("QueuedPrompts", () => {
  it("sends a saved workflow's name for its prompt and remembers the prompt's node count", () => {
    const { prompts, deps } = setUp();
    prompts.queued({ promptId: "p1", nodeCount: 7, workflowName: "Portrait" });
    expect(deps.nameRun).toHaveBeenCalledWith("p1", "Portrait");
    expect(deps.counted).toHaveBeenCalledWith("p1", 7);
    expect(prompts.nodeCountOf("p1")).toBe(7);
    expect(prompts.nodeCountOf("other")).toBeNull();
  });

  it("sends nothing for an unsaved workflow", () => {
    const { prompts, deps } = setUp();
    prompts.queued({ promptId: "p1", nodeCount: null, workflowName: null });
    expect(deps.nameRun).not.toHaveBeenCalled();
    expect(deps.counted).not.toHaveBeenCalled();
  });

  it("logs a failed naming at most once a minute, and never throws", async () => {
    const { prompts, deps, advance } = setUp({ nameRun: async () => Promise.reject(new TypeError("Failed to fetch")) });
    prompts.queued({ promptId: "a", nodeCount: 1, workflowName: "x" });
    prompts.queued({ promptId: "b", nodeCount: 1, workflowName: "x" });
    await flush();
    expect(deps.logError).toHaveBeenCalledTimes(1);
    advance(61_000);
    prompts.queued({ promptId: "c", nodeCount: 1, workflowName: "x" });
    await flush();
    expect(deps.logError).toHaveBeenCalledTimes(2);
  });

  it("forgets the oldest counts past its bound", () => {
    const { prompts } = setUp();
    for (let i = 0; i <= MAX_REMEMBERED_PROMPTS; i++) prompts.queued({ promptId: `p${i}`, nodeCount: i, workflowName: null });
    expect(prompts.nodeCountOf("p0")).toBeNull();
    expect(prompts.nodeCountOf(`p${MAX_REMEMBERED_PROMPTS}`)).toBe(MAX_REMEMBERED_PROMPTS);
  });
});
