// End-to-end tests drive Debian's chromium against the standalone host (python -m backend).
// Two hosts: one simulating two GPUs of different models, one with this machine's real telemetry.
import { defineConfig } from "@playwright/test";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const PYTHON = process.env.SWISSARMYKNIFE_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");
// Parallel checkouts on one machine each pick their own base (SWISSARMYKNIFE_E2E_PORT=18300, ...).
const PORT_BASE = Number(process.env.SWISSARMYKNIFE_E2E_PORT ?? 18198);
export const REAL_PORT = PORT_BASE;
export const FAKE_GPU_PORT = PORT_BASE + 1;
// The demo host: fake GPUs, history seeded with past runs, a live run every few seconds (10x speed).
export const DEMO_PORT = PORT_BASE + 2;

// Each host's data folder (its history database, archives): kept after a run for a look at what
// the host wrote, emptied when the next run starts. Playwright loads this file again in every
// worker process (TEST_WORKER_INDEX set), while the hosts run: only the runner empties it.
function freshDataDir(name: string): string {
  const dataDir = path.join(ROOT, "artifacts", "e2e", "hosts", name);
  if (process.env.TEST_WORKER_INDEX === undefined) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
  }
  return dataDir;
}

function host(name: string, port: number, extra: string[]) {
  const dataDir = freshDataDir(name);
  return {
    command: [PYTHON, "-m", "backend", "--port", String(port), "--data-dir", dataDir, ...extra].join(" "),
    cwd: ROOT,
    url: `http://127.0.0.1:${port}/swissarmyknife/monitor/status`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
  };
}

export default defineConfig({
  testDir: "./specs",
  outputDir: "../artifacts/e2e/results",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"], ["html", { outputFolder: "../artifacts/e2e/report", open: "never" }]],
  use: {
    browserName: "chromium",
    headless: true,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
      ],
    },
  },
  projects: [
    { name: "fake-gpus", use: { baseURL: `http://127.0.0.1:${FAKE_GPU_PORT}` }, testIgnore: /real-host|demo-/ },
    { name: "real-host", use: { baseURL: `http://127.0.0.1:${REAL_PORT}` }, testMatch: /real-host/ },
    // Specs named demo-*.spec.ts run against the demo host (python -m backend --demo).
    { name: "demo", use: { baseURL: `http://127.0.0.1:${DEMO_PORT}` }, testMatch: /demo-/ },
  ],
  webServer: [
    host("fake-gpus", FAKE_GPU_PORT, ["--fake-gpus"]),
    host("real-host", REAL_PORT, []),
    host("demo", DEMO_PORT, ["--demo", "--demo-speed", "10", "--demo-interval", "5"]),
  ],
});
