// Where the e2e benchmarks put their reports, and the machine they ran on: each report goes to
// artifacts/bench/, and with SWISSARMYKNIFE_BENCH_RECORD=1 also to bench/results/ (committed).
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** The report's closing "Machine" section: the OS, the cores, the CPU, Node and the browser. */
export function machineSection(browserVersion: string): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `## Machine

- ${os.type()} ${os.release()} ${os.arch()}, ${os.cpus().length} logical cores, ${cpu}
- Node ${process.version}, chromium ${browserVersion} (headless, --disable-gpu)
`;
}

/** Writes `report` as `fileName` (e.g. "hud_update_cost.md") and prints it; returns the paths written. */
export function writeBenchReport(fileName: string, report: string): string[] {
  const outputs = [path.join(ROOT, "artifacts", "bench", fileName)];
  if (process.env.SWISSARMYKNIFE_BENCH_RECORD === "1") outputs.push(path.join(ROOT, "bench", "results", fileName));
  for (const file of outputs) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, report);
  }
  console.log(report);
  return outputs;
}
