import { describe, expect, it } from "vitest";

import { regression, regressionReport } from "../testing/regressions";
import { describeChecked, describeMove, describeRule, describeShift, environmentChanged, flagLine } from "./regressions";

describe("regression flags in words", () => {
  it("says the figure that moved, by how much, from what to what, in σ", () => {
    expect(describeShift({ metric: "duration", recent: 4700, median: 3100, stdev: 258, change_percent: 51.6, sigmas: 6.2 })).toBe("+52 % time (3.10 s → 4.70 s, 6.2 σ)");
    expect(describeShift({ metric: "peak_vram", recent: 12 * 1024 ** 3, median: 8 * 1024 ** 3, stdev: 0, change_percent: 50, sigmas: null })).toBe(
      "+50 % peak VRAM (8.0 GiB → 12.0 GiB)",
    );
  });

  it("names the node that moved, its time before and after", () => {
    expect(describeMove({ node_id: "3", class_type: "KSampler", title: null, recent_ms: 2600, usual_ms: 1000, change_ms: 1600 })).toBe(
      "KSampler #3 +1.60 s (1.00 s → 2.60 s)",
    );
  });

  it("the popup's line: how much slower and the node that moved most", () => {
    expect(flagLine(regression())).toBe("52 % slower than usual — KSampler #3 +1.60 s");
    expect(flagLine(regression({ moved_nodes: [] }))).toBe("52 % slower than usual");
    const hungrier = regression({ shifts: [{ metric: "peak_vram", recent: 12, median: 8, stdev: 0.1, change_percent: 50, sigmas: 40 }], moved_nodes: [] });
    expect(flagLine(hungrier)).toBe("50 % more VRAM than usual");
  });

  it("tells an environment change and what was checked", () => {
    expect(environmentChanged(regression())).toBe(true);
    expect(environmentChanged(regression({ recent_environment_id: 1 }))).toBe(false);
    expect(describeChecked(regressionReport({ workflows: [], checked_workflows: 12 }))).toBe("12 workflows checked, none slower or hungrier than usual.");
    expect(describeChecked(regressionReport({ workflows: [], checked_workflows: 0 }))).toMatch(/enough successful runs/);
    expect(describeRule(regressionReport())).toBe("latest 3 runs (median) more than 20 % and 3 σ above the median of the 20 successful runs before");
  });
});
