// The Settings tab: the profiler's settings on the server (accurate GPU timing, how many runs history
// keeps, the regression rule; recording and the VRAM levels are ComfyUI settings, stores/serverSettings)
// and its archives (list; create, load and delete with the session's
// token). Loading or deleting asks first; every guarded action says in place what the server
// answered, its refusal text included, and a change to history tells the root (historyChanged),
// which refreshes every open view. It reads only while a view looks, and again when history changed.
import type { ArchiveInfo, ArchiveLoadResult, ArchivePage, ProfilerSettings, ProfilerSettingsUpdate, SessionInfo } from "../api/types";
import { ApiRequestError } from "../api/errors";
import { HISTORY_EVENT, type Unsubscribe } from "../lib/events";
import { formatCount } from "../lib/format";
import type { Toast } from "../lib/messages";
import { Coalesced } from "./coalesced";
import { failureMessage } from "./failure";
import { ServerView, type ServerViewEvents } from "./serverView.svelte";

export type ArchiveAction = "create" | "load" | "delete";
/** Why history changed by an action here, as the server's history_changed event says it. */
export type HistoryChange = "archived" | "loaded" | "deleted";

export type Confirming = { kind: "none" } | { kind: "load" | "delete"; archive: ArchiveInfo };
export type Busy = { kind: "idle" } | { kind: ArchiveAction; id: string | null };
/** The last action's outcome, shown in place (role status or alert). */
export type Notice = { tone: "success" | "error"; text: string } | null;

type SettingKey = keyof ProfilerSettingsUpdate;
export type RegressionSetting = "regression_percent" | "regression_sigma" | "regression_window_runs" | "regression_recent_runs";

export interface ProfilerSettingsDeps {
  getSettings(): Promise<ProfilerSettings>;
  updateSettings(update: Partial<ProfilerSettingsUpdate>): Promise<ProfilerSettings>;
  getSession(): Promise<SessionInfo>;
  listArchives(): Promise<ArchivePage>;
  createArchive(token: string): Promise<ArchiveInfo>;
  loadArchive(token: string, id: string): Promise<ArchiveLoadResult>;
  deleteArchive(token: string, id: string): Promise<ArchiveInfo>;
  /** The regression rule changed (a regression_* setting saved): the flags are read again. */
  ruleChanged?(): void;
  /** History changed by our action: the root refreshes every open view (history, analytics, latest). */
  historyChanged(reason: HistoryChange): void;
  toast(message: Toast): void;
  events: ServerViewEvents;
  logError(message: string, error?: unknown): void;
}

const plural = (n: number, one: string) => `${formatCount(n)} ${n === 1 ? one : `${one}s`}`;

export class ProfilerSettingsStore extends ServerView {
  settings = $state.raw<ProfilerSettings | null>(null);
  settingsError = $state<string | null>(null);
  /** The setting being saved now, or null. */
  saving = $state<SettingKey | null>(null);
  archives = $state.raw<readonly ArchiveInfo[] | null>(null);
  archivesError = $state<string | null>(null);
  busy = $state.raw<Busy>({ kind: "idle" });
  confirming = $state.raw<Confirming>({ kind: "none" });
  notice = $state.raw<Notice>(null);

  #deps: ProfilerSettingsDeps;
  #reads = new Coalesced(() => this.#load());

  constructor(deps: ProfilerSettingsDeps) {
    super(deps.events);
    this.#deps = deps;
  }


  protected follow(events: ServerViewEvents): Unsubscribe[] {
    // Archives come and go with history's changes (retention archives the oldest runs, say).
    return [events.onServerEvent(HISTORY_EVENT, () => this.changed())];
  }

  refresh(): Promise<void> {
    this.fresh();
    return this.#reads.request();
  }

  setAccurateGpuTiming(on: boolean): Promise<void> {
    return this.#update("accurate_gpu_timing", { accurate_gpu_timing: on });
  }

  /** How many runs history keeps; outside the server's limits it is refused here, saying them. */
  setMaxWorkflows(count: number): Promise<void> {
    const settings = this.settings;
    if (settings && (!Number.isInteger(count) || count < settings.min_max_workflows || count > settings.max_max_workflows)) {
      this.settingsError = `History keeps ${formatCount(settings.min_max_workflows)} to ${formatCount(settings.max_max_workflows)} runs (a whole number).`;
      return Promise.resolve();
    }
    if (settings?.max_workflows === count) return Promise.resolve();
    return this.#update("max_workflows", { max_workflows: count });
  }

