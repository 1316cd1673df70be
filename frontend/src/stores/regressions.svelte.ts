// The regression flags (GET /profiler/regressions): workflows and node classes whose latest runs are
// markedly slower or hungrier than their own history, by the rule in the profiler's settings. Read
// while a view looks, again when a run is stored, history changed, a pin or the rule changed, after a
// reconnect; nothing polls. A flag's environment change is read on demand (the diff of the usual
// environment and the recent one).
import type { RegressionReport, WorkflowRegression } from "../api/types";
import type { EnvironmentDiff } from "../lib/environment";
import type { Unsubscribe } from "../lib/events";
import { Coalesced } from "./coalesced";
import type { EnvironmentCache } from "./environments";
import { failureMessage } from "./failure";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";

export const REGRESSION_LIMIT = 50;

export interface RegressionDeps {
  getRegressions(query: { limit: number }): Promise<RegressionReport>;
  environments: EnvironmentCache;
  events: ServerViewEvents;
  logError(message: string, error?: unknown): void;
}

export class RegressionStore extends ServerView {
  report = $state.raw<RegressionReport | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The flag the popup asked to show (its workflow hash): marked and scrolled to. */
  focused = $state<string | null>(null);
  /** Environment differences shown, by workflow hash ("loading" while read). */
  environments = $state.raw<Readonly<Record<string, EnvironmentDiff | "loading">>>({});

  #deps: RegressionDeps;
  #reads = new Coalesced(() => this.#load());

  constructor(deps: RegressionDeps) {
    super(deps.events);
    this.#deps = deps;
  }

  protected follow(events: ServerViewEvents): Unsubscribe[] {
    return this.followHistory(events);
  }

  refresh(): Promise<void> {
    this.fresh();
    return this.#reads.request();
  }

  focus(workflowHash: string | null): void {
    this.focused = workflowHash;
  }

  /** Show (or hide again) what differed between the flagged runs' environment and the usual one. */
  async toggleEnvironment(flag: WorkflowRegression): Promise<void> {
    const hash = flag.workflow_hash;
    if (hash in this.environments) {
      this.#setEnvironment(hash, null);
      return;
    }
    this.#setEnvironment(hash, "loading");
    const diff = await this.#deps.environments.diff(flag.usual_environment_id, flag.recent_environment_id);
    if (hash in this.environments) this.#setEnvironment(hash, diff);
  }

  #setEnvironment(hash: string, value: EnvironmentDiff | "loading" | null): void {
    const { [hash]: _was, ...rest } = this.environments;
    this.environments = value === null ? rest : { ...rest, [hash]: value };
  }

  async #load(): Promise<void> {
    this.loading = true;
    try {
      this.report = await this.#deps.getRegressions({ limit: REGRESSION_LIMIT });
      this.error = null;
    } catch (error) {
      this.stale();
      this.#deps.logError("could not read the regressions", error);
      this.error = failureMessage(error);
    } finally {
      this.loading = false;
    }
  }
}
