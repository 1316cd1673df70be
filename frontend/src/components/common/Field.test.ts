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
