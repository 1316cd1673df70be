import { describe, expect, it } from "vitest";

import { describeFilter, STATUS_LABELS, workflowOption } from "./history";

describe("history words", () => {
  it("labels every status", () => {
    expect(Object.keys(STATUS_LABELS).sort()).toEqual(["error", "interrupted", "oom", "running", "success"]);
    expect(STATUS_LABELS.oom).toBe("Out of memory");
  });

  it("lists a workflow by its name and runs, an unsaved one by its short hash", () => {
    expect(workflowOption({ workflow_hash: "0123456789abcdef", workflow_name: "portrait", runs: 1200 })).toBe("portrait (1,200 runs)");
    expect(workflowOption({ workflow_hash: "0123456789abcdef", workflow_name: null, runs: 1 })).toBe("Unsaved workflow · 0123456 (1 run)");
  });

  it("says what a page is of", () => {
    expect(describeFilter(null, null)).toBe("all workflows");
    expect(describeFilter("portrait", "oom")).toBe("portrait · out of memory only");
    expect(describeFilter(null, "error")).toBe("all workflows · error only");
  });
});
