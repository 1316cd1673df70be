// Clear VRAM: one request (with the session's token) and a toast saying what was freed, or why not.
import { ApiRequestError } from "../api/errors";
import type { ClearVramResult, SessionInfo } from "../api/types";
import { describeFreed, type Toast } from "../lib/messages";

export type ClearVramState = { kind: "idle" } | { kind: "clearing" };

export interface ClearVramDeps {
  getSession(): Promise<SessionInfo>;
  postClearVram(token: string): Promise<ClearVramResult>;
  toast(message: Toast): void;
  logError(message: string, error?: unknown): void;
}

export class ClearVramController {
  state = $state<ClearVramState>({ kind: "idle" });
  /** The last result, for the button's tooltip. */
  last = $state<ClearVramResult | null>(null);
  #deps: ClearVramDeps;

  constructor(deps: ClearVramDeps) {
    this.#deps = deps;
  }

  get busy(): boolean {
    return this.state.kind === "clearing";
  }

  async clear(): Promise<void> {
    if (this.state.kind !== "idle") return;
    this.state = { kind: "clearing" };
    try {
      const session = await this.#deps.getSession();
      if (!session.actions_allowed || !session.token) {
        this.#error("Clear VRAM is disabled on this server", session.actions_refused_reason ?? "Server actions are refused here.");
        return;
      }
      const result = await this.#deps.postClearVram(session.token);
      this.last = result;
      this.#deps.toast({ severity: "success", summary: "VRAM cleared", detail: describeFreed(result), life: 6000 });
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 409) {
        this.#deps.toast({ severity: "warn", summary: "Clear VRAM refused", detail: error.message, life: 6000 });
        return;
      }
      this.#error("Clear VRAM failed", error instanceof Error ? error.message : String(error), error);
    } finally {
      this.state = { kind: "idle" };
    }
  }

  #error(summary: string, detail: string, error?: unknown): void {
    this.#deps.logError(`${summary}: ${detail}`, error);
    this.#deps.toast({ severity: "error", summary, detail, life: 8000 });
  }
}
