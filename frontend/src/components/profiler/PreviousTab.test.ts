import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";

import { profilerTabStores } from "../../testing/profilerTabViews";
import { FakeProfilerServer, HASH_A, refusal, sampleRuns } from "../../testing/profilerTabs";
import PreviousTab from "./PreviousTab.svelte";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function renderTab(server = new FakeProfilerServer()) {
  const tabs = profilerTabStores(server);
  const view = render(PreviousTab, { props: tabs.props, context: tabs.context });
  await settle();
  return { ...tabs, view };
}

const rows = () => [...document.querySelectorAll<HTMLTableRowElement>("tbody tr[data-row]")];
const action = (name: string) => document.querySelector<HTMLButtonElement>(`[data-action="${name}"]`)!;
const pick = (promptId: string) => document.querySelector<HTMLInputElement>(`[data-pick="${promptId}"]`)!;

afterEach(() => {
  document.body.innerHTML = "";
});

describe("PreviousTab", () => {
  it("lists the newest runs with their workflow's name, status, time and figures", async () => {
    await renderTab();
    expect(rows()).toHaveLength(12);
    const first = rows()[0]!;
    expect(first.dataset.row).toBe("run-011");
    expect(within(first).getByText("Unsaved workflow · bbbbbbb")).toBeTruthy();
    const second = rows()[1]!;
    expect(within(second).getByText("portrait")).toBeTruthy();
    expect(second.querySelector('[data-column="duration"]')!.textContent!.trim()).toBe("1.40 s");
    expect(second.querySelector('[data-column="vram"]')!.textContent!.trim()).toBe("8.0 GiB");
    expect(second.querySelector('[data-column="cache"]')!.textContent!.trim()).toBe("1");
    expect(second.querySelector('[data-column="executed"]')!.textContent!.trim()).toBe("2");
    expect(second.querySelector('[data-column="nodes"]')!.textContent!.trim()).toBe("3");
    expect(document.querySelector("[data-range]")!.textContent).toBe("1–12 of 12");
    const oom = rows().find((r) => r.dataset.row === "run-007")!;
    expect(oom.querySelector("[data-status]")!.textContent).toBe("Out of memory");
  });

  it("pages with Older and Newer, which are off at either end", async () => {
    await renderTab(new FakeProfilerServer(sampleRuns(70)));
    expect(action("newer").disabled).toBe(true);
    await fireEvent.click(action("older"));
    await settle();
    expect(document.querySelector("[data-range]")!.textContent).toBe("51–70 of 70");
    expect(rows()).toHaveLength(20);
    expect(action("older").disabled).toBe(true);
    await fireEvent.click(action("newer"));
    await settle();
    expect(rows()[0]!.dataset.row).toBe("run-069");
  });

  it("filters by workflow and status, and says when nothing matches", async () => {
    const { deps } = await renderTab();
    const workflow = document.querySelector<HTMLSelectElement>('[data-filter="workflow"]')!;
    expect([...workflow.options].map((o) => o.textContent)).toEqual(["All workflows", "Unsaved workflow · bbbbbbb (6 runs)", "portrait (6 runs)"]);
    workflow.value = HASH_A;
    await fireEvent.change(workflow);
    await settle();
    expect(deps.history.getHistory).toHaveBeenLastCalledWith(expect.objectContaining({ workflow_hash: HASH_A }));
    expect(rows()).toHaveLength(6);
    const status = document.querySelector<HTMLSelectElement>('[data-filter="status"]')!;
    status.value = "interrupted";
    await fireEvent.change(status);
    await settle();
    expect(document.querySelector("[data-empty]")!.textContent).toContain("No runs match these filters (portrait · interrupted only).");
    await fireEvent.click(action("clear-filter"));
    await settle();
    expect(rows()).toHaveLength(12);
  });

  it("says it has no runs yet on an empty history", async () => {
    await renderTab(new FakeProfilerServer([]));
    expect(document.querySelector("[data-empty]")!.textContent).toContain("No runs stored yet");
    expect(action("export-page-csv").disabled).toBe(true);
  });

  it("shows the server's error in place, not a blank tab", async () => {
    const server = new FakeProfilerServer();
    server.failNext["getHistory"] = refusal(503, "history is not available: the database is being opened", "unavailable");
    await renderTab(server);
    expect(screen.getByRole("alert").textContent).toBe("Could not read history: history is not available: the database is being opened");
  });

  it("opens a run in Latest through the profiler store", async () => {
    const { profiler } = await renderTab();
    await fireEvent.click(within(rows()[2]!).getByRole("button", { name: /^Open the run started/ }));
    expect(profiler.open).toHaveBeenCalledWith("run-009");
  });

  it("with one run picked, opens or exports it; compare waits for a second run of the workflow", async () => {
    const { profiler, deps } = await renderTab();
    await fireEvent.click(pick("run-010"));
    expect(action("compare").disabled).toBe(true);
    expect(document.querySelector("[data-picked]")!.textContent).toContain("One run picked");
    await fireEvent.click(action("open-picked"));
    expect(profiler.open).toHaveBeenCalledWith("run-010");
    await fireEvent.click(action("export-run-csv"));
    await settle();
    expect(deps.exports.download.mock.calls[0]![0].name).toBe("swissarmyknife-run-run-010.csv");
    expect(screen.getByRole("status").textContent).toBe("Saved swissarmyknife-run-run-010.csv.");
  });

  it("says why two runs of different workflows cannot be compared", async () => {
    await renderTab();
    await fireEvent.click(pick("run-011"));
    await fireEvent.click(pick("run-010"));
    expect(action("compare").disabled).toBe(true);
    expect(document.querySelector("[data-picked]")!.textContent).toContain("different workflows");
    expect(action("open-picked").disabled).toBe(true);
  });

  it("compares two runs of one workflow node by node, and goes back to the list", async () => {
    await renderTab();
    await fireEvent.click(pick("run-010"));
    await fireEvent.click(pick("run-000"));
    expect(action("compare").disabled).toBe(false);
    await fireEvent.click(action("compare"));
    await settle();
    const compare = document.querySelector("[data-compare]")!;
    expect(compare.getAttribute("data-compare")).toBe("ready");
    expect(screen.getByRole("heading", { name: "Comparing two runs of portrait" })).toBeTruthy();
    const total = compare.querySelector('[data-total="duration"]')!;
    expect(total.textContent).toContain("3.30 s → 1.40 s");
    expect(total.querySelector('[data-verdict="better"]')!.textContent).toContain("−1.90 s");
    const sampler = compare.querySelector('tr[data-row="2"]')!;
    expect(sampler.querySelector('[data-column="d-time"] [data-verdict]')!.getAttribute("data-verdict")).toBe("worse");
    expect(compare.querySelector('tr[data-row="1"] [data-cache="now-cached"]')!.textContent).toBe("now cached");
    await fireEvent.click(action("close-compare"));
    expect(document.querySelector("[data-compare]")).toBeNull();
    expect(rows()).toHaveLength(12);
  });

  it("says so when a compared run left history meanwhile", async () => {
    const { server } = await renderTab();
    await fireEvent.click(pick("run-010"));
    await fireEvent.click(pick("run-000"));
    server.runs = server.runs.filter((r) => r.prompt_id !== "run-000");
    await fireEvent.click(action("compare"));
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("Run run-000 is no longer in history (archived or cleared meanwhile).");
  });

  it("exports the page shown with its filter", async () => {
    const { deps } = await renderTab();
    await fireEvent.click(action("export-page-json"));
    await settle();
    const file = deps.exports.download.mock.calls[0]![0];
    expect(JSON.parse(file.text)).toMatchObject({ total: 12, filter: { workflow_hash: null, status: null, before: null } });
    expect(JSON.parse(file.text).items).toHaveLength(12);
  });

  it("refreshes when history changes while it is shown, and stops looking when it goes", async () => {
    const { events, server, deps, view } = await renderTab();
    server.runs = sampleRuns(2);
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "archived" });
    await settle();
    expect(rows()).toHaveLength(2);
    view.unmount();
    events.emit("swissarmyknife.profiler.history", { type: "history_changed", reason: "loaded" });
    await settle();
    expect(deps.history.getHistory).toHaveBeenCalledTimes(2);
  });
});

