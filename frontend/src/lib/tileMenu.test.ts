import { describe, expect, it } from "vitest";

import { GIB, gpuDevice, snapshot, status } from "../testing/fixtures";
import { buildTileGroups } from "./tiles";
import { findTile, summaryText, tileText } from "./tileMenu";

function twoGpus() {
  const s = status();
  const second = { index: 1, utilization_percent: null, vram_used_bytes: 4 * GIB, vram_total_bytes: 48 * GIB, temperature_c: 41, power_draw_watts: null, power_limit_watts: null };
  const groups = buildTileGroups(
    { ...s, gpu: { ...s.gpu, devices: [gpuDevice(0, "NVIDIA GeForce RTX 3090 Ti", 24), gpuDevice(1, "NVIDIA RTX A6000", 48)] } },
    snapshot({ gpus: [snapshot().gpus[0]!, second] }),
  );
  return groups;
}

describe("tile menu texts", () => {
  it("copies one tile as its full name and value", () => {
    expect(tileText(findTile(twoGpus(), "vram-0"))).toBe("VRAM 0 (3090Ti): 20.0/24 GiB");
    expect(findTile(twoGpus(), "vram-9")).toBeUndefined();
    expect(tileText(undefined)).toBeUndefined();
  });

  it("summarises every metric on one line, a missing one as --", () => {
    expect(summaryText(twoGpus())).toBe(
      "CPU 42% · RAM 12.0/32 GiB · CPU TEMP 61°C · GPU0 95% 20.0/24 GiB 70°C · GPU1 -- 4.0/48 GiB 41°C",
    );
    expect(summaryText([])).toBe("");
  });
});
