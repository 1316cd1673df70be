import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import { nodeRecord, profilerStats, status, workflowRecord } from "../../testing/fixtures";
import { clearVramStore, hudStores, restartStore } from "../../testing/hud";
import { profilerViews, settle } from "../../testing/profiler";
import { profilerContext } from "../profiler/context";
import { hudActionsContext } from "./actions/context";
import ResourceMonitor from "./ResourceMonitor.svelte";

/** The bar as the root mounts it: its actions' stores and the profiler's views, one UI mode for both. */
async function renderBar() {
  const built = profilerViews();
  built.server.stats = profilerStats({ latest: workflowRecord("p1", [nodeRecord("1", "KSampler")], { workflow_name: "Portrait" }) });
  const stores = hudStores(async () => status());
  const context = new Map<symbol, unknown>([
    ...hudActionsContext({ restart: restartStore().controller, clearVram: clearVramStore().controller }),
    ...profilerContext(built.views),
  ]);
  render(ResourceMonitor, { props: { store: stores.store, layout: stores.layout, glow: stores.glow, ui: built.ui }, context });
  await stores.store.start();
  flushSync();
  return built;
}

const button = () => screen.getByRole("button", { name: "Profiler" });

afterEach(() => {
  document.body.innerHTML = "";
});

describe("the bar's profiler button and popup", () => {
  it("sits with the server actions, first", async () => {
    await renderBar();
    const group = screen.getByRole("group", { name: "Server actions" });
    expect([...group.querySelectorAll("button")].map((b) => b.dataset.action)).toEqual(["profiler", "clear-vram", "restart"]);
  });

  it("opens the popup inside the bar (its anchor) through the UI mode, and closes it again", async () => {
    const { ui } = await renderBar();
    expect(button().getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(button());
    expect(ui.mode.kind).toBe("popup");
    const popup = screen.getByRole("dialog", { name: "Latest run" });
    expect(document.getElementById("swissarmyknife-resource-monitor")?.contains(popup)).toBe(true);
    expect(button().getAttribute("aria-expanded")).toBe("true");
    expect(button().getAttribute("aria-controls")).toBe(popup.id);
    await settle();
    flushSync();
    expect(within(popup).getByText("Portrait")).toBeTruthy();
    await fireEvent.click(button());
    expect(ui.mode.kind).toBe("bar");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("closes on Escape and on a press outside", async () => {
    const { ui } = await renderBar();
    await fireEvent.click(button());
    await fireEvent.keyDown(button(), { key: "Escape" });
    expect(ui.mode.kind).toBe("bar");
    await fireEvent.click(button());
    await fireEvent.pointerDown(document.body);
    expect(ui.mode.kind).toBe("bar");
  });

  it("View Full History opens the modal (and closes the popup)", async () => {
    const { ui } = await renderBar();
    await fireEvent.click(button());
    await fireEvent.click(screen.getByRole("button", { name: "View Full History" }));
    expect(ui.mode).toMatchObject({ kind: "modal", under: { kind: "bar" } });
    expect(screen.queryByRole("dialog", { name: "Latest run" })).toBeNull();
  });
});
