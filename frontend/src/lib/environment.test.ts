import { describe, expect, it } from "vitest";

import { fingerprint } from "../testing/regressions";
import { diffSides, environmentChanges, flagChanges } from "./environment";

describe("environment differences", () => {
  it("lists only the fields that differ, in words", () => {
    const after = fingerprint({ torch_version: "2.13.0", gpu_driver_version: "580.1", launch_flags: [{ name: "--lowvram", value: null }] });
    expect(environmentChanges(fingerprint(), after)).toEqual(["torch 2.12.0 → 2.13.0", "GPU driver 570.86 → 580.1", "--lowvram added"]);
    expect(environmentChanges(fingerprint(), fingerprint())).toEqual([]);
  });

  it("says a missing value as none and GPUs joined", () => {
    const after = fingerprint({ cuda_version: null, gpu_names: ["A", "B"] });
    expect(environmentChanges(fingerprint(), after)).toEqual(["CUDA 12.8 → none", "GPUs NVIDIA GeForce RTX 4090 → A, B"]);
  });

  it("tells flags added, removed and changed in value", () => {
    const before = [
      { name: "--reserve-vram", value: "2" },
      { name: "--highvram", value: null },
    ];
    const after = [
      { name: "--reserve-vram", value: "4" },
      { name: "--cache-lru", value: "10" },
    ];
    expect(flagChanges(before, after)).toEqual(["--reserve-vram 2 → 4", "--cache-lru 10 added", "--highvram removed"]);
  });

  it("one id is the same environment; an unrecorded side says which", () => {
    const known = { kind: "known", fingerprint: fingerprint() } as const;
    expect(diffSides(known, known, true)).toEqual({ kind: "same" });
    expect(diffSides({ kind: "unknown", why: "not recorded" }, known, false)).toEqual({ kind: "unknown", why: "before: not recorded" });
    expect(diffSides(known, { kind: "unknown", why: "not recorded" }, false)).toEqual({ kind: "unknown", why: "after: not recorded" });
    expect(diffSides(known, { kind: "known", fingerprint: fingerprint({ python_version: "3.13.1" }) }, false)).toEqual({
      kind: "changed",
      lines: ["Python 3.12.3 → 3.13.1"],
    });
  });
});
