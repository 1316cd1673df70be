import { describe, expect, it } from "vitest";

import { compareValues, sortRows } from "./sort";

describe("compareValues", () => {
  it("orders numbers by size and text naturally (2 before 10), case aside", () => {
    expect([10, 2, 33].sort(compareValues)).toEqual([2, 10, 33]);
    expect(["node 10", "Node 2", "node 1"].sort(compareValues)).toEqual(["node 1", "Node 2", "node 10"]);
  });
  it("puts null after everything", () => {
    expect([null, 3, null, 1].sort(compareValues)).toEqual([1, 3, null, null]);
  });
});

describe("sortRows", () => {
  const rows = [
    { name: "a", ms: 5 },
    { name: "b", ms: null },
    { name: "c", ms: 9 },
    { name: "d", ms: 5 },
  ];
  const names = (sorted: typeof rows) => sorted.map((r) => r.name);

  it("sorts ascending and descending, equal values in their original order both ways", () => {
    expect(names(sortRows(rows, (r) => r.ms, "ascending"))).toEqual(["a", "d", "c", "b"]);
    expect(names(sortRows(rows, (r) => r.ms, "descending"))).toEqual(["c", "a", "d", "b"]);
  });
  it("keeps missing values last when descending too, and leaves its input alone", () => {
    const input = [...rows];
    expect(names(sortRows(input, (r) => r.ms, "descending")).at(-1)).toBe("b");
    expect(input).toEqual(rows);
  });
});
