import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import Tabs from "./Tabs.svelte";
import type { TabItem } from "./tabs.svelte";

const TABS: TabItem[] = [
  { id: "latest", label: "Latest" },
  { id: "previous", label: "Previous" },
  { id: "oom", label: "OOM", disabled: true },
  { id: "settings", label: "Settings" },
];

const panel = createRawSnippet((tab: () => TabItem) => ({ render: () => `<p>${tab().label} panel</p>` }));

function setUp(props: Partial<{ selected: string; activation: "automatic" | "manual"; orientation: "horizontal" | "vertical" }> = {}) {
  return render(Tabs, { props: { tabs: TABS, label: "Profiler", panel, ...props } });
}

const tab = (name: string) => screen.getByRole("tab", { name });
const selectedTab = () => screen.getAllByRole("tab").find((t) => t.getAttribute("aria-selected") === "true")?.textContent?.trim();

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Tabs", () => {
  it("is a named tablist whose tabs control their panels; the first enabled tab is selected", () => {
    setUp();
    expect(screen.getByRole("tablist", { name: "Profiler" }).getAttribute("aria-orientation")).toBe("horizontal");
    expect(screen.getAllByRole("tab")).toHaveLength(4);
    const latest = tab("Latest");
    expect(latest.getAttribute("aria-selected")).toBe("true");
    expect(latest.dataset.state).toBe("active");
    const panelEl = screen.getByRole("tabpanel", { name: "Latest" });
    expect(latest.getAttribute("aria-controls")).toBe(panelEl.id);
    expect(panelEl.textContent).toBe("Latest panel");
    expect(tab("Previous").getAttribute("aria-selected")).toBe("false");
    expect(tab("OOM").getAttribute("aria-disabled")).toBe("true");
  });

  it("renders only the selected panel's content; the others are hidden", () => {
    setUp({ selected: "previous" });
    expect(screen.getByRole("tabpanel").textContent).toBe("Previous panel");
    const hidden = document.getElementById(tab("Latest").getAttribute("aria-controls")!);
    expect(hidden?.hidden).toBe(true);
    expect(hidden?.textContent).toBe("");
  });

  it("keeps one tab in the page's Tab order: the selected one (a roving tabindex)", () => {
    setUp({ selected: "previous" });
    expect(screen.getAllByRole("tab").map((t) => t.tabIndex)).toEqual([-1, 0, -1, -1]);
  });

  it("arrow keys move focus and selection, wrap around and skip disabled tabs", async () => {
    setUp();
    tab("Latest").focus();
    await fireEvent.keyDown(tab("Latest"), { key: "ArrowRight" });
    expect(document.activeElement).toBe(tab("Previous"));
    expect(selectedTab()).toBe("Previous");
    await fireEvent.keyDown(tab("Previous"), { key: "ArrowRight" });
    expect(document.activeElement).toBe(tab("Settings"));
    await fireEvent.keyDown(tab("Settings"), { key: "ArrowRight" });
    expect(document.activeElement).toBe(tab("Latest"));
    await fireEvent.keyDown(tab("Latest"), { key: "ArrowLeft" });
    expect(selectedTab()).toBe("Settings");
    expect(screen.getAllByRole("tab").map((t) => t.tabIndex)).toEqual([-1, -1, -1, 0]);
  });

  it("Home and End go to the first and the last tab", async () => {
    setUp({ selected: "previous" });
    await fireEvent.keyDown(tab("Previous"), { key: "End" });
    expect(document.activeElement).toBe(tab("Settings"));
    await fireEvent.keyDown(tab("Settings"), { key: "Home" });
    expect(document.activeElement).toBe(tab("Latest"));
    expect(selectedTab()).toBe("Latest");
  });

  it("with manual activation, arrows move focus only and Enter selects", async () => {
    setUp({ activation: "manual" });
    await fireEvent.keyDown(tab("Latest"), { key: "ArrowRight" });
    expect(document.activeElement).toBe(tab("Previous"));
    expect(selectedTab()).toBe("Latest");
    expect(tab("Previous").tabIndex).toBe(0);
    await fireEvent.keyDown(tab("Previous"), { key: "Enter" });
    expect(selectedTab()).toBe("Previous");
  });

  it("vertical tabs move with the up and down arrows", async () => {
    setUp({ orientation: "vertical" });
    await fireEvent.keyDown(tab("Latest"), { key: "ArrowRight" });
    expect(selectedTab()).toBe("Latest");
    await fireEvent.keyDown(tab("Latest"), { key: "ArrowDown" });
    expect(selectedTab()).toBe("Previous");
  });

  it("a click selects; a disabled tab cannot be selected", async () => {
    setUp();
    await fireEvent.click(tab("Settings"));
    expect(selectedTab()).toBe("Settings");
    await fireEvent.click(tab("OOM"));
    expect(selectedTab()).toBe("Settings");
  });

  it("follows a selection its owner changes", async () => {
    const view = setUp();
    await view.rerender({ selected: "settings" });
    expect(selectedTab()).toBe("Settings");
    expect(screen.getByRole("tabpanel").textContent).toBe("Settings panel");
  });
});
