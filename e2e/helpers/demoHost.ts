// A demo host of a spec's own (python -m backend --demo): history seeded with `seedRuns` past runs
// through the real recorder and store, one live run at start and none for an hour after, so what
// the views show can be checked against what the API answers. Resolves once that live run is stored.
import { expect } from "@playwright/test";

import { StandaloneHostProcess } from "./standaloneHost";

export async function startDemoHost(seedRuns: number): Promise<StandaloneHostProcess> {
  const host = await StandaloneHostProcess.start(["--demo", "--demo-seed-runs", String(seedRuns), "--demo-speed", "50", "--demo-interval", "3600"]);
  await expect
    .poll(
      async () => {
        const response = await fetch(`${host.url}/swissarmyknife/profiler/history?limit=1`);
        return ((await response.json()) as { total: number }).total;
      },
      { timeout: 30_000 },
    )
    .toBe(seedRuns + 1);
  return host;
}
