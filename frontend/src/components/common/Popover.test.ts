import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet, tick } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import Popover from "./Popover.svelte";

const content = createRawSnippet(() => ({
  render: () => `<div><p>Restart ComfyUI?</p><button type="button">Cancel</button><button type="button" data-autofocus>Restart now</button></div>`,
}));

function stubRect(element: HTMLElement, box: { left: number; top: number; width: number; height: number }) {
  element.getBoundingClientRect = () =>
    ({ ...box, x: box.left, y: box.top, right: box.left + box.width, bottom: box.top + box.height, toJSON: () => box }) as DOMRect;
}

/** An anchor holding a trigger button, the popover rendered inside it (its containing block). */
function setUp(box = { left: 400, top: 40, width: 120, height: 30 }) {
  const anchor = document.createElement("span");
  const trigger = document.createElement("button");
  trigger.textContent = "Restart";
  anchor.append(trigger);
  const outside = document.createElement("button");
  outside.textContent = "Elsewhere";
  document.body.append(anchor, outside);
  stubRect(anchor, box);
  const ondismiss = vi.fn();
  const view = render(Popover, {
    target: anchor,
    props: { open: false, anchor, ondismiss, role: "alertdialog", "aria-label": "Restart ComfyUI?", children: content },
  });
  return { anchor, trigger, outside, ondismiss, view };
}

async function openFrom(view: ReturnType<typeof setUp>["view"], trigger: HTMLElement) {
  trigger.focus();
  await view.rerender({ open: true });
  return screen.getByRole("alertdialog", { name: "Restart ComfyUI?" });
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Popover", () => {
  it("renders nothing while closed", () => {
    setUp();
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("opens with its role and name, below an anchor at the top, focus on its [data-autofocus] element", async () => {
    const { view, trigger } = setUp();
    const popover = await openFrom(view, trigger);
    expect(popover.dataset.side).toBe("below");
    expect(popover.dataset.align).toBe("end");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Restart now" }));
  });

  it("is placed again, the frame after, when its anchor changes size while open (the bar showing for a command)", async () => {
    const observers: ResizeObserverCallback[] = [];
    vi.stubGlobal(
      "ResizeObserver",
      class {
        constructor(callback: ResizeObserverCallback) {
          observers.push(callback);
        }
        observe() {}
        disconnect() {}
      },
    );
    try {
      const { view, trigger, anchor: box } = setUp({ left: 400, top: 40, width: 120, height: 30 });
      const popover = await openFrom(view, trigger);
      expect(popover.dataset.side).toBe("below");
      // The anchor now sits at the window's bottom edge: below has no room any more.
      stubRect(box, { left: 400, top: window.innerHeight - 34, width: 120, height: 30 });
      for (const callback of observers) callback([], {} as ResizeObserver);
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
      await tick();
      expect(popover.dataset.side).toBe("above");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("flips above an anchor at the bottom of the window", async () => {
    const { view, trigger } = setUp({ left: 400, top: window.innerHeight - 34, width: 120, height: 30 });
    expect((await openFrom(view, trigger)).dataset.side).toBe("above");
  });

  it("shifts into the window when aligning with the anchor would push it out", async () => {
    const { view, trigger } = setUp({ left: 0, top: 40, width: 10, height: 30 });
    const popover = await openFrom(view, trigger);
    // End-aligned with a 10 px anchor at the left edge: its right edge is at 10 px, its width (no
    // layout here) 0, so it sits at x = 10 - 0 and needs no shift; a wider one would.
    expect(popover.style.translate).toBe("");
    Object.defineProperty(popover, "offsetWidth", { configurable: true, value: 300 });
    window.dispatchEvent(new Event("resize"));
    await tick();
    expect(popover.style.translate).toBe(`${4 - (10 - 300)}px 0`);
  });

  it("Escape dismisses it; closed, focus goes back to the trigger", async () => {
    const { view, trigger, ondismiss } = setUp();
    const popover = await openFrom(view, trigger);
    await fireEvent.keyDown(popover, { key: "Escape" });
    expect(ondismiss).toHaveBeenCalledWith("escape");
    await view.rerender({ open: false });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(document.activeElement).toBe(trigger);
  });

  it("a pointer outside the anchor dismisses it and keeps the focus it chose; inside does not", async () => {
    const { view, trigger, outside, ondismiss } = setUp();
    const popover = await openFrom(view, trigger);
    await fireEvent.pointerDown(popover);
    await fireEvent.pointerDown(trigger);
    expect(ondismiss).not.toHaveBeenCalled();
    outside.focus();
    await fireEvent.pointerDown(outside);
    expect(ondismiss).toHaveBeenCalledWith("outside");
    await view.rerender({ open: false });
    expect(document.activeElement).toBe(outside);
  });

  it("a pointer in a modal dialog opened over it (its confirmation) keeps it open", async () => {
    const { view, trigger, ondismiss } = setUp();
    await openFrom(view, trigger);
    const modal = document.createElement("div");
    modal.setAttribute("aria-modal", "true");
    const answer = document.createElement("button");
    modal.append(answer);
    document.body.append(modal);
    await fireEvent.pointerDown(answer);
    expect(ondismiss).not.toHaveBeenCalled();
    await fireEvent.pointerDown(document.body);
    expect(ondismiss).toHaveBeenCalledWith("outside");
  });

  it("is 340px wide at most, 480px when wide", async () => {
    const { view, trigger } = setUp();
    const popover = await openFrom(view, trigger);
    expect(popover.dataset.size).toBe("default");
    await view.rerender({ size: "wide" });
    expect(popover.dataset.size).toBe("wide");
  });

  it("ignores Escape and pointers while closed", async () => {
    const { trigger, ondismiss } = setUp();
    await fireEvent.keyDown(trigger, { key: "Escape" });
    await fireEvent.pointerDown(document.body);
    expect(ondismiss).not.toHaveBeenCalled();
  });
});
