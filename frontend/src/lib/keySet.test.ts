import { describe, expect, it } from "vitest";

import { keySet, toggledKey, withKey } from "./keySet";

describe("key sets", () => {
  it("adds a key into a new set, keeping the old one as it was", () => {
    const before = keySet(["a"]);
    const after = withKey(before, "b");
    expect([...after]).toEqual(["a", "b"]);
    expect([...before]).toEqual(["a"]);
    expect(withKey(after, "a")).toBe(after);
  });
  it("toggles a key in and out", () => {
    const empty = keySet();
    const one = toggledKey(empty, "x");
    expect(one.has("x")).toBe(true);
    expect(toggledKey(one, "x").has("x")).toBe(false);
    expect(empty.size).toBe(0);
  });
});
