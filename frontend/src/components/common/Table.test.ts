import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";

import Table from "./Table.svelte";
import type { Column } from "./table.svelte";

interface NodeRow {
  id: string;
  name: string;
  ms: number | null;
}

const ROWS: NodeRow[] = [
  { id: "1", name: "KSampler", ms: 900 },
  { id: "2", name: "VAE Decode", ms: null },
  { id: "3", name: "CLIP Text Encode", ms: 40 },
  { id: "4", name: "Load Checkpoint", ms: 900 },
];

const COLUMNS: Column<NodeRow>[] = [
  { id: "name", label: "Node", value: (r) => r.name },
  { id: "ms", label: "Time", value: (r) => r.ms, format: (r) => (r.ms === null ? "--" : `${r.ms} ms`), align: "end", firstDirection: "descending" },
  { id: "id", label: "Id", value: (r) => r.id, sortable: false },
];

function setUp() {
  return render(Table<NodeRow>, { props: { columns: COLUMNS, rows: ROWS, rowKey: (r: NodeRow) => r.id, caption: "Node timings" } });
}

const header = (name: string) => screen.getByRole("columnheader", { name: new RegExp(`^${name}`) });
const names = () => screen.getAllByRole("row").slice(1).map((row) => within(row).getAllByRole("cell")[0]?.textContent);

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Table", () => {
  it("is a table named by its caption, rows as given until a header sorts them", () => {
    setUp();
    expect(screen.getByRole("table", { name: "Node timings" })).toBeTruthy();
    expect(names()).toEqual(["KSampler", "VAE Decode", "CLIP Text Encode", "Load Checkpoint"]);
    expect(header("Node").getAttribute("aria-sort")).toBe("none");
    expect(header("Time").getAttribute("aria-sort")).toBe("none");
  });

  it("a sortable column's header is a button; the others are plain text without aria-sort", () => {
    setUp();
    expect(within(header("Node")).getByRole("button", { name: "Node" })).toBeTruthy();
    expect(within(header("Id")).queryByRole("button")).toBeNull();
    expect(header("Id").hasAttribute("aria-sort")).toBe(false);
  });

  it("sorts by a header, ascending then descending, and marks it with aria-sort", async () => {
    setUp();
    await fireEvent.click(screen.getByRole("button", { name: "Node" }));
    expect(header("Node").getAttribute("aria-sort")).toBe("ascending");
    expect(names()).toEqual(["CLIP Text Encode", "KSampler", "Load Checkpoint", "VAE Decode"]);
    await fireEvent.click(screen.getByRole("button", { name: "Node" }));
    expect(header("Node").getAttribute("aria-sort")).toBe("descending");
    expect(names()).toEqual(["VAE Decode", "Load Checkpoint", "KSampler", "CLIP Text Encode"]);
  });

  it("starts a column in its first direction; ties keep their order, missing values go last", async () => {
    setUp();
    await fireEvent.click(screen.getByRole("button", { name: "Time" }));
    expect(header("Time").getAttribute("aria-sort")).toBe("descending");
    expect(header("Node").getAttribute("aria-sort")).toBe("none");
    expect(names()).toEqual(["KSampler", "Load Checkpoint", "CLIP Text Encode", "VAE Decode"]);
    await fireEvent.click(screen.getByRole("button", { name: "Time" }));
    expect(names()).toEqual(["CLIP Text Encode", "KSampler", "Load Checkpoint", "VAE Decode"]);
  });

  it("shows each cell through its column's format, figures aligned to the end", () => {
    setUp();
    const cells = within(screen.getAllByRole("row")[2]!).getAllByRole("cell");
    expect(cells.map((c) => c.textContent)).toEqual(["VAE Decode", "--", "2"]);
    expect(cells[1]?.dataset.align).toBe("end");
  });

  it("shows the sort on the table as data-* and follows one its owner sets", async () => {
    const view = setUp();
    await view.rerender({ sort: { column: "ms", direction: "ascending" } });
    const table = screen.getByRole("table");
    expect(table.dataset.sortColumn).toBe("ms");
    expect(table.dataset.sortDirection).toBe("ascending");
    expect(names()[0]).toBe("CLIP Text Encode");
  });
});
