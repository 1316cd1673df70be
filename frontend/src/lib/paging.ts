// Paging through history newest first with the API's cursor: page n is asked for with `before` =
// page n-1's `next_before`, so the cursors of the pages visited are all the state, and going back
// asks an earlier cursor again. A page's cursor stays put while new runs arrive at the front.

export interface Paging {
  /** The `before` of each page visited, the first (newest) page's being null; the last is the current page's. */
  readonly cursors: readonly (number | null)[];
}

export const FIRST_PAGE: Paging = { cursors: [null] };

/** 0 for the newest page. */
export function pageIndex(paging: Paging): number {
  return paging.cursors.length - 1;
}

/** The `before` to ask the current page with (null: the newest runs). */
export function currentCursor(paging: Paging): number | null {
  return paging.cursors.at(-1) ?? null;
}

/** The page after the current one, given the current page's `next_before`; none left (null): unchanged. */
export function nextPage(paging: Paging, nextBefore: number | null): Paging {
  return nextBefore === null ? paging : { cursors: [...paging.cursors, nextBefore] };
}

/** The page before (newer); on the first page, unchanged. */
export function previousPage(paging: Paging): Paging {
  return paging.cursors.length > 1 ? { cursors: paging.cursors.slice(0, -1) } : paging;
}

/**
 * Where the current page's runs stand among all matching ones (1-based, inclusive), e.g. 51 to 100 of
 * 10,000; null when the page is empty.
 */
export function pageRange(paging: Paging, limit: number, shown: number, total: number): { first: number; last: number; total: number } | null {
  if (shown <= 0) return null;
  const first = pageIndex(paging) * limit + 1;
  const last = first + shown - 1;
  return { first, last, total: Math.max(total, last) };
}

const count = new Intl.NumberFormat("en-US");

/** "51–100 of 10,000", or "No runs" for an empty page. */
export function describeRange(range: { first: number; last: number; total: number } | null): string {
  if (!range) return "No runs";
  return `${count.format(range.first)}–${count.format(range.last)} of ${count.format(range.total)}`;
}
