import { afterEach, describe, expect, it, vi } from "vitest";

import { api, app } from "../testing/fakeComfy";
import { activeWorkflowName, focusNodeOnCanvas, onPromptQueued, registerSidebarTab, toast } from "./comfy";

type Loose = Record<string, unknown>;
const looseApp = app as unknown as Loose & { extensionManager: Loose };
const looseApi = api as unknown as Loose;

afterEach(() => {
  delete looseApp["canvas"];
  delete looseApp["graph"];
  delete looseApp["workflowManager"];
  delete looseApp.extensionManager["workflow"];
  delete looseApp.extensionManager["registerSidebarTab"];
  delete looseApi["queuePrompt"];
});

describe("activeWorkflowName", () => {
  it("reads the open tab's workflow from the workflow store, else the older workflow manager", () => {
    expect(activeWorkflowName()).toBeNull();
    looseApp["workflowManager"] = { activeWorkflow: { name: "From the old manager", isPersisted: true } };
    expect(activeWorkflowName()).toBe("From the old manager");
    looseApp.extensionManager["workflow"] = { activeWorkflow: { filename: "Portrait", isTemporary: false } };
    expect(activeWorkflowName()).toBe("Portrait");
    looseApp.extensionManager["workflow"] = { activeWorkflow: { filename: "Unsaved Workflow", isTemporary: true } };
    expect(activeWorkflowName()).toBeNull();
  });
});

describe("onPromptQueued", () => {
  it("hears of prompts queued through ComfyUI's api.queuePrompt, with the open tab's name", async () => {
    looseApi["queuePrompt"] = async () => ({ prompt_id: "p9" });
    looseApp.extensionManager["workflow"] = { activeWorkflow: { filename: "Portrait", isTemporary: false } };
    const heard = vi.fn();
    const stop = onPromptQueued(heard);
    await (looseApi["queuePrompt"] as (...args: unknown[]) => Promise<unknown>)(0, { output: { 1: {} } });
    expect(heard).toHaveBeenCalledWith({ promptId: "p9", nodeCount: 1, workflowName: "Portrait" });
    stop();
  });
});

describe("registerSidebarTab", () => {
  const tab = { id: "swissarmyknife-profiler", title: "Profiler", type: "custom" as const, render: () => {} };
  it("adds the tab where the frontend has sidebar tabs", () => {
    const register = vi.fn();
    looseApp.extensionManager["registerSidebarTab"] = register;
    expect(registerSidebarTab(tab)).toBe(true);
    expect(register).toHaveBeenCalledWith(tab);
  });
  it("is false, without an error, where it has none or refuses", () => {
    expect(registerSidebarTab(tab)).toBe(false);
    looseApp.extensionManager["registerSidebarTab"] = () => {
      throw new Error("duplicate id");
    };
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(registerSidebarTab(tab)).toBe(false);
  });
});

describe("focusNodeOnCanvas", () => {
  function canvasWith(ids: (string | number)[]) {
    const nodes = new Map(ids.map((id) => [id, { id }]));
    const canvas = {
      graph: { getNodeById: vi.fn((id: string | number) => nodes.get(id) ?? null) },
      centerOnNode: vi.fn(),
      selectNode: vi.fn(),
      setDirty: vi.fn(),
    };
    looseApp["canvas"] = canvas;
    return canvas;
  }

  it("selects the node and centres the canvas on it", () => {
    const canvas = canvasWith(["12"]);
    expect(focusNodeOnCanvas("12", null)).toBe(true);
    expect(canvas.selectNode).toHaveBeenCalledWith({ id: "12" }, false);
    expect(canvas.centerOnNode).toHaveBeenCalledWith({ id: "12" });
  });

  it("finds a subgraph's inner node by its outer node, and numeric ids by number", () => {
    expect(focusNodeOnCanvas("7:3", "7")).toBe(false);
    const canvas = canvasWith([7]);
    expect(focusNodeOnCanvas("7:3", null)).toBe(true);
    expect(canvas.centerOnNode).toHaveBeenCalledWith({ id: 7 });
  });

  it("is false where the canvas cannot centre or the node is not on it", () => {
    expect(focusNodeOnCanvas("1", null)).toBe(false);
    canvasWith(["2"]);
    expect(focusNodeOnCanvas("1", null)).toBe(false);
    looseApp["canvas"] = { graph: { getNodeById: () => ({ id: 1 }) } };
    expect(focusNodeOnCanvas("1", null)).toBe(false);
  });
});

describe("toast", () => {
  it("shows through ComfyUI's toast API and says so; without one it says it did not (the root shows our own)", () => {
    const message = { severity: "info" as const, summary: "s", detail: "d", life: 1000 };
    expect(toast(message)).toBe(true);
    expect(app.toasts.at(-1)).toEqual(message);
    const toasts = looseApp.extensionManager["toast"];
    delete looseApp.extensionManager["toast"];
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    try {
      expect(toast(message)).toBe(false);
    } finally {
      looseApp.extensionManager["toast"] = toasts;
      info.mockRestore();
    }
  });
});
