// Whether a workflow runs (the bar glows) and whether the page is hidden (the glow then pauses).
import type { HostEvents } from "../lib/events";
import { glowTransition, IDLE, type GlowEvent, type GlowState } from "../lib/glow";

export interface GlowDeps {
  events: Pick<HostEvents, "onExecution" | "onConnection">;
  /** document.hidden now, and a subscription to visibilitychange. */
  isPageHidden(): boolean;
  onVisibilityChange(listener: () => void): () => void;
}

export class ExecutionGlow {
  state = $state<GlowState>(IDLE);
  pageHidden = $state(false);
  readonly executing = $derived(this.state.kind === "executing");

  #deps: GlowDeps;
  #unsubscribe: (() => void)[] = [];

  constructor(deps: GlowDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.pageHidden = this.#deps.isPageHidden();
    const { events } = this.#deps;
    this.#unsubscribe.push(
      events.onExecution((event) => this.apply(event)),
      events.onConnection((event) => {
        if (event === "reconnecting") this.apply({ type: "reconnecting" });
      }),
      this.#deps.onVisibilityChange(() => (this.pageHidden = this.#deps.isPageHidden())),
    );
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  apply(event: GlowEvent): void {
    const next = glowTransition(this.state, event);
    // Same state object back: no store write, no re-render (`executing` fires once per node).
    if (next !== this.state) this.state = next;
  }
}