describe("PreviousTab: out of memory", () => {
  it("marks an OOM run 💥 with the node it ran out in, and that node 💥 when two runs are compared", async () => {
    const runs = sampleRuns(12);
    const oom = runs[8]!;
    runs[8] = { ...oom, status: "oom", error: { node_id: "2", node_type: "KSampler", exception_type: "torch.OutOfMemoryError", message: "CUDA out of memory." } };
    await renderTab(new FakeProfilerServer(runs));
    const row = rows().find((r) => r.dataset.row === "run-008")!;
    expect(row.querySelector('[data-column="status"]')!.textContent!.replace(/\s+/g, " ").trim()).toBe("💥 Out of memory in KSampler");
    expect(row.querySelector("[data-oom-node]")!.getAttribute("data-oom-node")).toBe("2");
    expect(rows().find((r) => r.dataset.row === "run-006")!.querySelector("[data-oom-node]")).toBeNull();

    await fireEvent.click(pick("run-010"));
    await fireEvent.click(pick("run-008"));
    await fireEvent.click(action("compare"));
    await settle();
    const compare = document.querySelector("[data-compare]")!;
    const marks = [...compare.querySelectorAll("[data-oom]")];
    expect(marks.map((m) => [m.closest("tr")!.dataset.row, m.getAttribute("data-oom")])).toEqual([["2", "before"]]);
    expect(marks[0]!.textContent).toContain("ran out of memory here in the before run");
  });

  it("finds a workflow past the newest listed by a part of its name, and filters by it", async () => {
    const { deps } = await renderTab();
    const find = document.querySelector<HTMLInputElement>('[data-filter="workflow-name"]')!;
    await fireEvent.input(find, { target: { value: "PORT" } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(deps.history.getWorkflowStats).toHaveBeenLastCalledWith(500, "PORT");
    const workflow = document.querySelector<HTMLSelectElement>('[data-filter="workflow"]')!;
    expect([...workflow.options].map((o) => o.textContent)).toEqual(["All workflows", "portrait (6 runs)"]);
    expect(document.querySelector("[data-found]")!.textContent).toBe("1 workflow matches.");
    await fireEvent.change(workflow, { target: { value: HASH_A } });
    await settle();
    expect(rows()).toHaveLength(6);
    await fireEvent.input(find, { target: { value: "nothing like it" } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(document.querySelector("[data-found]")!.textContent).toBe("No workflow's name contains “nothing like it”.");
    // The workflow chosen stays chosen, under its name.
    expect([...workflow.options].map((o) => o.textContent)).toEqual(["All workflows", "portrait (6 runs)"]);
  });
});
