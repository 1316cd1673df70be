// A sortable table's behaviour: typed columns, one sort (a column and a direction) that a header's
// button changes, and the rows in that order (lib/sort.ts: stable, missing values last).
import { MISSING } from "../../lib/format";
import { sortRows, type SortDirection, type SortValue } from "../../lib/sort";
import type { Box } from "./box";

export type { SortDirection };

export interface Column<Row> {
  id: string;
  label: string;
  /** What the column sorts by: numbers by size, text naturally; null when missing (sorted last). */
  value: (row: Row) => SortValue;
  /** The cell's text; by default the value, "--" when missing. */
  format?: (row: Row) => string;
  /** Whether its header sorts (default true). */
  sortable?: boolean;
  /** "end" for figures, so digits line up. */
  align?: "start" | "end";
  /** The direction of the first click (figures usually want the largest first). */
  firstDirection?: SortDirection;
}

/**
 * A column of figures: aligned at the end, its text `format` of its value; sortable with the largest
 * first, or not sortable at all (`sortable` false).
 */
export function figureColumn<Row>(
  id: string,
  label: string,
  value: (row: Row) => number | null,
  format: (value: number | null) => string,
  sortable = true,
): Column<Row> {
  const text = (row: Row) => format(value(row));
  return sortable ? { id, label, value, format: text, align: "end", firstDirection: "descending" } : { id, label, value, format: text, align: "end", sortable };
}

export interface SortState {
  column: string;
  direction: SortDirection;
}

export interface TableOptions<Row> {
  columns: () => readonly Column<Row>[];
  rows: () => readonly Row[];
  sort: Box<SortState | null>;
}

export class TableState<Row> {
  #options: TableOptions<Row>;

  constructor(options: TableOptions<Row>) {
    this.#options = options;
  }

  get columns(): readonly Column<Row>[] {
    return this.#options.columns();
  }

  get sort(): SortState | null {
    const sort = this.#options.sort.get();
    return sort && this.columns.some((c) => c.id === sort.column && c.sortable !== false) ? sort : null;
  }

  /** The rows in the sort's order, or as given when nothing sorts them. */
  readonly rows = $derived.by((): readonly Row[] => {
    const sort = this.sort;
    const column = sort && this.columns.find((c) => c.id === sort.column);
    const rows = this.#options.rows();
    return column && sort ? sortRows(rows, column.value, sort.direction) : rows;
  });

  /** A row's own rows in the same order as the rows (null: none). */
  childrenOf(children: readonly Row[] | null): readonly Row[] {
    if (!children || children.length === 0) return [];
    const sort = this.sort;
    const column = sort && this.columns.find((c) => c.id === sort.column);
    return column && sort ? sortRows(children, column.value, sort.direction) : children;
  }

  /** A header was pressed: sort by it, or turn its direction around when it already sorts. */
  toggle(columnId: string): void {
    const column = this.columns.find((c) => c.id === columnId);
    if (!column || column.sortable === false) return;
    const current = this.sort;
    const direction: SortDirection =
      current?.column === columnId
        ? current.direction === "ascending"
          ? "descending"
          : "ascending"
        : (column.firstDirection ?? "ascending");
    this.#options.sort.set({ column: columnId, direction });
  }

  /** aria-sort for a header: its direction, "none" for a sortable column that does not sort now. */
  ariaSort(column: Column<Row>): SortDirection | "none" | undefined {
    if (column.sortable === false) return undefined;
    return this.sort?.column === column.id ? this.sort.direction : "none";
  }

  cell(column: Column<Row>, row: Row): string {
    if (column.format) return column.format(row);
    const value = column.value(row);
    return value === null ? MISSING : String(value);
  }
}
