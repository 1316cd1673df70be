import { describe, expect, it } from "vitest";

import { currentCursor, describeRange, FIRST_PAGE, nextPage, pageIndex, pageRange, previousPage } from "./paging";

describe("paging with the before cursor", () => {
  it("starts on the newest page, asked without a cursor", () => {
    expect(pageIndex(FIRST_PAGE)).toBe(0);
    expect(currentCursor(FIRST_PAGE)).toBeNull();
  });

  it("goes forward with each page's next_before and back through the cursors visited", () => {
    const second = nextPage(FIRST_PAGE, 1700.5);
    const third = nextPage(second, 1600.25);
    expect(pageIndex(third)).toBe(2);
    expect(currentCursor(third)).toBe(1600.25);
    expect(currentCursor(previousPage(third))).toBe(1700.5);
    expect(previousPage(previousPage(third))).toEqual(FIRST_PAGE);
  });

  it("stays put at either end: no next_before, or back on the first page", () => {
    const second = nextPage(FIRST_PAGE, 10);
    expect(nextPage(second, null)).toBe(second);
    expect(previousPage(FIRST_PAGE)).toBe(FIRST_PAGE);
  });

  it("never changes the paging it is given", () => {
    const second = nextPage(FIRST_PAGE, 10);
    nextPage(second, 5);
    expect(second.cursors).toEqual([null, 10]);
    expect(FIRST_PAGE.cursors).toEqual([null]);
  });
});

describe("pageRange and describeRange", () => {
  it("counts the current page's runs among all matching ones", () => {
    const second = nextPage(FIRST_PAGE, 10);
    expect(pageRange(FIRST_PAGE, 50, 50, 10_000)).toEqual({ first: 1, last: 50, total: 10_000 });
    expect(pageRange(second, 50, 50, 10_000)).toEqual({ first: 51, last: 100, total: 10_000 });
    expect(describeRange(pageRange(second, 50, 50, 10_000))).toBe("51–100 of 10,000");
  });

  it("ends a short last page at its last run", () => {
    expect(describeRange(pageRange(nextPage(FIRST_PAGE, 1), 50, 7, 57))).toBe("51–57 of 57");
  });

  it("never says fewer in total than it shows (runs deleted meanwhile)", () => {
    expect(pageRange(FIRST_PAGE, 50, 20, 5)).toEqual({ first: 1, last: 20, total: 20 });
  });

  it("says so for an empty page", () => {
    expect(pageRange(FIRST_PAGE, 50, 0, 0)).toBeNull();
    expect(describeRange(null)).toBe("No runs");
  });
});
