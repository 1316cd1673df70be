import { render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { afterEach, describe, expect, it } from "vitest";

import Figure from "./Figure.svelte";
import VisuallyHidden from "./VisuallyHidden.svelte";

const text = (html: string) => createRawSnippet(() => ({ render: () => html }));

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Figure", () => {
  it("is a figure named by its caption, its data-* and aria-describedby on it", () => {
    const props = { title: "Slowest node classes", "data-table": "ranking", "data-points": 3, "aria-describedby": "note" };
    render(Figure, { props: { ...props, children: text("<ol><li>KSampler</li></ol>") } });
    const figure = screen.getByRole("figure", { name: "Slowest node classes" });
    expect(figure.dataset.table).toBe("ranking");
    expect(figure.dataset.points).toBe("3");
    expect(figure.getAttribute("aria-describedby")).toBe("note");
    expect(figure.querySelector("li")!.textContent).toBe("KSampler");
  });
});

describe("VisuallyHidden", () => {
  it("keeps its text in the page for assistive technology", () => {
    render(VisuallyHidden, { props: { id: "words", children: text("<span>better</span>") } });
    expect(document.getElementById("words")!.textContent).toBe("better");
  });
});
