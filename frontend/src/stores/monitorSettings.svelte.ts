// The sample interval: ComfyUI's setting is the control, the server holds the value (it applies to
// every page and survives restarts), so the setting follows the server and changes are PUT to it.
import type { MonitorSettings, MonitorSettingsUpdate } from "../api/types";
import type { HostEvents } from "../lib/events";
import { INTERVAL_SETTING } from "../lib/settingIds";

export interface MonitorSettingsDeps {
  getSettings(): Promise<MonitorSettings>;
  updateSettings(update: MonitorSettingsUpdate): Promise<MonitorSettings>;
  /** The setting's value as the frontend holds it (undefined without a settings API). */
  readSetting(id: string): unknown;
  /** Show the server's value in ComfyUI's settings (no-op without a settings API). */
  writeSetting(id: string, value: number): void;
  events: Pick<HostEvents, "onConnection">;
  notifyError(summary: string, detail: string): void;
}

export class MonitorSettingsStore {
  /** What the server last said; null until the first answer. */
  server = $state<MonitorSettings | null>(null);
  /** The value being sent, or null when nothing is in flight. */
  pending = $state<number | null>(null);
  error = $state<string | null>(null);

  #deps: MonitorSettingsDeps;
  #wanted: number | null = null;
  #drain: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;
  #echo = false;

  constructor(deps: MonitorSettingsDeps) {
    this.#deps = deps;
  }

  /** Learn the server's value (and show it in the setting); a reconnect asks again. */
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

  async refresh(): Promise<void> {
    try {
      this.#accept(await this.#deps.getSettings());
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  /** The setting's onChange. Its first call (at registration, no old value) only reports the stored value. */
  onSettingChange(value: unknown, oldValue: unknown): void {
    // Our own write of the server's value comes back here: nothing to send.
    if (oldValue === undefined || this.#echo) return;
    const seconds = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(seconds)) return;
    if (this.server && seconds === this.server.sample_interval_s && this.#drain === null) return;
    this.#wanted = seconds;
    this.#drain ??= this.#send().finally(() => (this.#drain = null));
  }

  /** Resolves when every change asked for so far was answered (tests, shutdown). */
  settled(): Promise<void> {
    return this.#drain ?? Promise.resolve();
  }

  // One request at a time, always the latest value: a dragged slider sends its last position.
  async #send(): Promise<void> {
    while (this.#wanted !== null) {
      const seconds = this.#wanted;
      this.#wanted = null;
      this.pending = seconds;
      try {
        this.#accept(await this.#deps.updateSettings({ sample_interval_s: seconds }));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.error = message;
        this.#deps.notifyError("Sample interval not changed", message);
        // Put the control back to what the server really uses.
        if (this.server && this.#wanted === null) this.#show(this.server.sample_interval_s);
      }
    }
    this.pending = null;
  }

  #accept(settings: MonitorSettings): void {
    this.server = settings;
    this.error = null;
    if (this.#wanted !== null) return;
    const shown = this.#deps.readSetting(INTERVAL_SETTING);
    if (shown !== undefined && shown !== settings.sample_interval_s) this.#show(settings.sample_interval_s);
  }

  #show(seconds: number): void {
    this.#echo = true;
    try {
      this.#deps.writeSetting(INTERVAL_SETTING, seconds);
    } finally {
      this.#echo = false;
    }
  }
}
