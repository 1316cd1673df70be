import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";

import { session } from "../../testing/fixtures";
import { profilerTabStores } from "../../testing/profilerTabViews";
import { FakeProfilerServer, sampleRuns } from "../../testing/profilerTabs";
import SettingsTab from "./SettingsTab.svelte";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function renderTab(server = new FakeProfilerServer()) {
  const tabs = profilerTabStores(server);
  const view = render(SettingsTab, { props: tabs.props, context: tabs.context });
  await settle();
  return { ...tabs, view };
}

const setting = (name: string) => document.querySelector<HTMLInputElement>(`[data-setting="${name}"]`)!;
const action = (name: string) => document.querySelector<HTMLButtonElement>(`[data-action="${name}"]`)!;
const archiveRows = () => [...document.querySelectorAll<HTMLTableRowElement>("tbody tr[data-row]")];

afterEach(() => {
  document.body.innerHTML = "";
});

describe("SettingsTab: recording", () => {
  it("shows the server's settings and changes them", async () => {
    const { deps } = await renderTab();
    expect(setting("accurate_gpu_timing").checked).toBe(false);
    expect(setting("max_workflows").value).toBe("10000");
    expect(setting("max_workflows").min).toBe("100");
    await fireEvent.click(setting("accurate_gpu_timing"));
    await settle();
    expect(deps.settings.updateSettings).toHaveBeenCalledWith({ accurate_gpu_timing: true });
    expect(setting("accurate_gpu_timing").checked).toBe(true);
  });

  it("saves a new retention, and refuses one outside the limits saying them", async () => {
    const { deps } = await renderTab();
    const field = setting("max_workflows");
    await fireEvent.input(field, { target: { value: "2500" } });
    await fireEvent.change(field);
    await settle();
    expect(deps.settings.updateSettings).toHaveBeenCalledWith({ max_workflows: 2500 });
    await fireEvent.input(field, { target: { value: "5" } });
    await fireEvent.change(field);
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("History keeps 100 to 100,000 runs (a whole number).");
    expect(deps.settings.updateSettings).toHaveBeenCalledTimes(1);
  });

});

describe("SettingsTab: the extension's ComfyUI settings", () => {
  const sections = () => [...document.querySelectorAll<HTMLFieldSetElement>('[data-settings="host"] fieldset')];

  it("renders every shown definition by its section, each type as its control, tooltips below", async () => {
    await renderTab();
    expect(sections().map((s) => [s.dataset.section, s.querySelector("legend")!.textContent])).toEqual([
      ["Resource monitor", "Resource monitor"],
      ["Node badges", "Node badges"],
      ["Profiler", "Profiler"],
      ["Server actions", "Server actions"],
    ]);
    expect(setting("t.position")).toBeNull();
    expect(setting("t.visible").type).toBe("checkbox");
    expect(setting("t.visible").checked).toBe(true);
    expect(screen.getByLabelText("Show the bar")).toBe(setting("t.visible"));
    const interval = setting("t.interval");
    expect([interval.type, interval.value, interval.min, interval.max, interval.step]).toEqual(["number", "2", "0.5", "10", "0.5"]);
    expect(interval.closest(".swissarmyknife-setting")!.querySelector("p")!.textContent).toBe("Saved on the server.");
    const mode = screen.getByRole<HTMLSelectElement>("combobox", { name: "Node badges" });
    expect(mode.value).toBe("on");
    expect([...mode.options].map((o) => [o.value, o.textContent])).toEqual([
      ["on", "On"],
      ["off", "Off"],
    ]);
    expect(setting("t.label").type).toBe("text");
    // A custom renderer (the guard's read-only text) draws its own element, as in ComfyUI's dialog.
    expect(document.querySelector('[data-setting="t.guard"]')!.textContent).toBe("Restart and Clear VRAM: Allowed on this server.");
  });

  it("writes a change through the settings API, whose onChange runs as for ComfyUI's dialog, and shows the new value", async () => {
    const { panel } = await renderTab();
    const [visible, interval, , mode] = panel.definitions;
    await fireEvent.click(setting("t.visible"));
    expect(panel.write).toHaveBeenCalledWith("t.visible", false);
    expect(visible!.onChange).toHaveBeenLastCalledWith(false, true);
    expect(setting("t.visible").checked).toBe(false);
    await fireEvent.input(setting("t.interval"), { target: { value: "0.5" } });
    await fireEvent.change(setting("t.interval"));
    expect(interval!.onChange).toHaveBeenLastCalledWith(0.5, 2);
    const select = screen.getByRole<HTMLSelectElement>("combobox", { name: "Node badges" });
    await fireEvent.change(select, { target: { value: "off" } });
    expect(mode!.onChange).toHaveBeenLastCalledWith("off", "on");
  });

  it("follows a change made in ComfyUI's dialog", async () => {
    const { panel } = await renderTab();
    panel.write("t.mode", "off");
    await settle();
    expect(screen.getByRole<HTMLSelectElement>("combobox", { name: "Node badges" }).value).toBe("off");
  });
});

