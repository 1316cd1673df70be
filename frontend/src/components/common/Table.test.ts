import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import Table from "./Table.svelte";
import { figureColumn, type Column } from "./table.svelte";

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

interface TreeRow {
  id: string;
  name: string;
  ms: number;
  members?: TreeRow[];
  shapes?: string;
}

const TREE: TreeRow[] = [
  {
    id: "g",
    name: "Subgraph",
    ms: 500,
    members: [
      { id: "g1", name: "Inner fast", ms: 10 },
      { id: "g2", name: "Inner slow", ms: 400, shapes: "[1, 4, 64, 64]" },
    ],
  },
  { id: "a", name: "Alone", ms: 100, shapes: "[1, 3]" },
];

const details = createRawSnippet((row: () => TreeRow) => ({ render: () => `<p class="shapes">${row().shapes}</p>` }));

function setUpTree(props: Record<string, unknown> = {}) {
  return render(Table<TreeRow>, {
    props: {
      columns: [
        { id: "name", label: "Node", value: (r: TreeRow) => r.name },
        { id: "ms", label: "Time", value: (r: TreeRow) => r.ms, firstDirection: "descending" },
      ] satisfies Column<TreeRow>[],
      rows: TREE,
      rowKey: (r: TreeRow) => r.id,
      caption: "Tree",
      children: (r: TreeRow) => r.members ?? null,
      details,
      hasDetails: (r: TreeRow) => r.shapes !== undefined,
      expandLabel: (r: TreeRow) => `More about ${r.name}`,
      ...props,
    },
  });
}

const rowKeys = () => [...document.querySelectorAll<HTMLElement>("tbody tr[data-row]")].map((tr) => tr.dataset.row);

describe("Table with nested rows, details and a selection", () => {
  it("shows a row's members under it while it is expanded, sorted like the rows", async () => {
    setUpTree({ expanded: new Set(["g"]) });
    expect(rowKeys()).toEqual(["g", "g1", "g2", "a"]);
    expect(document.querySelector<HTMLElement>('tr[data-row="g1"]')?.dataset.depth).toBe("1");
    await fireEvent.click(screen.getByRole("button", { name: "Time" }));
    expect(rowKeys()).toEqual(["g", "g2", "g1", "a"]);
    const disclosure = screen.getByRole("button", { name: "More about Subgraph" });
    expect(disclosure.getAttribute("aria-expanded")).toBe("true");
    await fireEvent.click(disclosure);
    expect(rowKeys()).toEqual(["g", "a"]);
    expect(disclosure.getAttribute("aria-expanded")).toBe("false");
  });

  it("gives a disclosure only to rows with members or details, and shows details in a row of their own", async () => {
    setUpTree();
    expect(screen.queryByRole("button", { name: "More about Inner fast" })).toBeNull();
    const alone = screen.getByRole("button", { name: "More about Alone" });
    expect(document.querySelector(".shapes")).toBeNull();
    await fireEvent.click(alone);
    const shown = document.querySelector<HTMLElement>('[data-details-of="a"]');
    expect(shown?.textContent).toBe("[1, 3]");
    expect(alone.getAttribute("aria-controls")).toBe(shown?.id);
  });

  it("a click on a row selects it (aria-current); a click on its disclosure does not", async () => {
    const onselect = vi.fn();
    setUpTree({ onselect });
    await fireEvent.click(screen.getByRole("button", { name: "More about Subgraph" }));
    expect(onselect).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByText("Inner slow"));
    expect(onselect).toHaveBeenCalledWith(expect.objectContaining({ id: "g2" }));
    expect(document.querySelector('tr[data-row="g2"]')?.getAttribute("aria-current")).toBe("true");
    expect(document.querySelectorAll('[aria-current="true"]')).toHaveLength(1);
  });

  it("follows a selection its owner sets", async () => {
    const view = setUpTree();
    await view.rerender({ selected: "a" });
    expect(document.querySelector('tr[data-row="a"]')?.getAttribute("data-selected")).toBe("true");
  });
});

describe("figureColumn", () => {
  const bytes = (value: number | null) => (value === null ? "--" : `${value} B`);

  it("is a column of figures: aligned at the end, its text the format of its value, the largest first", () => {
    const column = figureColumn<{ size: number | null }>("size", "Size", (row) => row.size, bytes);
    expect(column).toMatchObject({ id: "size", label: "Size", align: "end", firstDirection: "descending" });
    expect(column.sortable).toBeUndefined();
    expect(column.value({ size: 3 })).toBe(3);
    expect(column.format?.({ size: 3 })).toBe("3 B");
    expect(column.format?.({ size: null })).toBe("--");
  });

  it("or a column that does not sort", () => {
    const column = figureColumn<{ size: number }>("size", "Size", (row) => row.size, bytes, false);
    expect(column).toMatchObject({ align: "end", sortable: false });
    expect(column.firstDirection).toBeUndefined();
  });
});
