// Sorting table rows by a column's value: numbers by size, text in the reader's collation, missing
// values (null) last in either direction, ties kept in their original order (a stable sort).

export type SortValue = number | string | null;
export type SortDirection = "ascending" | "descending";

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Ascending order of two values of one column; null after everything. */
export function compareValues(a: SortValue, b: SortValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return collator.compare(String(a), String(b));
}

/** A sorted copy of `rows`, nulls last when descending too; ties keep their order (sort is stable since ES2019). */
export function sortRows<Row>(rows: readonly Row[], value: (row: Row) => SortValue, direction: SortDirection): Row[] {
  const sign = direction === "ascending" ? 1 : -1;
  return rows
    .map((row) => ({ row, key: value(row) }))
    .sort((x, y) => (x.key === null || y.key === null ? compareValues(x.key, y.key) : sign * compareValues(x.key, y.key)))
    .map(({ row }) => row);
}
