import { describe, expect, it, vi } from "vitest";

import { createHudActions, RELOAD_PARAM, reloadWithoutCache } from "./create";
import { DEBUG_SETTING } from "./restart.svelte";

describe("reloadWithoutCache", () => {
  it("replaces the location with a fresh query parameter, keeping the others", () => {
    const replace = vi.fn();
    vi.spyOn(Date, "now").mockReturnValue(1234);
    reloadWithoutCache({ href: "http://127.0.0.1:8188/base/?workflow=a#x", replace });
    expect(replace).toHaveBeenCalledWith(`http://127.0.0.1:8188/base/?workflow=a&${RELOAD_PARAM}=1234#x`);
  });
});

describe("createHudActions", () => {
  it("registers the debug setting as a boolean, off by default", () => {
    const { settings } = createHudActions();
    expect(settings).toEqual([expect.objectContaining({ id: DEBUG_SETTING, type: "boolean", defaultValue: false })]);
  });
});