describe("SettingsTab: archives", () => {
  it("creates an archive, lists it with its runs, dates, size and OOM badge, and refreshes the views", async () => {
    const { deps } = await renderTab();
    expect(document.querySelector('[data-empty="archives"]')).toBeTruthy();
    await fireEvent.click(action("create-archive"));
    await settle();
    expect(deps.settings.historyChanged).toHaveBeenCalledWith("archived");
    expect(screen.getByRole("status").textContent).toMatch(/^Archived 12 runs into .*; history is empty now\.$/);
    const [row] = archiveRows();
    expect(row!.querySelector('[data-column="runs"]')!.textContent).toContain("12");
    expect(row!.querySelector("[data-oom]")!.textContent).toBe("1 OOM");
    expect(row!.querySelector("[data-oom]")!.getAttribute("title")).toBe("1 run ran out of memory; 1 capture of it kept");
    expect(row!.querySelector('[data-archive-field="size"]')!.textContent).toBe("11.7 KiB");
    expect(row!.querySelector('[data-archive-field="range"]')!.textContent).toMatch(/^\d{4}-\d\d-\d\d .* – \d{4}-\d\d-\d\d /);
    expect(row!.querySelector('[data-archive-field="reason"]')!.textContent).toBe("made by hand");
  });

  it("shows the server's refusal text when there is nothing to archive", async () => {
    await renderTab(new FakeProfilerServer([]));
    await fireEvent.click(action("create-archive"));
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("history is empty: nothing to archive");
  });

  it("shows why actions are refused on this server", async () => {
    const server = new FakeProfilerServer();
    server.session = session({ token: null, actions_allowed: false, actions_refused_reason: "this server listens beyond loopback: server actions are refused" });
    await renderTab(server);
    await fireEvent.click(action("create-archive"));
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("this server listens beyond loopback: server actions are refused");
  });

  async function withArchive() {
    const server = new FakeProfilerServer(sampleRuns(5));
    await server.createArchive("tok");
    return renderTab(server);
  }

  it("loads an archive after the confirmation, focus first on Cancel", async () => {
    const { deps, server } = await withArchive();
    await fireEvent.click(within(archiveRows()[0]!).getByRole("button", { name: /^Load archive/ }));
    const dialog = screen.getByRole("alertdialog", { name: "Load this archive into history?" });
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(deps.settings.loadArchive).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByRole("button", { name: "Load archive" }));
    await settle();
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(deps.settings.loadArchive).toHaveBeenCalledWith("tok", server.archives[0]!.info.id);
    expect(deps.settings.historyChanged).toHaveBeenCalledWith("loaded");
    expect(screen.getByRole("status").textContent).toMatch(/^Loaded 5 runs from /);
  });

  it("cancels a delete with Escape, and deletes after the confirmation", async () => {
    const { deps } = await withArchive();
    await fireEvent.click(within(archiveRows()[0]!).getByRole("button", { name: /^Delete archive/ }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete this archive?" });
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(deps.settings.deleteArchive).not.toHaveBeenCalled();
    await fireEvent.click(within(archiveRows()[0]!).getByRole("button", { name: /^Delete archive/ }));
    await fireEvent.click(screen.getByRole("button", { name: "Delete archive" }));
    await settle();
    expect(deps.settings.deleteArchive).toHaveBeenCalledOnce();
    expect(document.querySelector('[data-empty="archives"]')).toBeTruthy();
  });
});

describe("SettingsTab: export", () => {
  it("exports the latest run as JSON and CSV", async () => {
    const { deps } = await renderTab();
    await fireEvent.click(action("export-latest-json"));
    await settle();
    await fireEvent.click(action("export-latest-csv"));
    await settle();
    expect(deps.exports.download.mock.calls.map(([file]) => file.name)).toEqual(["swissarmyknife-run-run-011.json", "swissarmyknife-run-run-011.csv"]);
  });

  it("exports the history page shown in Previous, saying which one", async () => {
    const { history, deps } = await renderTab();
    expect(action("export-page-csv").disabled).toBe(true);
    history.watch();
    await settle();
    expect(document.body.textContent).toContain("1–12 of 12 · all workflows");
    await fireEvent.click(action("export-page-csv"));
    await settle();
    const file = deps.exports.download.mock.calls[0]![0];
    expect(file.text.split("\r\n")).toHaveLength(14);
  });
});
