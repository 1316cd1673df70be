import { describe, expect, it } from "vitest";

import { gpuInspection } from "../testing/fixtures";
import { inspectionSections } from "./gpuInspection";

describe("inspectionSections", () => {
  it("says every figure in words under the GPU's name, the other processes' memory among them", () => {
    const [figures, processes, models] = inspectionSections(gpuInspection());
    expect(figures![0]).toBe("NVIDIA GeForce RTX 3090 Ti");
    expect(Object.fromEntries(figures![1])).toEqual({
      Driver: "580.95.05",
      CUDA: "13.0",
      "Memory total": "24.0 GiB",
      "Memory used": "20.0 GiB",
      "Memory free": "4.0 GiB",
      "Used by this ComfyUI": "14.0 GiB",
      "Used by other processes": "6.0 GiB",
      Utilization: "95%",
      "Memory controller busy": "57%",
      Temperature: "70°C",
      "Power / limit": "300 / 450 W",
      "SM clock / max": "1,970 / 2,100 MHz",
      "Memory clock": "10,501 MHz",
      Fan: "78%",
    });
    expect(processes).toEqual([
      "Processes",
      [
        ["python (pid 100, compute, this ComfyUI)", "14.0 GiB"],
        ["blender (pid 4242, graphics)", "6.0 GiB"],
      ],
    ]);
    expect(models).toEqual(["ComfyUI's models on it", [["sd_xl_base_1.0", "6.0 GiB"]]]);
  });

  it("shows -- for what the device does not say, on either side of a pair, and for no processes or models", () => {
    const bare = gpuInspection({
      driver_version: null,
      cuda_driver_version: null,
      vram_free_bytes: null,
      this_process_bytes: null,
      other_processes_bytes: null,
      memory_utilization_percent: null,
      power_draw_watts: null,
      graphics_clock_mhz: null,
      max_graphics_clock_mhz: null,
      memory_clock_mhz: null,
      fan_percent: null,
      processes: [{ pid: 7, name: null, used_bytes: null, kind: "compute", this_process: false }],
      models: [],
    });
    const [figures, processes, models] = inspectionSections(bare);
    const byLabel = Object.fromEntries(figures![1]);
    const missing = ["Driver", "CUDA", "Memory free", "Used by this ComfyUI", "Used by other processes", "Memory controller busy", "SM clock / max", "Memory clock", "Fan"];
    for (const label of missing) expect(byLabel[label]).toBe("--");
    expect(byLabel["Power / limit"]).toBe("-- / 450 W");
    expect(processes![1]).toEqual([["-- (pid 7, compute)", "--"]]);
    expect(models![1]).toEqual([["--", ""]]);
  });
});
