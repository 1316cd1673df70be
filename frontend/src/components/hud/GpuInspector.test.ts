import { fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import { gpuInspection } from "../../testing/fixtures";
import { FakePage } from "../../testing/hud";
import { GpuInspectorStore } from "../../stores/gpuInspector.svelte";
import GpuInspector from "./GpuInspector.svelte";

function renderInspector(inspect = vi.fn(async () => gpuInspection())) {
  const page = new FakePage();
  const inspector = new GpuInspectorStore({ inspectGpu: inspect, isPageHidden: page.isPageHidden, onVisibilityChange: page.onVisibilityChange });
  render(GpuInspector, { props: { inspector } });
  return { inspector, inspect };
}

/** The figure's text beside its label. */
const figure = (label: string) => [...document.querySelectorAll("dt")].find((dt) => dt.textContent === label)?.nextElementSibling?.textContent;

afterEach(() => {
  document.body.innerHTML = "";
});

describe("GpuInspector", () => {
  it("shows nothing until opened, then the GPU's figures, processes (ours marked) and models", async () => {
    const { inspector } = renderInspector();
    expect(screen.queryByRole("dialog")).toBeNull();
    inspector.open(0);
    const dialog = await screen.findByRole("dialog", { name: "GPU 0" });
    await vi.waitFor(() => expect(figure("Used by other processes")).toBe("6.0 GiB"));
    expect(figure("Driver")).toBe("580.95.05");
    expect(figure("Power / limit")).toBe("300 / 450 W");
    expect(screen.getByRole("heading", { name: "NVIDIA GeForce RTX 3090 Ti" })).toBeTruthy();
    expect(figure("python (pid 100, compute, this ComfyUI)")).toBe("14.0 GiB");
    expect(figure("blender (pid 4242, graphics)")).toBe("6.0 GiB");
    expect(figure("sd_xl_base_1.0")).toBe("6.0 GiB");
    inspector.close();
    await vi.waitFor(() => expect(dialog.isConnected).toBe(false));
  });

  it("shows -- for a missing figure and for no processes or models", async () => {
    const { inspector } = renderInspector(vi.fn(async () => gpuInspection({ fan_percent: null, processes: [], models: [] })));
    inspector.open(0);
    await vi.waitFor(() => expect(figure("Fan")).toBe("--"));
    for (const name of ["Processes", "ComfyUI's models on it"]) expect(document.querySelector(`dl[aria-label="${name}"]`)?.textContent?.trim()).toBe("--");
  });

  it("says why a read failed; Escape and the close button close it, keys stay out of ComfyUI", async () => {
    const { inspector } = renderInspector(vi.fn(async () => Promise.reject(new Error("no GPU 3 here (GPUs: 0, 1)"))));
    const seen = vi.fn();
    document.addEventListener("keydown", seen);
    inspector.open(3);
    await vi.waitFor(() => expect(screen.getByRole("status").textContent).toBe("Could not read it: no GPU 3 here (GPUs: 0, 1)"));
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(inspector.state.kind).toBe("closed");
    expect(seen).not.toHaveBeenCalled();
    inspector.open(3);
    await fireEvent.click(await screen.findByRole("button", { name: "Close" }));
    expect(inspector.state.kind).toBe("closed");
    document.removeEventListener("keydown", seen);
  });
});
