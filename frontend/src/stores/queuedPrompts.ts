// The prompts this page queued: each one's node count (the live gauge's total, before the server's
// live record is read) and its saved workflow's name, sent to the server so the run is listed by
// the name users know. Naming is best effort: a failure is logged (once a minute at most) and only
// costs the name.
import type { QueuedPrompt } from "../lib/events";

/** Node counts kept for this many prompts (a queue longer than this waits a while; its run then reads the server's count). */
export const MAX_REMEMBERED_PROMPTS = 200;
const LOG_EVERY_MS = 60_000;

export interface QueuedPromptsDeps {
  /** PUT .../workflows/{prompt_id}/name. */
  nameRun(promptId: string, workflowName: string | null): Promise<unknown>;
  /** The profiler learns the count of a prompt that may be running already (its start can beat the queue's answer). */
  counted(promptId: string, nodeCount: number): void;
  logError(message: string, error?: unknown): void;
  now?(): number;
}

export class QueuedPrompts {
  #deps: QueuedPromptsDeps;
  #counts = new Map<string, number>();
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(deps: QueuedPromptsDeps) {
    this.#deps = deps;
  }

  /** A prompt was queued from this page (host/workflows.ts). */
  queued(prompt: QueuedPrompt): void {
    if (prompt.nodeCount !== null) {
      this.#counts.set(prompt.promptId, prompt.nodeCount);
      // Oldest first in a Map: drop from the front past the bound.
      for (const key of this.#counts.keys()) {
        if (this.#counts.size <= MAX_REMEMBERED_PROMPTS) break;
        this.#counts.delete(key);
      }
      this.#deps.counted(prompt.promptId, prompt.nodeCount);
    }
    // An unsaved workflow has no name to send: the server already reads a missing name as null.
    if (prompt.workflowName === null) return;
    this.#deps.nameRun(prompt.promptId, prompt.workflowName).catch((error: unknown) => this.#failed(prompt.promptId, error));
  }

  nodeCountOf(promptId: string): number | null {
    return this.#counts.get(promptId) ?? null;
  }

  #failed(promptId: string, error: unknown): void {
    const now = (this.#deps.now ?? Date.now)();
    if (now - this.#loggedAt < LOG_EVERY_MS) return;
    this.#loggedAt = now;
    this.#deps.logError(`could not name run ${promptId} (it is listed as an unsaved workflow)`, error);
  }
}
