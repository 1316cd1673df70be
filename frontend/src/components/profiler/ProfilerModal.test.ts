import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import { nodeRecord, profilerStats, workflowRecord } from "../../testing/fixtures";
import { profilerViews, settle } from "../../testing/profiler";
import { profilerContext } from "./context";
import ProfilerLayer from "./ProfilerLayer.svelte";
import ProfilerModal from "./ProfilerModal.svelte";
import LatestTab from "./latest/LatestTab.svelte";
import { historyTab, PROFILER_TABS, shownTab, type ProfilerTabEntry } from "./tabs";

afterEach(() => {
  document.body.innerHTML = "";
});

/** A stand-in tab component, as another helper's tab would be listed. */
const Placeholder = ((_anchor: unknown, props: { profiler: unknown }) => {
  void props;
  return {};
}) as unknown as ProfilerTabEntry["component"];

/** The Latest tab alone: the other tabs are tested by their own files. */
const LATEST_ONLY: readonly ProfilerTabEntry[] = [{ id: "latest", label: "Latest", component: LatestTab }];

function setUp(tabs: readonly ProfilerTabEntry[] = LATEST_ONLY) {
  const built = profilerViews();
  built.server.stats = profilerStats({ latest: workflowRecord("p1", [nodeRecord("1", "KSampler")]) });
  const view = render(ProfilerModal, { props: { views: built.views, tabs }, context: profilerContext(built.views) });
  return { ...built, view };
}

describe("ProfilerModal", () => {
  it("is closed until the UI mode opens it, then a full-window dialog named Profiler on the Latest tab", async () => {
    const { ui } = setUp();
    expect(screen.queryByRole("dialog")).toBeNull();
    ui.openModal("latest");
    flushSync();
    const dialog = screen.getByRole("dialog", { name: "Profiler" });
    expect(dialog.dataset.size).toBe("full");
    expect(within(dialog).getByRole("tab", { name: "Latest" }).getAttribute("aria-selected")).toBe("true");
    await settle();
    flushSync();
    expect(within(dialog).getByRole("tabpanel").textContent).toContain("KSampler");
  });

  it("closes on Escape through the UI mode, back to the bar as it was", async () => {
    const { ui } = setUp();
    ui.openPopup();
    ui.openModal("latest");
    flushSync();
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(ui.mode).toEqual({ kind: "bar" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("closes from its close button", async () => {
    const { ui } = setUp();
    ui.openModal("latest");
    flushSync();
    await fireEvent.click(screen.getByRole("button", { name: "Close the profiler" }));
    expect(ui.mode.kind).toBe("bar");
  });

  it("renders each listed tab's component, switched by arrow keys, the UI mode following", async () => {
    const tabs: ProfilerTabEntry[] = [...LATEST_ONLY, { id: "previous", label: "Previous", component: Placeholder }];
    const { ui } = setUp(tabs);
    ui.openModal("latest");
    flushSync();
    const latest = screen.getByRole("tab", { name: "Latest" });
    latest.focus();
    await fireEvent.keyDown(latest, { key: "ArrowRight" });
    expect(ui.mode).toMatchObject({ kind: "modal", tab: "previous" });
    expect(screen.getByRole("tab", { name: "Previous" }).getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(screen.getByRole("tab", { name: "Previous" }));
  });

  it("shows Latest for a tab that is not listed", () => {
    const { ui } = setUp();
    ui.openModal("oom");
    flushSync();
    expect(screen.getAllByRole("tab").map((t) => t.textContent?.trim())).toEqual(["Latest"]);
    expect(screen.getByRole("tab", { name: "Latest" }).getAttribute("aria-selected")).toBe("true");
  });
});

describe("the tab list", () => {
  it("lists the OOM tab before Settings", () => {
    expect(PROFILER_TABS.map((t) => t.label)).toEqual(["Latest", "Previous", "Analytics", "💥 OOM", "Settings"]);
    expect(shownTab(PROFILER_TABS, "oom")?.id).toBe("oom");
  });


  it("falls back to its first tab, and sends View Full History to Previous only when listed", () => {
    expect(shownTab(LATEST_ONLY, "analytics")?.id).toBe("latest");
    expect(shownTab([], "latest")).toBeNull();
    expect(historyTab([...LATEST_ONLY, { id: "previous", label: "Previous", component: Placeholder }])).toBe("previous");
    expect(historyTab(LATEST_ONLY)).toBe("latest");
  });
});

describe("ProfilerLayer", () => {
  it("keeps keys pressed in the modal from reaching ComfyUI's shortcuts on the window", async () => {
    const built = profilerViews();
    render(ProfilerLayer, { context: profilerContext(built.views) });
    built.ui.openModal("latest");
    flushSync();
    const onWindow = vi.fn();
    window.addEventListener("keydown", onWindow);
    try {
      await fireEvent.keyDown(screen.getByRole("tab", { name: "Latest" }), { key: "r" });
      expect(onWindow).not.toHaveBeenCalled();
    } finally {
      window.removeEventListener("keydown", onWindow);
    }
  });

  it("asks Clear History's question over the page, and shows the server's refusal in it", async () => {
    const built = profilerViews();
    vi.mocked(built.clearDeps.clearHistory).mockRejectedValue(new TypeError("Failed to fetch"));
    render(ProfilerLayer, { context: profilerContext(built.views) });
    built.clearHistory.request();
    flushSync();
    const question = screen.getByRole("alertdialog", { name: "Clear profiler history?" });
    expect(document.activeElement).toBe(within(question).getByRole("button", { name: "Cancel" }));
    await fireEvent.click(within(question).getByRole("button", { name: "Clear history" }));
    await settle();
    flushSync();
    expect(within(question).getByRole("alert").textContent).toBe("The server did not answer (Failed to fetch).");
    await fireEvent.click(within(question).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });
});

