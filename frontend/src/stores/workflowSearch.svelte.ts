// The workflow filter's search: the filter lists the newest 500 workflows, so an older one is found
// by a part of its name, which the server matches over every workflow (`?name=`). Typing waits a
// moment before it asks (one request per pause, not per key); an answer to an older text is
// dropped; a workflow picked from the matches keeps its name in the filter after the search is cleared.
import type { WorkflowAverage, WorkflowAveragePage } from "../api/types";
import { failureMessage } from "./failure";

/** The matches asked for at most (the API's most). */
export const SEARCH_LIMIT = 500;
export const SEARCH_DELAY_MS = 250;

export interface WorkflowSearchDeps {
  getWorkflowStats(limit: number, name?: string | null): Promise<WorkflowAveragePage>;
  logError(message: string, error?: unknown): void;
  /** setTimeout and clearTimeout (tests hand manual ones). */
  timers?: { set(callback: () => void, ms: number): unknown; clear(handle: unknown): void };
}

export class WorkflowSearch {
  /** The text typed (trimmed when sent). */
  text = $state("");
  /** The workflows whose name contains it, most recently run first; null while no text is given. */
  matches = $state.raw<readonly WorkflowAverage[] | null>(null);
  searching = $state(false);
  error = $state<string | null>(null);
  /** Workflows picked from the matches: their names stay known. */
  picked = $state.raw<readonly WorkflowAverage[]>([]);

  #deps: WorkflowSearchDeps;
  #timer: unknown = null;
  #generation = 0;

  constructor(deps: WorkflowSearchDeps) {
    this.#deps = deps;
  }

  /** The text changed: search after a short pause (at once for an empty text, which ends the search). */
  type(text: string): void {
    this.text = text;
    this.#cancelTimer();
    if (text.trim() === "") {
      this.#generation++;
      this.matches = null;
      this.searching = false;
      this.error = null;
      return;
    }
    const timers = this.#deps.timers;
    const run = () => {
      this.#timer = null;
      void this.search();
    };
    this.#timer = timers ? timers.set(run, SEARCH_DELAY_MS) : setTimeout(run, SEARCH_DELAY_MS);
  }

  /** Ask the server now for the workflows matching the text (again after history changed, say). */
  async search(): Promise<void> {
    const name = this.text.trim();
    if (name === "") return;
    const generation = ++this.#generation;
    this.searching = true;
    try {
      const page = await this.#deps.getWorkflowStats(SEARCH_LIMIT, name);
      if (generation !== this.#generation) return;
      this.matches = page.data;
      this.error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#deps.logError("could not search the workflows", error);
      this.error = failureMessage(error);
    } finally {
      if (generation === this.#generation) this.searching = false;
    }
  }

  /** A workflow was chosen in the filter: one from the matches keeps its name known. */
  choose(workflowHash: string | null): void {
    const match = workflowHash ? this.matches?.find((w) => w.workflow_hash === workflowHash) : undefined;
    if (match) this.picked = [match, ...this.picked.filter((w) => w.workflow_hash !== match.workflow_hash)];
  }

  /** The filter's list: the matches while searching, else the newest workflows given. */
  options(newest: readonly WorkflowAverage[]): readonly WorkflowAverage[] {
    return this.matches ?? newest;
  }

  /** A workflow by hash among the matches or those picked from them. */
  known(workflowHash: string): WorkflowAverage | undefined {
    return this.matches?.find((w) => w.workflow_hash === workflowHash) ?? this.picked.find((w) => w.workflow_hash === workflowHash);
  }

  #cancelTimer(): void {
    if (this.#timer === null) return;
    const timers = this.#deps.timers;
    if (timers) timers.clear(this.#timer);
    else clearTimeout(this.#timer as ReturnType<typeof setTimeout>);
    this.#timer = null;
  }
}
