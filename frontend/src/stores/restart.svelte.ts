// The restart flow: confirm, ask the server (or ComfyUI Desktop), wait for it to go down and come
// back, then reload the page. One state union, changed only here; the button renders it.
import { ApiRequestError } from "../api/errors";
import type { RestartAccepted, SessionInfo } from "../api/types";
import { RESTART_EVENT, type HostEvents } from "../lib/events";
import type { Toast } from "../lib/messages";
import { queueFromSession, UNKNOWN_QUEUE, type QueueSummary } from "../lib/queue";

export interface RestartTimings {
  /** Pause after the request before the first probe (the server answers before it goes down). */
  initialDelayMs: number;
  /** Between two probes of GET /system_stats. */
  pollIntervalMs: number;
  /** Give up (and re-enable the button) when the server is not back after this long. */
  timeoutMs: number;
}

export const DEFAULT_RESTART_TIMINGS: RestartTimings = { initialDelayMs: 2000, pollIntervalMs: 1000, timeoutMs: 60_000 };

export type RestartPhase = "requesting" | "waiting" | "polling" | "reloading";

export type RestartState =
  | { kind: "idle" }
  | { kind: "checking" }
  | { kind: "confirming"; queue: QueueSummary; description: string; desktop: boolean }
  | { kind: "restarting"; phase: RestartPhase; attempt: number };

export interface RestartDeps {
  getSession(): Promise<SessionInfo>;
  postRestart(token: string): Promise<RestartAccepted>;
  /** GET /system_stats answered 2xx; a rejection counts as down. */
  probeServer(): Promise<boolean>;
  /** ComfyUI Desktop's restartApp, or null in a browser. */
  desktopRestart(): (() => Promise<void>) | null;
  /** Reload the page without cache (the bundle may have changed). */
  reload(): void;
  toast(message: Toast): void;
  logError(message: string, error?: unknown): void;
  logDebug(message: string, ...data: unknown[]): void;
  /** The SwissArmyKnife.debug_mode setting, read at each use. */
  debugEnabled(): boolean;
  /** ComfyUI's queue (the confirmation warns about running work) and the server's restart_failed. */
  events: Pick<HostEvents, "onQueue" | "onServerEvent">;
  timings?: Partial<RestartTimings>;
  sleep?(ms: number): Promise<void>;
  now?(): number;
}

