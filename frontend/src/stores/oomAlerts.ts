// The toasts of out-of-memory trouble: a capture stored (where it ran out, what was loaded, a button
// to the OOM tab) and a queued prompt that may not fit (the server's warning, the models to unload
// and a button that asks to unload them through the unload controller). One toast per OOM'd prompt
// and per risky workflow: a second event of either replaces the first.
import type { OomCapturedEvent, OomRisk } from "../api/types";
import { OOM_EVENT, OOM_RISK_EVENT, type HostEvents, type Unsubscribe } from "../lib/events";
import { oomToastText, riskToastText, unloadLabel } from "../lib/oom";
import type { ToastAction, ToastStore } from "./toasts.svelte";
import type { UiModeStore } from "./uiMode.svelte";
import type { UnloadController, UnloadRequest } from "./unload.svelte";

/** How long the toasts stay: long enough to read and press their button. */
export const OOM_TOAST_LIFE_MS = 20_000;
export const RISK_TOAST_LIFE_MS = 30_000;

export interface OomAlertsDeps {
  events: Pick<HostEvents, "onServerEvent">;
  toasts: Pick<ToastStore, "show">;
  /** Opens the modal on the OOM tab; over an open modal, the unload question shows in that tab. */
  ui: Pick<UiModeStore, "openModal" | "selectTab">;
  unload: Pick<UnloadController, "ask">;
}

export class OomAlerts {
  #deps: OomAlertsDeps;
  #unsubscribe: Unsubscribe[] = [];

  constructor(deps: OomAlertsDeps) {
    this.#deps = deps;
  }

  start(): void {
    if (this.#unsubscribe.length > 0) return;
    const { events } = this.#deps;
    this.#unsubscribe.push(
      events.onServerEvent(OOM_EVENT, (event) => this.captured(event)),
      events.onServerEvent(OOM_RISK_EVENT, (event) => this.risky(event.risk)),
    );
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  captured(event: OomCapturedEvent): void {
    const text = oomToastText(event);
    this.#deps.toasts.show({
      ...text,
      severity: "error",
      life: OOM_TOAST_LIFE_MS,
      key: `oom:${event.prompt_id}`,
      actions: [this.#openTab()],
    });
  }

  risky(risk: OomRisk): void {
    const text = riskToastText(risk);
    const actions: ToastAction[] = [];
    if (risk.models_to_unload.length > 0) {
      const request: UnloadRequest = {
        models: risk.models_to_unload.map((m) => ({ name: m.name, bytes: m.loaded_bytes })),
        expectedFreedBytes: null,
        reason: risk.workflow_name ? `for “${risk.workflow_name}”` : null,
      };
      actions.push({ id: "unload", label: unloadLabel(request.models.length), run: () => this.#askUnload(request) });
    }
    actions.push(this.#openTab());
    this.#deps.toasts.show({
      ...text,
      severity: "warn",
      life: RISK_TOAST_LIFE_MS,
      // One warning per workflow: queueing it again brings the newest figures, not a second toast.
      key: `risk:${risk.workflow_hash}`,
      actions,
    });
  }

  #askUnload(request: UnloadRequest): void {
    // Over an open modal the question is asked in its OOM tab (nothing changes when it is closed).
    this.#deps.ui.selectTab("oom");
    this.#deps.unload.ask(request);
  }

  #openTab(): ToastAction {
    return { id: "open-oom-tab", label: "Open the OOM tab", run: () => this.#deps.ui.openModal("oom") };
  }
}
