import { fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { ClearVramResult } from "../../../api/types";
import { session } from "../../../testing/fixtures";
import { clearVramStore, restartStore } from "../../../testing/hud";
import { hudActionsContext, type HudActions } from "./context";
import HudActionsView from "./HudActions.svelte";

function controllers() {
  let finishClear: (result: ClearVramResult) => void = () => {};
  const busy = session({ queue: { running: 1, queued: 0 } });
  const { controller: restart } = restartStore({
    getSession: async () => busy,
    postRestart: () => new Promise(() => {}), // the server goes away without answering
    probeServer: async () => false,
  });
  const { controller: clearVram } = clearVramStore({
    getSession: async () => busy,
    postClearVram: () => new Promise((resolve) => (finishClear = resolve)),
  });
  const actions: HudActions = { restart, clearVram };
  return { actions, finish: (r: ClearVramResult) => finishClear(r) };
}

function renderWith(actions: HudActions) {
  return render(HudActionsView, { context: hudActionsContext(actions) });
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("HudActions", () => {
  it("shows Clear VRAM and Restart as a group of buttons", () => {
    renderWith(controllers().actions);
    const group = screen.getByRole("group", { name: "Server actions" });
    const buttons = [...group.querySelectorAll("button")].map((b) => b.textContent?.trim());
    expect(buttons).toEqual(["Clear VRAM", "Restart"]);
    expect(screen.getByRole("button", { name: "Restart" }).classList.contains("comfyui-button")).toBe(true);
  });

  it("asks for confirmation with a warning about running work; Escape cancels", async () => {
    renderWith(controllers().actions);
    // A click gives a button focus in the browser; fireEvent.click alone does not.
    screen.getByRole("button", { name: "Restart" }).focus();
    await fireEvent.click(screen.getByRole("button", { name: "Restart" }));
    await vi.waitFor(() => screen.getByRole("alertdialog", { name: "Restart ComfyUI?" }));
    flushSync();
    const dialog = screen.getByRole("alertdialog");
    expect(dialog.dataset.busy).toBe("true");
    expect(dialog.textContent).toContain("1 workflow is running: restarting interrupts it");
    const confirm = screen.getByRole("button", { name: "Restart now" });
    expect(document.activeElement).toBe(confirm);
    expect(dialog.textContent).toContain("re-exec python main.py");
    expect(screen.getByRole("button", { name: "Restart" }).getAttribute("aria-expanded")).toBe("true");
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(screen.getByRole("button", { name: "Restart" }).getAttribute("aria-expanded")).toBe("false");
    // Focus goes back to the button that opened it.
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Restart" }));
  });

  it("a click outside or on Restart again closes the confirmation", async () => {
    renderWith(controllers().actions);
    const restart = screen.getByRole("button", { name: "Restart" });
    await fireEvent.click(restart);
    await vi.waitFor(() => screen.getByRole("alertdialog"));
    await fireEvent.pointerDown(document.body);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await fireEvent.click(restart);
    await vi.waitFor(() => screen.getByRole("alertdialog"));
    await fireEvent.pointerDown(screen.getByRole("alertdialog"));
    expect(screen.getByRole("alertdialog")).toBeTruthy();
    await fireEvent.click(restart);
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("after confirming, the button is disabled and reads Restarting...", async () => {
    const { actions } = controllers();
    renderWith(actions);
    await fireEvent.click(screen.getByRole("button", { name: "Restart" }));
    await vi.waitFor(() => screen.getByRole("button", { name: "Restart now" }));
    await fireEvent.click(screen.getByRole("button", { name: "Restart now" }));
    const button = screen.getByRole("button", { name: "Restarting..." }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.getAttribute("aria-busy")).toBe("true");
    expect(button.dataset.state).toBe("restarting");
    expect(button.dataset.phase).toBe("requesting");
  });

  it("Clear VRAM is disabled and reads Clearing... while the request runs", async () => {
    const { actions, finish } = controllers();
    renderWith(actions);
    await fireEvent.click(screen.getByRole("button", { name: "Clear VRAM" }));
    const button = screen.getByRole("button", { name: "Clearing..." }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await vi.waitFor(() => expect(actions.clearVram.state.kind).toBe("clearing"));
    finish({ models_unloaded: 0, devices: [], vram_freed_bytes: null });
    await vi.waitFor(() => expect(screen.getByRole("button", { name: "Clear VRAM" })).toBeTruthy());
  });

  it("renders nothing without the actions' context, and the given actions with it", () => {
    const empty = render(HudActionsView);
    expect(empty.container.querySelector("button")).toBeNull();
    empty.unmount();
    renderWith(controllers().actions);
    expect(screen.getByRole("button", { name: "Restart" })).toBeTruthy();
  });
});
