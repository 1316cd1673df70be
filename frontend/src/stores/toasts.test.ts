import { describe, expect, it, vi } from "vitest";

import { toastStore } from "../testing/oomStores";
import { toastAllowed, type ToastVerbosity } from "../lib/settings";
import { MAX_TOASTS, ToastStore } from "./toasts.svelte";

const toast = { severity: "info" as const, summary: "s", detail: "d", life: 5000 };

describe("ToastStore", () => {
  it("shows a toast for its life, then drops it; one of life 0 stays until closed", async () => {
    const { toasts, timers } = toastStore();
    const a = toasts.show(toast);
    const b = toasts.show({ ...toast, life: 0 });
    expect(toasts.items.map((t) => t.id)).toEqual([a, b]);
    await timers.advance(5000);
    expect(toasts.items.map((t) => t.id)).toEqual([b]);
    toasts.dismiss(b!);
    expect(toasts.items).toEqual([]);
    expect(timers.pending).toBe(0);
  });

  it("replaces a toast with the same key, and keeps the newest few", async () => {
    const { toasts, timers } = toastStore();
    toasts.show({ ...toast, key: "oom:p1", summary: "first" });
    toasts.show({ ...toast, key: "oom:p1", summary: "second" });
    expect(toasts.items.map((t) => t.summary)).toEqual(["second"]);
    expect(timers.pending).toBe(1);
    for (let i = 0; i < MAX_TOASTS + 2; i++) toasts.show({ ...toast, summary: `n${i}` });
    expect(toasts.items).toHaveLength(MAX_TOASTS);
    expect(toasts.items.at(-1)?.summary).toBe(`n${MAX_TOASTS + 1}`);
    expect(timers.pending).toBe(MAX_TOASTS);
  });

  it("runs a button's action and closes the toast it answered", () => {
    const { toasts } = toastStore();
    const run = vi.fn();
    const id = toasts.show({ ...toast, actions: [{ id: "open-oom-tab", label: "Open the OOM tab", run }] });
    toasts.act(id!, "open-oom-tab");
    expect(run).toHaveBeenCalledOnce();
    expect(toasts.items).toEqual([]);
    toasts.act(id!, "open-oom-tab");
    expect(run).toHaveBeenCalledOnce();
  });

  it("shows only what the verbosity allows, read at each toast", () => {
    let verbosity: ToastVerbosity = "errors";
    const toasts = new ToastStore(undefined, (severity) => toastAllowed(verbosity, severity));
    expect(toasts.show({ ...toast, severity: "warn" })).toBeNull();
    expect(toasts.show({ ...toast, severity: "success" })).toBeNull();
    expect(toasts.show({ ...toast, severity: "error", life: 0 })).not.toBeNull();
    verbosity = "none";
    expect(toasts.allows("error")).toBe(false);
    expect(toasts.show({ ...toast, severity: "error", life: 0 })).toBeNull();
    expect(toasts.items.map((t) => t.severity)).toEqual(["error"]);
  });
});
