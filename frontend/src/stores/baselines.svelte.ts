// Each workflow's pinned baseline run: which run it is (the marks in Previous and Latest), pinning a
// run (PUT) and unpinning (guarded, DELETE with the session's token), each outcome said in place in
// the server's words; and the baseline's record (kept with the pin, so it outlives the run's stay in
// history), which comparisons start from. Read while a view looks, again after a history change.
import type { Baseline, BaselineCleared, BaselinePage, BaselineSummary, SessionInfo, WorkflowRecord } from "../api/types";
import { ApiRequestError } from "../api/errors";
import { HISTORY_EVENT, type Unsubscribe } from "../lib/events";
import { formatDateTime } from "../lib/format";
import { failureMessage, isNotFound } from "./failure";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";

export type BaselineNotice = { tone: "success" | "error"; text: string; workflowHash: string } | null;

export interface BaselineDeps {
  listBaselines(): Promise<BaselinePage>;
  getBaseline(workflowHash: string): Promise<Baseline>;
  setBaseline(workflowHash: string, promptId: string): Promise<Baseline>;
  clearBaseline(token: string, workflowHash: string): Promise<BaselineCleared>;
  getSession(): Promise<SessionInfo>;
  /** A pin changed: the regression flags (which name the baseline) read again. */
  pinsChanged?(): void;
  events: ServerViewEvents;
  logError(message: string, error?: unknown): void;
}

type Run = Pick<WorkflowRecord, "workflow_hash" | "prompt_id" | "started_at">;

export class BaselineStore extends ServerView {
  /** The pins by workflow hash (null until read). */
  pins = $state.raw<Readonly<Record<string, BaselineSummary>> | null>(null);
  error = $state<string | null>(null);
  /** The workflow whose pin is being changed now. */
  busy = $state<string | null>(null);
  notice = $state.raw<BaselineNotice>(null);

  #deps: BaselineDeps;

  constructor(deps: BaselineDeps) {
    super(deps.events);
    this.#deps = deps;
  }

  protected follow(events: ServerViewEvents): Unsubscribe[] {
    // A loaded archive may bring its own pins' runs back; pins themselves survive a clear.
    return [events.onServerEvent(HISTORY_EVENT, () => this.changed())];
  }

  async refresh(): Promise<void> {
    this.fresh();
    try {
      const page = await this.#deps.listBaselines();
      this.pins = Object.fromEntries(page.data.map((pin) => [pin.workflow_hash, pin]));
      this.error = null;
    } catch (error) {
      this.stale();
      this.#deps.logError("could not read the baselines", error);
      this.error = failureMessage(error);
    }
  }

  of(workflowHash: string): BaselineSummary | null {
    return this.pins?.[workflowHash] ?? null;
  }

  isBaseline(run: Pick<Run, "workflow_hash" | "prompt_id">): boolean {
    return this.of(run.workflow_hash)?.prompt_id === run.prompt_id;
  }

  /** The workflow's baseline with its record; null when none is pinned. */
  async record(workflowHash: string): Promise<WorkflowRecord | null> {
    try {
      return (await this.#deps.getBaseline(workflowHash)).record;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Pin a run as its workflow's baseline (replacing the pin there was). */
  pin(run: Run): Promise<void> {
    return this.#act(run.workflow_hash, async () => {
      await this.#deps.setBaseline(run.workflow_hash, run.prompt_id);
      return `Pinned the run of ${formatDateTime(run.started_at)} as this workflow's baseline.`;
    });
  }

  /** Unpin a workflow's baseline (guarded: the session's token); the run stays in history. */
  unpin(workflowHash: string): Promise<void> {
    return this.#act(workflowHash, async () => {
      const session = await this.#deps.getSession();
      if (!session.actions_allowed || !session.token) throw new Refused(session.actions_refused_reason ?? "Server actions are refused here.");
      await this.#deps.clearBaseline(session.token, workflowHash);
      return "Unpinned the baseline: comparisons start from the older run again.";
    });
  }

  async #act(workflowHash: string, action: () => Promise<string>): Promise<void> {
    if (this.busy !== null) return;
    this.busy = workflowHash;
    this.notice = null;
    try {
      this.notice = { tone: "success", text: await action(), workflowHash };
      this.#deps.pinsChanged?.();
    } catch (error) {
      if (!(error instanceof ApiRequestError) && !(error instanceof Refused)) this.#deps.logError("the baseline was not changed", error);
      this.notice = { tone: "error", text: `Baseline not changed: ${failureMessage(error)}`, workflowHash };
    } finally {
      this.busy = null;
      await this.refresh();
    }
  }
}

class Refused extends Error {}
