import { fireEvent, render } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { CustomSetting } from "../../../lib/settings";
import { sampleDefinitions, settingsPanel } from "../../../testing/settings";
import SettingField from "./SettingField.svelte";

afterEach(() => {
  document.body.innerHTML = "";
});

describe("SettingField", () => {
  it("greys out a setting the server locked, saying why in place of its tooltip", async () => {
    const { panel, registered } = settingsPanel(sampleDefinitions(), (id) => (id === "t.record" ? "SWISSARMYKNIFE_PROFILER=0 turns the profiler off" : null));
    render(SettingField, { props: { panel, definition: registered.find((d) => d.id === "t.record")! } });
    const box = document.querySelector<HTMLInputElement>('[data-setting="t.record"]')!;
    expect(box.disabled).toBe(true);
    const row = document.querySelector<HTMLElement>(".swissarmyknife-setting")!;
    expect(row.dataset.locked).toBe("true");
    expect(row.querySelector("p")!.textContent).toBe("SWISSARMYKNIFE_PROFILER=0 turns the profiler off");
  });

  it("sends nothing for an emptied number field", async () => {
    const { panel, registered, write } = settingsPanel();
    render(SettingField, { props: { panel, definition: registered.find((d) => d.id === "t.interval")! } });
    const field = document.querySelector<HTMLInputElement>('[data-setting="t.interval"]')!;
    await fireEvent.input(field, { target: { value: "" } });
    await fireEvent.change(field);
    expect(write).not.toHaveBeenCalled();
  });

  it("writes a text setting when it is committed", async () => {
    const { panel, registered, write } = settingsPanel();
    render(SettingField, { props: { panel, definition: registered.find((d) => d.id === "t.label")! } });
    const field = document.querySelector<HTMLInputElement>('[data-setting="t.label"]')!;
    await fireEvent.input(field, { target: { value: "mine" } });
    await fireEvent.change(field);
    expect(write).toHaveBeenCalledWith("t.label", "mine");
    expect(panel.value("t.label")).toBe("mine");
  });

  it("draws a custom renderer's element once, with the name, a setter, the value and attrs", async () => {
    const drawn = document.createElement("em");
    const draw: CustomSetting = vi.fn(() => drawn);
    const definitions = [...sampleDefinitions(), { id: "t.custom", name: "Custom", type: draw, defaultValue: "a", attrs: { size: 2 } }];
    const { panel, registered, write } = settingsPanel(definitions);
    render(SettingField, { props: { panel, definition: registered.find((d) => d.id === "t.custom")! } });
    expect(document.querySelector('[data-setting="t.custom"]')!.contains(drawn)).toBe(true);
    expect(draw).toHaveBeenCalledOnce();
    const [name, set, value, attrs] = vi.mocked(draw).mock.calls[0]!;
    expect([name, value, attrs]).toEqual(["Custom", "a", { size: 2 }]);
    // Its own element shows a change itself: the setter writes it, nothing is drawn again.
    set("b");
    flushSync();
    expect(write).toHaveBeenCalledWith("t.custom", "b");
    expect(draw).toHaveBeenCalledOnce();
  });
});
