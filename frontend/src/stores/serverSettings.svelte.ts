// Settings the server holds, shown as ComfyUI settings (the monitor's sample interval; the
// profiler's recording and VRAM levels): they apply to every page and survive restarts, so the
// ComfyUI setting follows the server and a change is PUT to it. One store per endpoint.
import type { HostEvents } from "../lib/events";
import { failureMessage } from "./failure";

/** A ComfyUI setting kept in a server field; `label` names it in a refusal ("Sample interval not changed"). */
export interface ServerField<S> {
  id: string;
  key: keyof S & string;
  label: string;
}

export interface ServerSettingsDeps<S extends object> {
  getSettings(): Promise<S>;
  updateSettings(update: NoInfer<Partial<S>>): Promise<S>;
  fields: readonly ServerField<S>[];
  /** Why the server refuses a change of this field now (the operator locked the profiler off), or null. */
  lockedReason?(settings: S, key: keyof S): string | null;
  /** The setting's value as the frontend holds it (undefined without a settings API). */
  readSetting(id: string): unknown;
  /** Show the server's value in ComfyUI's settings (no-op without a settings API). */
  writeSetting(id: string, value: unknown): void;
  events: Pick<HostEvents, "onConnection">;
  notifyError(summary: string, detail: string): void;
}

export class ServerSettingsStore<S extends object> {
  /** What the server last said; null until the first answer. */
  server = $state.raw<S | null>(null);

  #deps: ServerSettingsDeps<S>;
  #wanted: Partial<S> = {};
  #drain: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;
  #echo = false;

  constructor(deps: ServerSettingsDeps<S>) {
    this.#deps = deps;
  }

  /** Learn the server's values (and show them in the settings); a reconnect asks again. */
  start(): Promise<void> {
    this.#unsubscribe ??= this.#deps.events.onConnection((event) => {
      if (event === "reconnected") void this.refresh();
    });
    return this.refresh();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** The server's values; unanswered, the settings keep what they show until it answers (a reconnect asks again). */
  async refresh(): Promise<void> {
    try {
      this.#accept(await this.#deps.getSettings());
    } catch {
      // Nothing to show: the server did not answer.
    }
  }

  /** Why a change of this setting is refused now (the server's lock), or null. */
  lockedReason(id: string): string | null {
    const field = this.#field(id);
    return field && this.server ? (this.#deps.lockedReason?.(this.server, field.key) ?? null) : null;
  }

  /** The setting's onChange. Its first call (at registration, no old value) only reports the stored value. */
  onSettingChange(id: string, value: unknown, oldValue: unknown): void {
    const field = this.#field(id);
    // Our own write of the server's value comes back here: nothing to send.
    if (!field || oldValue === undefined || this.#echo) return;
    const server = this.server;
    const locked = this.lockedReason(id);
    if (server && locked !== null) {
      this.#deps.notifyError(`${field.label} not changed`, locked);
      // After ComfyUI has stored the refused value (1.27 and 1.45 store it after onChange returns).
      queueMicrotask(() => this.#show(field, server));
      return;
    }
    // The server checks the value (its type, its range) and says why when it refuses it.
    if (server && value === server[field.key] && this.#drain === null) return;
    this.#wanted = { ...this.#wanted, [field.key]: value };
    this.#drain ??= this.#send().finally(() => (this.#drain = null));
  }

  /** Resolves when every change asked for so far was answered (tests, shutdown). */
  settled(): Promise<void> {
    return this.#drain ?? Promise.resolve();
  }

  // One request at a time with the latest value of each field: a dragged slider sends its last position.
  async #send(): Promise<void> {
    while (Object.keys(this.#wanted).length > 0) {
      const update = this.#wanted;
      this.#wanted = {};
      try {
        this.#accept(await this.#deps.updateSettings(update));
      } catch (error) {
        const refused = this.#deps.fields.filter((f) => f.key in update);
        this.#deps.notifyError(`${refused.map((f) => f.label).join(", ")} not changed`, failureMessage(error));
        // Put the controls back to what the server really uses.
        if (this.server) this.#accept(this.server);
      }
    }
  }

  #accept(settings: S): void {
    this.server = settings;
    for (const field of this.#deps.fields) if (!(field.key in this.#wanted)) this.#show(field, settings);
  }

  #show(field: ServerField<S>, settings: S): void {
    const value = settings[field.key];
    const shown = this.#deps.readSetting(field.id);
    if (value === undefined || shown === undefined || shown === value) return;
    this.#echo = true;
    try {
      this.#deps.writeSetting(field.id, value);
    } finally {
      this.#echo = false;
    }
  }

  #field(id: string): ServerField<S> | undefined {
    return this.#deps.fields.find((f) => f.id === id);
  }
}
