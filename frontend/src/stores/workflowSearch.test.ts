import { describe, expect, it, vi } from "vitest";

import { workflowAverage } from "../testing/fixtures";
import { ManualTimers, settle } from "../testing/profiler";
import { SEARCH_DELAY_MS, SEARCH_LIMIT, WorkflowSearch } from "./workflowSearch.svelte";

const OLD = workflowAverage("0ld0ld0ld0ld0ld0", { workflow_name: "Old portrait", runs: 3 });
const NEW = workflowAverage("new0new0new0new0", { workflow_name: "New landscape", runs: 9 });

function search() {
  const timers = new ManualTimers();
  const all = [NEW, OLD];
  const getWorkflowStats = vi.fn(async (_limit: number, name?: string | null) => {
    const data = all.filter((w) => !name || (w.workflow_name ?? "").toLowerCase().includes(name.toLowerCase()));
    return { data, count: data.length };
  });
  const logError = vi.fn();
  return { search: new WorkflowSearch({ getWorkflowStats, logError, timers }), getWorkflowStats, logError, timers };
}

describe("WorkflowSearch", () => {
  it("asks the server once the typing pauses, for a part of the name over every workflow", async () => {
    const { search: s, getWorkflowStats, timers } = search();
    s.type("p");
    s.type("po");
    s.type(" portr ");
    expect(getWorkflowStats).not.toHaveBeenCalled();
    await timers.advance(SEARCH_DELAY_MS);
    expect(getWorkflowStats).toHaveBeenCalledOnce();
    expect(getWorkflowStats).toHaveBeenCalledWith(SEARCH_LIMIT, "portr");
    expect(s.matches).toEqual([OLD]);
    expect(s.options([NEW])).toEqual([OLD]);
  });

  it("ends the search on an empty text: the newest workflows again", async () => {
    const { search: s, timers } = search();
    s.type("old");
    await timers.advance(SEARCH_DELAY_MS);
    s.type("");
    expect(s.matches).toBeNull();
    expect(s.options([NEW])).toEqual([NEW]);
    expect(timers.pending).toBe(0);
  });

  it("keeps the name of a workflow picked from the matches after the search ends", async () => {
    const { search: s, timers } = search();
    s.type("old");
    await timers.advance(SEARCH_DELAY_MS);
    s.choose(OLD.workflow_hash);
    s.type("");
    expect(s.known(OLD.workflow_hash)).toEqual(OLD);
    expect(s.known(NEW.workflow_hash)).toBeUndefined();
  });

  it("drops an answer to an older text and says why a search failed", async () => {
    const { search: s, getWorkflowStats, logError } = search();
    let answer: (value: { data: never[]; count: number }) => void = () => {};
    getWorkflowStats.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    s.text = "old";
    const first = s.search();
    s.text = "new";
    await s.search();
    answer({ data: [], count: 0 });
    await first;
    expect(s.matches).toEqual([NEW]);
    getWorkflowStats.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    await s.search();
    expect(s.error).toBe("The server did not answer.");
    expect(logError).toHaveBeenCalledOnce();
    await settle();
  });
});
