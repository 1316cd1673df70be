import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import NestedDialogs from "../../testing/NestedDialogs.svelte";
import Dialog from "./Dialog.svelte";

const content = createRawSnippet(() => ({
  render: () =>
    `<div><h2 id="title">Profiler</h2><button type="button">First</button><button type="button" data-autofocus>Middle</button><button type="button" disabled>Off</button><button type="button">Last</button></div>`,
}));

function setUp() {
  const opener = document.createElement("button");
  opener.textContent = "Open the profiler";
  document.body.append(opener);
  const ondismiss = vi.fn();
  const view = render(Dialog, { props: { open: false, ondismiss, "aria-labelledby": "title", children: content } });
  return { opener, ondismiss, view };
}

async function openFrom({ view, opener }: ReturnType<typeof setUp>) {
  opener.focus();
  await view.rerender({ open: true });
  return screen.getByRole("dialog", { name: "Profiler" });
}

const button = (name: string) => screen.getByRole("button", { name });

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Dialog", () => {
  it("opens modal, named by its title, focus on its [data-autofocus] element", async () => {
    const setup = setUp();
    expect(screen.queryByRole("dialog")).toBeNull();
    const dialog = await openFrom(setup);
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(button("Middle"));
  });

  it("keeps Tab inside: past the last element to the first, Shift+Tab before the first to the last", async () => {
    const dialog = await openFrom(setUp());
    button("Last").focus();
    await fireEvent.keyDown(dialog, { key: "Tab" });
    expect(document.activeElement).toBe(button("First"));
    await fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(button("Last"));
  });

  it("leaves Tab between inner elements to the browser", async () => {
    const dialog = await openFrom(setUp());
    const event = new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true });
    button("Middle").dispatchEvent(event);
    expect(event.defaultPrevented).toBe(false);
    expect(dialog.contains(document.activeElement)).toBe(true);
  });

  it("brings focus that escaped back inside", async () => {
    const setup = setUp();
    await openFrom(setup);
    setup.opener.focus();
    expect(document.activeElement).toBe(button("First"));
  });

  it("Escape and a press on the backdrop ask to close; a press inside does not", async () => {
    const setup = setUp();
    const dialog = await openFrom(setup);
    await fireEvent.pointerDown(dialog);
    expect(setup.ondismiss).not.toHaveBeenCalled();
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(setup.ondismiss).toHaveBeenLastCalledWith("escape");
    await fireEvent.pointerDown(dialog.parentElement!);
    expect(setup.ondismiss).toHaveBeenLastCalledWith("backdrop");
  });

  it("closed, gives focus back to the element that opened it", async () => {
    const setup = setUp();
    await openFrom(setup);
    await setup.view.rerender({ open: false });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(setup.opener);
  });

  it("covers the window when its size is full", async () => {
    const setup = setUp();
    const dialog = await openFrom(setup);
    expect(dialog.dataset.size).toBe("default");
    await setup.view.rerender({ size: "full" });
    expect(dialog.dataset.size).toBe("full");
  });

  it("takes the alertdialog role for a question that interrupts", async () => {
    const setup = setUp();
    await setup.view.rerender({ role: "alertdialog", open: true });
    expect(screen.getByRole("alertdialog", { name: "Profiler" })).toBeTruthy();
  });

  describe("inside another dialog (a confirmation over the profiler)", () => {
    function nested(innerOpen = true) {
      const outerDismiss = vi.fn();
      const innerDismiss = vi.fn();
      const view = render(NestedDialogs, { props: { innerOpen, outerDismiss, innerDismiss } });
      return { outerDismiss, innerDismiss, view, inner: () => screen.getByRole("alertdialog", { name: "Inner" }) };
    }

    it("takes focus, and Escape closes it alone", async () => {
      const { outerDismiss, innerDismiss, inner } = nested();
      expect(document.activeElement).toBe(button("Cancel"));
      await fireEvent.keyDown(inner(), { key: "Escape" });
      expect(innerDismiss).toHaveBeenCalledWith("escape");
      expect(outerDismiss).not.toHaveBeenCalled();
    });

    it("keeps Tab inside itself", async () => {
      const { inner } = nested();
      button("Confirm").focus();
      await fireEvent.keyDown(inner(), { key: "Tab" });
      expect(document.activeElement).toBe(button("Cancel"));
      await fireEvent.keyDown(inner(), { key: "Tab", shiftKey: true });
      expect(document.activeElement).toBe(button("Confirm"));
    });

    it("a press on its backdrop closes it alone", async () => {
      const { outerDismiss, innerDismiss, inner } = nested();
      await fireEvent.pointerDown(inner().parentElement!);
      expect(innerDismiss).toHaveBeenCalledWith("backdrop");
      expect(outerDismiss).not.toHaveBeenCalled();
    });

    it("closed, leaves Escape to the outer dialog", async () => {
      const { outerDismiss } = nested(false);
      await fireEvent.keyDown(screen.getByRole("dialog", { name: "Outer" }), { key: "Escape" });
      expect(outerDismiss).toHaveBeenCalledWith("escape");
    });
  });
});
