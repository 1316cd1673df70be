// CSV as RFC 4180 writes it (comma-separated, CRLF between records, a field quoted when it holds a
// comma, a quote, a line break or edge spaces, quotes doubled), so spreadsheets and pandas read the
// profiler's exports back the same.

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvColumn<Row> {
  /** The header; say the unit in it (`duration_ms`, `peak_vram_bytes`). */
  header: string;
  value: (row: Row) => CsvValue;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
// A text cell a spreadsheet would run as a formula (OWASP's "CSV injection"): a node title is user text.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: empty for missing (and for NaN or infinities), text quoted only when it must be. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line and one record per row, each ended by CRLF. */
export function toCsv<Row>(columns: readonly CsvColumn<Row>[], rows: readonly Row[]): string {
  const lines = [columns.map((c) => csvField(c.header)), ...rows.map((row) => columns.map((c) => csvField(c.value(row))))];
  return lines.map((fields) => `${fields.join(",")}\r\n`).join("");
}
