import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { CHECKPOINT, emptyOomStats, oomEvent, refused, UPSCALER } from "../../../testing/oom";
import { FakeOomServer } from "../../../testing/oomStores";
import { profilerTabStores } from "../../../testing/profilerTabViews";
import { FakeProfilerServer } from "../../../testing/profilerTabs";
import OomTab from "./OomTab.svelte";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function renderTab(oomServer = new FakeOomServer()) {
  const tabs = profilerTabStores(new FakeProfilerServer(), undefined, oomServer);
  const view = render(OomTab, { props: tabs.props, context: tabs.context });
  await settle();
  return { ...tabs, view };
}

const tab = () => document.querySelector<HTMLElement>('[data-tab="oom"]')!;
const card = (id: string) => tab().querySelector(`[data-card="${id}"] [data-value]`)!.textContent;
const column = (table: string, id: string) => [...tab().querySelectorAll(`[data-table="${table}"] tbody > tr[data-row] > td[data-column="${id}"]`)].map((c) => c.textContent!.replace(/\s+/g, " ").trim());

afterEach(() => {
  document.body.innerHTML = "";
});

describe("OomTab", () => {
  it("shows the count, the rate and the newest OOM, ready once both reads are in", async () => {
    const server = new FakeOomServer();
    server.events = [oomEvent("p-new", { captured_at: new Date(2026, 0, 5, 14, 3, 7).getTime() / 1000, node_type: "VAEDecode", node_id: "8" })];
    await renderTab(server);
    expect(tab().dataset.state).toBe("ready");
    expect(card("count")).toBe("4");
    expect(card("rate")).toBe("10.8%");
    expect(card("last")).toBe("2026-01-05 14:03:07");
    expect(tab().querySelector('[data-card="last"]')!.textContent).toContain("VAEDecode (#8) in Text to image (SDXL)");
  });

  it("ranks node classes and puts each model's share of the OOMs beside its share of runs, marking the one that goes with them", async () => {
    await renderTab();
    expect(column("node-types", "class")).toEqual(["KSampler", "VAEDecode"]);
    expect(column("node-types", "rate")).toEqual(["19.0%", "2.0%"]);
    expect(column("node-types", "asked")).toEqual(["25.6 GiB", "25.6 GiB"]);
    expect(column("models", "oom-share")).toEqual(["100.0%", "100.0%"]);
    expect(column("models", "run-share")).toEqual(["78.0%", "100.0%"]);
    expect(column("models", "above")).toEqual(["+22 pts", "±0 pts"]);
    const marked = [...tab().querySelectorAll("[data-stands-out]")].map((m) => m.closest("tr")!.dataset.row);
    expect(marked).toEqual([UPSCALER]);
  });

  it("says each recommendation in words with its figures; unloading asks first, naming the models and what it frees", async () => {
    const { oomServer } = await renderTab();
    const items = [...tab().querySelectorAll("[data-recommendation]")];
    expect(items.map((i) => i.getAttribute("data-recommendation"))).toEqual(["request_exceeds_device", "unload_models"]);
    expect(items[0]!.querySelector("[data-action]")).toBeNull();
    expect(items[1]!.querySelector("[data-figures]")!.textContent).toBe("frees about 70.0 MiB · the device 27 % full after");
    const button = items[1]!.querySelector<HTMLButtonElement>('[data-action="unload-recommended"]')!;
    expect(button.textContent!.trim()).toBe("Unload 1 model");

    await fireEvent.click(button);
    const question = screen.getByRole("alertdialog", { name: "Unload 1 model before KSampler?" });
    expect(within(question).getByRole("list", { name: "Models to unload" }).textContent).toContain(`${UPSCALER} 70.0 MiB`);
    expect(question.querySelector("[data-expected-freed]")!.textContent).toBe("70.0 MiB");
    expect(document.activeElement).toBe(question.querySelector('[data-action="cancel-unload"]'));
    await fireEvent.click(question.querySelector('[data-action="cancel-unload"]')!);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(oomServer.unloadModels).not.toHaveBeenCalled();

    oomServer.loaded.set(UPSCALER, 70 * 1024 ** 2);
    await fireEvent.click(button);
    await fireEvent.click(screen.getByRole("alertdialog").querySelector('[data-action="confirm-unload"]')!);
    await settle();
    flushSync();
    expect(oomServer.unloadModels).toHaveBeenCalledWith("tok", [UPSCALER]);
    expect(screen.getByRole("status").textContent).toBe(`Unloaded ${UPSCALER} (70.0 MiB): 70.0 MiB freed.`);
  });

  it("shows a refused unload in the server's words, saying it waits for an empty queue", async () => {
    const server = new FakeOomServer();
    server.failNext.unloadModels = refused(409, "1 workflow is running: unload models when the queue is empty, or cancel them first");
    await renderTab(server);
    await fireEvent.click(tab().querySelector('[data-action="unload-recommended"]')!);
    await fireEvent.click(screen.getByRole("alertdialog").querySelector('[data-action="confirm-unload"]')!);
    await settle();
    flushSync();
    expect(screen.getByRole("alert").textContent).toBe(
      "1 workflow is running: unload models when the queue is empty, or cancel them first. Unloading waits until the queue is empty: try again once the running workflow is done.",
    );
  });

  it("lists the recent captures; a row expands into its figures, models, inputs, message and memory summary", async () => {
    const server = new FakeOomServer();
    server.events = [oomEvent("p1", { memory_summary: "|  PyTorch CUDA memory summary  |\n".repeat(400) })];
    await renderTab(server);
    const row = tab().querySelector<HTMLElement>('[data-table="events"] tbody tr[data-row]')!;
    expect(row.querySelector('[data-column="node"]')!.textContent!.trim()).toBe("💥 KSampler (#3)");
    expect(row.querySelector('[data-column="models"]')!.textContent!.trim()).toBe("2");
    const disclosure = within(row).getByRole("button", { name: /^Show what was captured when KSampler \(#3\) ran out of memory/ });
    await fireEvent.click(disclosure);
    const detail = tab().querySelector<HTMLElement>("[data-detail='p1']")!;
    expect(detail.querySelector("[data-figure='requested'] dd")!.textContent).toBe("25.6 GiB");
    expect(detail.querySelector("[data-figure='free-before'] dd")!.textContent).toBe("952 MiB");
    const models = [...detail.querySelectorAll("tbody tr[data-row]")].map((r) => [
      r.querySelector('[data-column="name"]')!.textContent!.trim(),
      r.querySelector('[data-column="used-by"]')!.textContent!.trim(),
      r.querySelector("[data-needed]")!.getAttribute("data-needed"),
    ]);
    expect(models).toEqual([
      [UPSCALER, "none", "false"],
      [CHECKPOINT, "#3", "true"],
    ]);
    expect(detail.querySelector("[data-shapes]")!.textContent).toContain("latent_image.samples [1, 4, 128, 128] torch.float32 on cuda:0");
    expect(detail.querySelector("[data-message]")!.textContent).toContain("Tried to allocate 25.60 GiB");
    const summary = detail.querySelector<HTMLElement>("[data-memory-summary]")!;
    expect(summary.tagName).toBe("PRE");
    expect(summary.tabIndex).toBe(0);
    expect(summary.textContent!.length).toBeGreaterThan(10_000);
  });

  it("says plainly that no run ran out of memory", async () => {
    const server = new FakeOomServer();
    server.stats = emptyOomStats();
    server.events = [];
    await renderTab(server);
    expect(tab().dataset.empty).toBe("true");
    expect(tab().querySelector("[data-empty-state]")!.textContent).toContain("No run has run out of memory.");
    expect(tab().querySelector("[data-recommendations]")).toBeNull();
  });

  it("says why when the analysis cannot be read", async () => {
    const server = new FakeOomServer();
    server.failNext.getOomStats = refused(503, "history is not open yet", "unavailable");
    await renderTab(server);
    expect(tab().dataset.state).toBe("error");
    expect(screen.getByRole("alert").textContent).toBe("Could not read the out-of-memory analysis: history is not open yet");
  });

  it("reads again when an OOM is captured while it is shown, and stops looking when it goes", async () => {
    const { oomServer, events, view } = await renderTab();
    oomServer.stats = { ...oomServer.stats, total_oom_count: 5 };
    events.emit("swissarmyknife.profiler.oom", { type: "oom_captured", prompt_id: "p", loaded_models: [] });
    await settle();
    flushSync();
    expect(card("count")).toBe("5");
    view.unmount();
    events.emit("swissarmyknife.profiler.oom", { type: "oom_captured", prompt_id: "q", loaded_models: [] });
    await settle();
    expect(oomServer.getOomStats).toHaveBeenCalledTimes(2);
  });
});
