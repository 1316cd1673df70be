import { fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import Menu from "./Menu.svelte";

function setUp(at: { x: number; y: number } | null = { x: 100, y: 50 }) {
  const onclose = vi.fn();
  const runs: string[] = [];
  const items = ["Copy value", "Copy summary", "Hide this tile"].map((label) => ({ label, run: () => runs.push(label) }));
  const outside = document.createElement("button");
  document.body.append(outside);
  const view = render(Menu, { props: { at, label: "CPU menu", items, onclose } });
  flushSync();
  return { onclose, runs, outside, view };
}

const item = (name: string) => screen.getByRole("menuitem", { name });

afterEach(() => {
  document.body.innerHTML = "";
});

describe("Menu", () => {
  it("renders nothing while closed", () => {
    setUp(null);
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("opens as a named menu of menuitems at the point, its first item focused", () => {
    setUp();
    const menu = screen.getByRole("menu", { name: "CPU menu" });
    expect(screen.getAllByRole("menuitem").map((el) => el.textContent)).toEqual(["Copy value", "Copy summary", "Hide this tile"]);
    expect(document.activeElement).toBe(item("Copy value"));
    expect([menu.style.left, menu.style.top]).toEqual(["100px", "50px"]);
  });

  it("opens above a point at the bottom of the window and inside its right edge", () => {
    const box = { left: 0, top: 0, width: 160, height: 90 };
    const spy = vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockReturnValue({ ...box, x: 0, y: 0, right: 160, bottom: 90, toJSON: () => box } as DOMRect);
    setUp({ x: window.innerWidth - 10, y: window.innerHeight - 20 });
    const menu = screen.getByRole("menu");
    expect(menu.style.left).toBe(`${window.innerWidth - 164}px`);
    expect(menu.style.top).toBe(`${window.innerHeight - 110}px`);
    spy.mockRestore();
  });

  it("moves with the arrows, wrapping, and Home and End; its keys go no further", async () => {
    setUp();
    const menu = screen.getByRole("menu");
    const outer = vi.fn();
    window.addEventListener("keydown", outer);
    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(item("Copy summary"));
    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(item("Copy value"));
    await fireEvent.keyDown(menu, { key: "ArrowUp" });
    expect(document.activeElement).toBe(item("Hide this tile"));
    await fireEvent.keyDown(menu, { key: "Home" });
    expect(document.activeElement).toBe(item("Copy value"));
    await fireEvent.keyDown(menu, { key: "End" });
    expect(document.activeElement).toBe(item("Hide this tile"));
    expect(outer).not.toHaveBeenCalled();
    window.removeEventListener("keydown", outer);
  });

  it("runs an item and closes, giving focus back", async () => {
    const { onclose, runs } = setUp();
    await fireEvent.click(item("Copy summary"));
    expect(runs).toEqual(["Copy summary"]);
    expect(onclose).toHaveBeenCalledWith(true);
  });

  it("closes on Escape and Tab, giving focus back, and on a pointer outside, leaving it", async () => {
    const { onclose, outside } = setUp();
    await fireEvent.keyDown(screen.getByRole("menu"), { key: "Escape" });
    await fireEvent.keyDown(screen.getByRole("menu"), { key: "Tab" });
    expect(onclose.mock.calls).toEqual([[true], [true]]);
    await fireEvent.pointerDown(item("Copy value"));
    expect(onclose).toHaveBeenCalledTimes(2);
    await fireEvent.pointerDown(outside);
    expect(onclose).toHaveBeenLastCalledWith(false);
  });
});
