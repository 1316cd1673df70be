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
  it("is a figure named by its caption, its other attributes on it", () => {
    render(Figure, { props: { title: "Slowest node classes", "data-kind": "ranking", children: text("<ol><li>KSampler</li></ol>") } });
    const figure = screen.getByRole("figure", { name: "Slowest node classes" });
    expect(figure.dataset.kind).toBe("ranking");
    expect(figure.querySelector("li")!.textContent).toBe("KSampler");
  });
});

describe("VisuallyHidden", () => {
  it("keeps its text in the page for assistive technology", () => {
    render(VisuallyHidden, { props: { id: "words", children: text("<span>better</span>") } });
    expect(document.getElementById("words")!.textContent).toBe("better");
  });
});
