// Unloading models by name (an OOM recommendation's, or a risky prompt's), shared by the OOM tab and
// the toasts: asked first (the models and the memory it should free), then one guarded request with
// the session's token; the outcome in place and as a toast: what was freed, what was not loaded, or
// the server's refusal in its own words (409 while a workflow runs or waits: it says so).
import { ApiRequestError } from "../api/errors";
import type { SessionInfo, UnloadResult } from "../api/types";
import type { Toast } from "../lib/messages";
import { countOf, describeUnload, UNLOAD_WAITS } from "../lib/oom";
import { failureMessage } from "./failure";

export interface UnloadModel {
  name: string;
  /** What it holds on the device, where known. */
  bytes: number | null;
}

export interface UnloadRequest {
  models: readonly UnloadModel[];
  /** What the server expects it to free (a recommendation's figure; else the models' sum). */
  expectedFreedBytes: number | null;
  /** Why, in a few words: "before KSampler", "for “Text to image (SDXL)”". */
  reason: string | null;
}

export type UnloadState =
  | { kind: "idle" }
  | { kind: "confirming"; request: UnloadRequest }
  | { kind: "unloading"; request: UnloadRequest };

/** The last unload's outcome: the result, or the refusal with what to do about it. */
export type UnloadOutcome =
  | { tone: "success"; text: string; result: UnloadResult }
  | { tone: "error"; text: string; hint: string | null; status: number | null }
  | null;

export interface UnloadDeps {
  getSession(): Promise<SessionInfo>;
  unloadModels(token: string, models: readonly string[]): Promise<UnloadResult>;
  toast(message: Toast): void;
  logError(message: string, error?: unknown): void;
}

export class UnloadController {
  state = $state.raw<UnloadState>({ kind: "idle" });
  outcome = $state.raw<UnloadOutcome>(null);

  #deps: UnloadDeps;

  constructor(deps: UnloadDeps) {
    this.#deps = deps;
  }

  get busy(): boolean {
    return this.state.kind === "unloading";
  }

  /** Ask first: the confirmation names the models and what it should free. */
  ask(request: UnloadRequest): void {
    if (this.state.kind === "unloading" || request.models.length === 0) return;
    this.outcome = null;
    this.state = { kind: "confirming", request };
  }

  cancel(): void {
    if (this.state.kind === "confirming") this.state = { kind: "idle" };
  }

  /** The confirmation's yes: one guarded request, its outcome in place and as a toast. */
  async confirm(): Promise<void> {
    if (this.state.kind !== "confirming") return;
    const { request } = this.state;
    this.state = { kind: "unloading", request };
    try {
      const session = await this.#deps.getSession();
      if (!session.actions_allowed || !session.token) {
        this.#refused(session.actions_refused_reason ?? "Server actions are refused here.", null, null);
        return;
      }
      const result = await this.#deps.unloadModels(
        session.token,
        request.models.map((m) => m.name),
      );
      const text = describeUnload(result);
      this.outcome = { tone: "success", text, result };
      this.#deps.toast({
        severity: result.unloaded.length > 0 ? "success" : "info",
        summary: result.unloaded.length > 0 ? `${countOf(result.unloaded.length, "model")} unloaded` : "Nothing to unload",
        detail: text,
        life: 6000,
      });
    } catch (error) {
      // A refusal is the server's answer (shown in its words); anything else is worth a log line too.
      if (!(error instanceof ApiRequestError)) this.#deps.logError("unloading models failed", error);
      const status = error instanceof ApiRequestError ? error.status : null;
      this.#refused(failureMessage(error), status === 409 ? UNLOAD_WAITS : null, status);
    } finally {
      this.state = { kind: "idle" };
    }
  }

  #refused(text: string, hint: string | null, status: number | null): void {
    this.outcome = { tone: "error", text, hint, status };
    this.#deps.toast({
      severity: status === 409 ? "warn" : "error",
      summary: "Models not unloaded",
      detail: hint ? `${text}. ${hint}` : text,
      life: 8000,
    });
  }
}
