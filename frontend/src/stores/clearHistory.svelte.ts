// Clear History: ask first, then one guarded request (with the session's token); the server's
// refusal text is shown in the confirmation and in a toast. One state union, changed only here.
import { ApiRequestError } from "../api/errors";
import type { HistoryClearResult, SessionInfo } from "../api/types";
import type { Toast } from "../lib/messages";

export type ClearHistoryState =
  | { kind: "idle" }
  | { kind: "confirming"; error: string | null }
  | { kind: "clearing" };

export interface ClearHistoryDeps {
  getSession(): Promise<SessionInfo>;
  clearHistory(token: string): Promise<HistoryClearResult>;
  /** After a clear: the views read again (the server's history event does too, this is at once). */
  cleared(): void;
  toast(message: Toast): void;
  logError(message: string, error?: unknown): void;
}

export class ClearHistoryController {
  state = $state.raw<ClearHistoryState>({ kind: "idle" });
  #deps: ClearHistoryDeps;

  constructor(deps: ClearHistoryDeps) {
    this.#deps = deps;
  }

  readonly open = $derived(this.state.kind !== "idle");

  /** The button was pressed: ask. */
  request(): void {
    if (this.state.kind === "idle") this.state = { kind: "confirming", error: null };
  }

  cancel(): void {
    if (this.state.kind === "confirming") this.state = { kind: "idle" };
  }

  /** Confirmed: clear. A refusal keeps the question open with the server's reason. */
  async confirm(): Promise<void> {
    if (this.state.kind !== "confirming") return;
    this.state = { kind: "clearing" };
    let refusal: string;
    try {
      const session = await this.#deps.getSession();
      if (!session.actions_allowed || !session.token) {
        refusal = session.actions_refused_reason ?? "Server actions are refused here.";
      } else {
        const result = await this.#deps.clearHistory(session.token);
        this.state = { kind: "idle" };
        this.#deps.cleared();
        const runs = `${result.removed_count} run${result.removed_count === 1 ? "" : "s"}`;
        this.#deps.toast({ severity: "success", summary: "Profiler history cleared", detail: `Forgot ${runs}; archives are kept.`, life: 5000 });
        return;
      }
    } catch (error) {
      refusal = error instanceof ApiRequestError ? error.message : `The server did not answer (${error instanceof Error ? error.message : String(error)}).`;
      this.#deps.logError(`clear history failed: ${refusal}`, error);
    }
    this.state = { kind: "confirming", error: refusal };
    this.#deps.toast({ severity: "error", summary: "Clear history refused", detail: refusal, life: 8000 });
  }
}
