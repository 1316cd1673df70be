// Toasts of our own, for the notices that carry a button (an OOM: open the OOM tab; a prompt that may
// not fit: unload models), which ComfyUI's toast API cannot hold (its messages are text), and for
// every toast on frontends without that API. Each stays `life` ms (0: until closed); one with the
// same key replaces the earlier one; at most MAX_TOASTS show, the oldest going first. Every toast the
// pack raises passes `allows` (the toast verbosity setting), ComfyUI's too (extension.ts's notify).
import type { Toast } from "../lib/messages";

export interface ToastAction {
  /** Its data-action, for tests and styling. */
  id: string;
  label: string;
  run: () => void;
}

export interface ShownToast extends Toast {
  id: number;
  key: string | null;
  actions: readonly ToastAction[];
}

export interface ToastTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const MAX_TOASTS = 4;

const REAL_TIMERS: ToastTimers = { set: (callback, ms) => setTimeout(callback, ms), clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>) };

export class ToastStore {
  items = $state.raw<readonly ShownToast[]>([]);

  #timers: ToastTimers;
  /** The life timers of the toasts shown, by toast id (plain: nothing renders them). */
  #handles: { id: number; handle: unknown }[] = [];
  #next = 1;

  /** Whether a toast of this severity shows (the verbosity setting, read at each toast). */
  readonly allows: (severity: Toast["severity"]) => boolean;

  constructor(timers: ToastTimers = REAL_TIMERS, allows: (severity: Toast["severity"]) => boolean = () => true) {
    this.#timers = timers;
    this.allows = allows;
  }

  /** Shows a toast (replacing one with the same key); returns its id, or null when the verbosity hides it. */
  show(toast: Toast & { key?: string; actions?: readonly ToastAction[] }): number | null {
    if (!this.allows(toast.severity)) return null;
    const id = this.#next++;
    const { key = null, actions = [], ...message } = toast;
    const replaced = key === null ? [] : this.items.filter((t) => t.key === key);
    for (const old of replaced) this.#forget(old.id);
    const kept = this.items.filter((t) => !replaced.includes(t));
    const items = [...kept, { ...message, id, key, actions }];
    for (const dropped of items.slice(0, Math.max(0, items.length - MAX_TOASTS))) this.#forget(dropped.id);
    this.items = items.slice(-MAX_TOASTS);
    if (message.life > 0) this.#handles.push({ id, handle: this.#timers.set(() => this.dismiss(id), message.life) });
    return id;
  }

  dismiss(id: number): void {
    this.#forget(id);
    if (this.items.some((t) => t.id === id)) this.items = this.items.filter((t) => t.id !== id);
  }

  /** A toast's button: its action runs and the toast goes (it has been answered). */
  act(id: number, actionId: string): void {
    const action = this.items.find((t) => t.id === id)?.actions.find((a) => a.id === actionId);
    this.dismiss(id);
    action?.run();
  }

  #forget(id: number): void {
    for (const timer of this.#handles.filter((h) => h.id === id)) this.#timers.clear(timer.handle);
    this.#handles = this.#handles.filter((h) => h.id !== id);
  }
}
