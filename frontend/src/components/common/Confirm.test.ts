import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import Confirm from "./Confirm.svelte";

const html = (markup: string) => createRawSnippet(() => ({ render: () => markup }));

function setUp(props: Partial<{ busy: boolean; error: string | null; variant: "default" | "danger"; open: boolean }> = {}) {
  const onconfirm = vi.fn();
  const oncancel = vi.fn();
  const view = render(Confirm, {
    props: {
      open: true,
      title: "Delete this archive?",
      description: html("<span>The file is removed for good.</span>"),
      children: html('<ul aria-label="Files"><li>a.db</li></ul>'),
      action: "delete",
      confirmLabel: "Delete archive",
      onconfirm,
      oncancel,
      ...props,
    },
  });
  return { onconfirm, oncancel, view };
}

const answer = (dialog: HTMLElement, action: string) => dialog.querySelector<HTMLButtonElement>(`[data-action="${action}"]`)!;

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Confirm", () => {
  it("asks as an alert dialog named by its question and described by what confirming does, the extra content between", () => {
    setUp();
    const dialog = screen.getByRole("alertdialog", { name: "Delete this archive?" });
    expect(dialog.getAttribute("data-confirm")).toBe("delete");
    expect(document.getElementById(dialog.getAttribute("aria-describedby")!)!.textContent).toBe("The file is removed for good.");
    expect(within(dialog).getByRole("list", { name: "Files" }).textContent).toBe("a.db");
    expect(within(dialog).queryByRole("alert")).toBeNull();
  });

  it("puts focus on Cancel, the action last in danger red; each answer calls its own", async () => {
    const { onconfirm, oncancel } = setUp();
    const dialog = screen.getByRole("alertdialog");
    const [cancel, confirm] = within(dialog).getAllByRole("button");
    expect(cancel).toBe(answer(dialog, "cancel-delete"));
    expect(confirm).toBe(answer(dialog, "confirm-delete"));
    expect(document.activeElement).toBe(cancel);
    expect(confirm!.textContent!.trim()).toBe("Delete archive");
    expect(confirm!.dataset.variant).toBe("danger");
    await fireEvent.click(confirm!);
    expect(onconfirm).toHaveBeenCalledOnce();
    await fireEvent.click(cancel!);
    expect(oncancel).toHaveBeenCalledOnce();
  });

  it("cancels on Escape", async () => {
    const { onconfirm, oncancel } = setUp({ variant: "default" });
    const dialog = screen.getByRole("alertdialog");
    expect(answer(dialog, "confirm-delete").dataset.variant).toBe("default");
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(oncancel).toHaveBeenCalledOnce();
    expect(onconfirm).not.toHaveBeenCalled();
  });

  it("while busy, disables both answers and marks the action busy; a refusal shows as an alert", async () => {
    const { view } = setUp({ busy: true });
    const dialog = screen.getByRole("alertdialog");
    expect(answer(dialog, "cancel-delete").disabled).toBe(true);
    expect(answer(dialog, "confirm-delete").getAttribute("aria-busy")).toBe("true");
    await view.rerender({ busy: false, error: "history is not open yet" });
    expect(answer(dialog, "cancel-delete").disabled).toBe(false);
    expect(within(dialog).getByRole("alert").textContent).toBe("history is not open yet");
  });

  it("shows nothing while closed", () => {
    setUp({ open: false });
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });
});
