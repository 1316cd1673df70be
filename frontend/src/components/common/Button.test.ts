import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import Button from "./Button.svelte";

const label = (text: string) => createRawSnippet(() => ({ render: () => `<span>${text}</span>` }));

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Button", () => {
  it("is a button of type button with its content, in the default look, ComfyUI's button class on it", () => {
    render(Button, { props: { children: label("Clear VRAM") } });
    const button = screen.getByRole("button", { name: "Clear VRAM" }) as HTMLButtonElement;
    expect(button.type).toBe("button");
    expect(button.dataset.variant).toBe("default");
    expect(button.classList.contains("comfyui-button")).toBe(true);
    expect(button.disabled).toBe(false);
    expect(button.getAttribute("aria-busy")).toBe("false");
    expect(button.dataset.busy).toBeUndefined();
  });

  it("adds its class to its own", () => {
    render(Button, { props: { class: "swissarmyknife-toast-close", children: label("Close") } });
    // The last one Svelte's scoping class.
    const classes = [...screen.getByRole("button", { name: "Close" }).classList];
    expect(classes).toEqual(["comfyui-button", "swissarmyknife-button", "swissarmyknife-toast-close", expect.any(String)]);
  });

  it.each(["danger", "ghost"] as const)("shows the %s variant as data-variant", (variant) => {
    render(Button, { props: { variant, children: label("Go") } });
    expect(screen.getByRole("button").dataset.variant).toBe(variant);
  });

  it("passes its other attributes and its click handler to the <button>", async () => {
    const onclick = vi.fn();
    render(Button, { props: { onclick, "data-action": "restart", title: "Restart the server", children: label("Restart") } });
    const button = screen.getByRole("button", { name: "Restart" });
    expect(button.dataset.action).toBe("restart");
    expect(button.title).toBe("Restart the server");
    await fireEvent.click(button);
    expect(onclick).toHaveBeenCalledOnce();
  });

  it("while busy is disabled and says so (aria-busy, data-busy), and ignores clicks", async () => {
    const onclick = vi.fn();
    render(Button, { props: { busy: true, onclick, children: label("Clearing...") } });
    const button = screen.getByRole("button") as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.getAttribute("aria-busy")).toBe("true");
    expect(button.dataset.busy).toBe("true");
    await fireEvent.click(button);
    expect(onclick).not.toHaveBeenCalled();
  });

  it("disabled, it is not busy", () => {
    render(Button, { props: { disabled: true, children: label("Off") } });
    const button = screen.getByRole("button") as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.getAttribute("aria-busy")).toBe("false");
  });

  it("hands its element to a caller that binds ref", () => {
    let ref: HTMLButtonElement | undefined;
    render(Button, {
      props: {
        children: label("Focus me"),
        get ref() {
          return ref;
        },
        set ref(value) {
          ref = value;
        },
      },
    });
    expect(ref).toBe(screen.getByRole("button"));
  });
});
