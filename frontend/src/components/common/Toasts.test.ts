import { fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import { toastStore } from "../../testing/oomStores";
import Toasts from "./Toasts.svelte";

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Toasts", () => {
  it("shows each toast with its buttons; an error is an alert, the others a status", async () => {
    const { toasts } = toastStore();
    render(Toasts, { props: { store: toasts } });
    const open = vi.fn();
    toasts.show({ severity: "error", summary: "Out of memory in KSampler", detail: "see the OOM tab", life: 0, key: "oom:p", actions: [{ id: "open-oom-tab", label: "Open the OOM tab", run: open }] });
    toasts.show({ severity: "success", summary: "1 model unloaded", detail: "6.5 GiB freed", life: 0 });
    flushSync();
    const alert = screen.getByRole("alert");
    expect(alert.dataset.toast).toBe("oom:p");
    expect(alert.textContent).toContain("Out of memory in KSampler");
    expect(screen.getByRole("status").textContent).toContain("6.5 GiB freed");
    await fireEvent.click(screen.getByRole("button", { name: "Open the OOM tab" }));
    expect(open).toHaveBeenCalledOnce();
    expect(screen.queryByRole("alert")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Close: 1 model unloaded" }));
    expect(screen.queryByRole("status")).toBeNull();
    expect(document.querySelector("[data-count]")!.getAttribute("data-count")).toBe("0");
  });
});