  /**
   * One figure of the regression rule (percent above the median, standard deviations, history runs,
   * latest runs); the server checks its range and says it, in place, when refused.
   */
  setRegression(key: RegressionSetting, value: number): Promise<void> {
    if (!Number.isFinite(value)) {
      this.settingsError = "A regression setting is a number.";
      return Promise.resolve();
    }
    if (this.settings?.[key] === value) return Promise.resolve();
    return this.#update(key, { [key]: value });
  }

  /** Move the whole history into a new archive. */
  createArchive(): Promise<void> {
    return this.#guarded("create", null, async (token) => {
      const archive = await this.#deps.createArchive(token);
      this.#deps.historyChanged("archived");
      return `Archived ${plural(archive.workflow_count, "run")} into ${archive.id}; history is empty now.`;
    });
  }

  askLoad(archive: ArchiveInfo): void {
    this.notice = null;
    this.confirming = { kind: "load", archive };
  }

  askDelete(archive: ArchiveInfo): void {
    this.notice = null;
    this.confirming = { kind: "delete", archive };
  }

  cancel(): void {
    this.confirming = { kind: "none" };
  }

  /** The confirmation's yes: load or delete the archive it asked about. */
  confirm(): Promise<void> {
    const asked = this.confirming;
    this.confirming = { kind: "none" };
    if (asked.kind === "load") {
      return this.#guarded("load", asked.archive.id, async (token) => {
        const result = await this.#deps.loadArchive(token, asked.archive.id);
        this.#deps.historyChanged("loaded");
        const skipped = result.already_present_count + result.invalid_count;
        return `Loaded ${plural(result.imported_count, "run")} from ${asked.archive.id}${skipped ? ` (${formatCount(skipped)} skipped: already in history or unreadable)` : ""}.`;
      });
    }
    if (asked.kind === "delete") {
      return this.#guarded("delete", asked.archive.id, async (token) => {
        await this.#deps.deleteArchive(token, asked.archive.id);
        this.#deps.historyChanged("deleted");
        return `Deleted archive ${asked.archive.id}.`;
      });
    }
    return Promise.resolve();
  }

  async #load(): Promise<void> {
    await Promise.all([this.#loadSettings(), this.#loadArchives()]);
  }

  async #loadSettings(): Promise<void> {
    try {
      this.settings = await this.#deps.getSettings();
      this.settingsError = null;
    } catch (error) {
      this.stale();
      this.#deps.logError("could not read the profiler's settings", error);
      this.settingsError = failureMessage(error);
    }
  }

  async #loadArchives(): Promise<void> {
    try {
      this.archives = (await this.#deps.listArchives()).data;
      this.archivesError = null;
    } catch (error) {
      this.stale();
      this.#deps.logError("could not list the profiler's archives", error);
      this.archivesError = failureMessage(error);
    }
  }

  async #update(key: SettingKey, update: Partial<ProfilerSettingsUpdate>): Promise<void> {
    if (this.saving !== null) return;
    this.saving = key;
    try {
      this.settings = await this.#deps.updateSettings(update);
      this.settingsError = null;
      if (key.startsWith("regression_")) this.#deps.ruleChanged?.();
    } catch (error) {
      this.settingsError = failureMessage(error);
      this.#deps.toast({ severity: "error", summary: "Profiler setting not changed", detail: this.settingsError, life: 6000 });
      // Show what the server really uses.
      await this.#loadSettings();
      this.settingsError ??= failureMessage(error);
    } finally {
      this.saving = null;
    }
  }

  /** One guarded action at a time: the session's token, the action, its outcome in place and as a toast. */
  async #guarded(action: ArchiveAction, id: string | null, run: (token: string) => Promise<string>): Promise<void> {
    if (this.busy.kind !== "idle") return;
    this.busy = { kind: action, id };
    this.notice = null;
    try {
      const session = await this.#deps.getSession();
      if (!session.actions_allowed || !session.token) {
        this.#refused(session.actions_refused_reason ?? "Server actions are refused here.");
        return;
      }
      const text = await run(session.token);
      this.notice = { tone: "success", text };
      this.#deps.toast({ severity: "success", summary: "Profiler history", detail: text, life: 5000 });
    } catch (error) {
      // A refusal is the server's answer, shown in place; anything else is worth a log line too.
      if (!(error instanceof ApiRequestError)) this.#deps.logError(`archive ${action} failed`, error);
      this.#refused(failureMessage(error));
    } finally {
      this.busy = { kind: "idle" };
      await this.#loadArchives();
    }
  }

  #refused(text: string): void {
    this.notice = { tone: "error", text };
    this.#deps.toast({ severity: "error", summary: "Profiler history not changed", detail: text, life: 8000 });
  }
}
