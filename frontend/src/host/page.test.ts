import { describe, expect, it, vi } from "vitest";

import { injectStyle, RELOAD_PARAM, reloadWithoutCache } from "./page";

describe("reloadWithoutCache", () => {
  it("replaces the location with a fresh query parameter, keeping the others", () => {
    const replace = vi.fn();
    vi.spyOn(Date, "now").mockReturnValue(1234);
    reloadWithoutCache({ href: "http://127.0.0.1:8188/base/?workflow=a#x", replace });
    expect(replace).toHaveBeenCalledWith(`http://127.0.0.1:8188/base/?workflow=a&${RELOAD_PARAM}=1234#x`);
  });
});

describe("injectStyle", () => {
  it("adds the stylesheet to the head once, whatever the number of calls", () => {
    const first = injectStyle("swissarmyknife-test-style", "body { --x: 1px; }");
    const second = injectStyle("swissarmyknife-test-style", "body { --x: 2px; }");
    expect(second).toBe(first);
    expect(document.head.querySelectorAll("#swissarmyknife-test-style")).toHaveLength(1);
    expect(first.textContent).toBe("body { --x: 1px; }");
    first.remove();
  });
});