const DESKTOP_DESCRIPTION = "ComfyUI Desktop restarts the app and its server.";

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class RestartController {
  state = $state<RestartState>({ kind: "idle" });
  readonly timings: RestartTimings;
  #deps: RestartDeps;
  #sleep: (ms: number) => Promise<void>;
  #now: () => number;
  #session: SessionInfo | null = null;
  #liveQueue: QueueSummary | null = null;
  #unsubscribe: (() => void)[] = [];

  constructor(deps: RestartDeps) {
    this.#deps = deps;
    this.timings = { ...DEFAULT_RESTART_TIMINGS, ...deps.timings };
    this.#sleep = deps.sleep ?? defaultSleep;
    this.#now = deps.now ?? (() => Date.now());
  }

  /** Follow ComfyUI's queue (`status` events) so the confirmation can warn about running work. */
  start(): void {
    this.#debug("setup: restart button ready", this.timings);
    this.#unsubscribe.push(
      this.#deps.events.onQueue((queue) => {
        this.#liveQueue = queue;
        if (this.state.kind === "confirming") this.state = { ...this.state, queue };
      }),
    );
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  get busy(): boolean {
    return this.state.kind === "checking" || this.state.kind === "restarting";
  }

  /** The button was pressed: read the session, then ask for confirmation (or say why not). */
  async request(): Promise<void> {
    if (this.state.kind !== "idle") return;
    this.state = { kind: "checking" };
    const desktop = this.#deps.desktopRestart() !== null;
    let session: SessionInfo | null = null;
    try {
      session = await this.#deps.getSession();
    } catch (error) {
      if (!desktop) {
        this.#fail("Cannot restart", `The server did not answer (${messageOf(error)}). Restart ComfyUI from where it was started.`, error);
        return;
      }
    }
    this.#session = session;
    if (!desktop && session) {
      if (!session.actions_allowed) {
        this.#fail("Restart is disabled on this server", session.actions_refused_reason ?? "Server actions are refused here.");
        return;
      }
      if (session.restart_kind === "unsupported") {
        this.#fail("Cannot restart automatically", session.restart_description);
        return;
      }
    }
    const fromSession = session ? queueFromSession(session.queue) : UNKNOWN_QUEUE;
    this.state = {
      kind: "confirming",
      queue: this.#liveQueue && fromSession.remaining === null ? this.#liveQueue : fromSession,
      description: desktop ? DESKTOP_DESCRIPTION : (session?.restart_description ?? ""),
      desktop,
    };
  }

  cancel(): void {
    if (this.state.kind === "confirming") this.state = { kind: "idle" };
  }

  /** The confirmation was accepted: restart, wait for the server, reload. */
  async confirm(): Promise<void> {
    if (this.state.kind !== "confirming") return;
    const { desktop } = this.state;
    const session = this.#session;
    this.state = { kind: "restarting", phase: "requesting", attempt: 0 };
    this.#debug("start: restart requested", { desktop, boot_id: session?.boot_id });
    this.#deps.toast({
      severity: "info",
      summary: "Restarting ComfyUI",
      detail: `The server stops and starts again; this page reloads when it is back (up to ${Math.round(this.timings.timeoutMs / 1000)} s).`,
      life: 5000,
    });
    let failure: string | null = null;
    const stopListening = this.#deps.events.onServerEvent(RESTART_EVENT, (event) => {
      failure = event.message;
    });
    try {
      if (!(await this.#ask(desktop, session))) return;
      this.state = { kind: "restarting", phase: "waiting", attempt: 0 };
      await this.#sleep(this.timings.initialDelayMs);
      const outcome = await this.#waitForServer(session?.boot_id ?? null, () => failure);
      if (outcome === "back") {
        this.state = { kind: "restarting", phase: "reloading", attempt: 0 };
        this.#debug("end: server is back, reloading");
        this.#deps.toast({ severity: "success", summary: "ComfyUI restarted", detail: "Reloading the page…", life: 3000 });
        this.#deps.reload();
      } else if (outcome === "failed") {
        this.#fail("Restart failed", failure ?? "The restart failed.");
      } else {
        this.#debug("end: timed out");
        this.state = { kind: "idle" };
        this.#deps.toast({
          severity: "warn",
          summary: "ComfyUI did not come back",
          detail: `No answer within ${Math.round(this.timings.timeoutMs / 1000)} s. It may still be starting: refresh the page manually once it is up.`,
          life: 10_000,
        });
      }
    } catch (error) {
      this.#fail("Restart failed", messageOf(error), error);
    } finally {
      stopListening();
    }
  }

  /** Send the restart; false when it was refused (already reported). A dropped connection is fine. */
  async #ask(desktop: boolean, session: SessionInfo | null): Promise<boolean> {
    if (desktop) {
      await this.#desktopRestart();
      return true;
    }
    if (!session?.token) {
      this.#fail("Cannot restart", "The server gave this page no token for server actions.");
      return false;
    }
    try {
      const accepted = await this.#deps.postRestart(session.token);
      this.#debug("server accepted the restart", accepted);
      if (accepted.kind === "desktop") {
        if (this.#deps.desktopRestart() === null) {
          this.#fail("Restart from ComfyUI Desktop", "This server runs inside ComfyUI Desktop: restart it from the app's menu.");
          return false;
        }
        await this.#desktopRestart();
      }
      return true;
    } catch (error) {
      if (error instanceof ApiRequestError) {
        this.#fail("Restart refused", error.message, error);
        return false;
      }
      // The server may close the connection as it goes down: expected, so keep waiting for it.
      this.#debug("the restart request got no answer (expected while the server stops)", error);
      return true;
    }
  }

  async #desktopRestart(): Promise<void> {
    const restart = this.#deps.desktopRestart();
    this.#debug("calling window.electronAPI.restartApp()");
    await restart?.();
  }

  async #waitForServer(oldBootId: string | null, failure: () => string | null): Promise<"back" | "failed" | "timeout"> {
    this.state = { kind: "restarting", phase: "polling", attempt: 0 };
    const deadline = this.#now() + this.timings.timeoutMs;
    let sawDown = false;
    let attempt = 0;
    while (this.#now() < deadline) {
      if (failure() !== null) return "failed";
      attempt += 1;
      this.state = { kind: "restarting", phase: "polling", attempt };
      const up = await this.#deps.probeServer().catch(() => false);
      if (attempt % 5 === 0) this.#debug(`poll ${attempt}: server ${up ? "up" : "down"}`);
      if (!up) {
        sawDown = true;
      } else if (sawDown || (await this.#isNewServer(oldBootId))) {
        return "back";
      }
      if (failure() !== null) return "failed";
      await this.#sleep(this.timings.pollIntervalMs);
    }
    return "timeout";
  }

  /** Up without having been seen down: back only if it is another process (a new boot id). */
  async #isNewServer(oldBootId: string | null): Promise<boolean> {
    try {
      const session = await this.#deps.getSession();
      return oldBootId === null || session.boot_id !== oldBootId;
    } catch (error) {
      // It answered /system_stats but not us: a server that is up without the plugin is still back.
      return error instanceof ApiRequestError;
    }
  }

  #fail(summary: string, detail: string, error?: unknown): void {
    this.state = { kind: "idle" };
    this.#deps.logError(`${summary}: ${detail}`, error);
    this.#deps.toast({ severity: "error", summary, detail, life: 8000 });
  }

  #debug(message: string, ...data: unknown[]): void {
    if (this.#deps.debugEnabled()) this.#deps.logDebug(`restart ${message}`, ...data);
  }
}
