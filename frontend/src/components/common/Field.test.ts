import { render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import NumberField from "./NumberField.svelte";
import Select from "./Select.svelte";

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Select", () => {
  it("is a drop-down named by its label, showing the value and telling the one chosen", async () => {
    const onchange = vi.fn();
    render(Select, {
      props: {
        label: "Status",
        value: "error",
        options: [
          { value: "", label: "All statuses" },
          { value: "error", label: "Error" },
        ],
        onchange,
        "data-filter": "status",
      },
    });
    const select = screen.getByRole("combobox", { name: "Status" }) as HTMLSelectElement;
    expect(select.value).toBe("error");
    expect(select.dataset.filter).toBe("status");
    select.value = "";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    expect(onchange).toHaveBeenCalledWith("");
  });

  it("shows the value it is given after a choice, and keeps it while the options change", async () => {
    const options = [
      { value: "", label: "All workflows" },
      { value: "a", label: "Portrait" },
    ];
    const view = render(Select, { props: { label: "Workflow", value: "", options, onchange: vi.fn() } });
    const select = screen.getByRole("combobox", { name: "Workflow" }) as HTMLSelectElement;
    // Chosen by hand, then cleared by the page (Clear filters): the select follows the value.
    select.value = "a";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    await view.rerender({ value: "a" });
    await view.rerender({ value: "" });
    expect(select.value).toBe("");
    // A value whose option comes later (the list still loading), then options around it.
    await view.rerender({ value: "b", options });
    expect(select.selectedIndex).toBe(-1);
    // What a browser does when options are added to a select with none selected: it selects the first.
    select.selectedIndex = 0;
    await view.rerender({ options: [...options, { value: "b", label: "Landscape" }] });
    expect(select.value).toBe("b");
    await view.rerender({ options: [{ value: "b", label: "Landscape" }, { value: "c", label: "Upscale" }, ...options] });
    expect(select.value).toBe("b");
    expect(select.selectedOptions[0]!.textContent).toBe("Landscape");
  });
});

describe("NumberField", () => {
  it("is a number named by its label with its unit, telling the number committed (NaN when empty)", async () => {
    const onchange = vi.fn();
    render(NumberField, { props: { label: "History keeps", unit: "runs", value: 10_000, min: 100, onchange } });
    const input = screen.getByRole("spinbutton", { name: "History keeps" }) as HTMLInputElement;
    expect(input.value).toBe("10000");
    expect(input.min).toBe("100");
    expect(screen.getByText("runs")).toBeTruthy();
    input.value = "2500";
    input.dispatchEvent(new Event("change", { bubbles: true }));
    expect(onchange).toHaveBeenLastCalledWith(2500);
    input.value = "";
    input.dispatchEvent(new Event("change", { bubbles: true }));
    expect(onchange).toHaveBeenLastCalledWith(Number.NaN);
  });
});
