// Starts and stops a standalone host process of its own (python -m backend) on a free port, so a
// test can kill it and bring it back on the same port. Processes are stopped by pid, never by name.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const PYTHON = process.env.SWISSARMYKNIFE_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export class StandaloneHostProcess {
  readonly dataDir = mkdtempSync(path.join(tmpdir(), "swissarmyknife-e2e-own-"));
  #child: ChildProcess | null = null;
  #log: string[] = [];

  private constructor(
    readonly port: number,
    readonly extraArgs: string[],
  ) {}

  /** `prepare` fills the host's data folder before it starts (a prefilled history, say). */
  static async start(extraArgs: string[] = ["--fake-gpus"], prepare?: (dataDir: string) => void): Promise<StandaloneHostProcess> {
    const host = new StandaloneHostProcess(await freePort(), extraArgs);
    prepare?.(host.dataDir);
    await host.start();
    return host;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the process (again, on the same port and data folder) and waits until it answers. */
  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn(PYTHON, ["-m", "backend", "--port", String(this.port), "--data-dir", this.dataDir, ...this.extraArgs], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    child.stdout?.on("data", (chunk: Buffer) => this.#log.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => this.#log.push(chunk.toString()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`standalone host exited early:\n${this.#log.join("")}`);
      try {
        const response = await fetch(`${this.url}/swissarmyknife/monitor/status`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(`standalone host did not answer within ${START_TIMEOUT_MS} ms:\n${this.#log.join("")}`);
  }

  /** Stops the process by its pid (SIGTERM, then SIGKILL) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    this.#child = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
