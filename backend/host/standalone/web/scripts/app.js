// @ts-check
// Standalone host shim of ComfyUI's `app` (scripts/app.js): registerExtension, settings
// (localStorage), toasts, the extensions' commands and keybindings, a graph of the demo's workflows
// with LiteGraph's badge contract (scripts/graph.js), and setup in ComfyUI's order.
// Only what the extension uses.
import { api } from "./api.js";
import { installGraph } from "./graph.js";

const SETTINGS_KEY = "swissarmyknife.standalone.settings";

/** @returns {Record<string, unknown>} */
function loadSettings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}");
  } catch {
    return {};
  }
}

class SettingStore {
  constructor() {
    /** @type {Map<string, any>} */
    this.definitions = new Map();
    this.values = loadSettings();
  }
  /** @param {any} def */
  define(def) {
    this.definitions.set(def.id, def);
    def.onChange?.(this.get(def.id), undefined);
  }
  /** @param {string} id */
  get(id) {
    if (id in this.values) return this.values[id];
    return this.definitions.get(id)?.defaultValue;
  }
  /** @param {string} id @param {unknown} value */
  async set(id, value) {
    const old = this.get(id);
    this.values[id] = value;
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(this.values));
    this.definitions.get(id)?.onChange?.(value, old);
  }
}

class ToastStore {
  constructor() {
    /** @type {HTMLElement | null} */
    this.container = null;
  }
  /** @param {{severity?: string, summary?: string, detail?: unknown, life?: number}} toast */
  add(toast) {
    if (!this.container) {
      this.container = document.createElement("div");
      this.container.className = "standalone-toasts";
      document.body.appendChild(this.container);
    }
    const el = document.createElement("div");
    el.className = `standalone-toast standalone-toast-${toast.severity ?? "info"}`;
    el.setAttribute("role", "status");
    const summary = document.createElement("strong");
    summary.textContent = toast.summary ?? "";
    const detail = document.createElement("div");
    detail.textContent = String(toast.detail ?? "");
    el.append(summary, detail);
    this.container.appendChild(el);
    setTimeout(() => el.remove(), toast.life ?? 5000);
  }
}

/** The extensions' commands by id, run as ComfyUI's command store runs them (`execute`). */
class CommandStore {
  constructor() {
    /** @type {Map<string, {id: string, function: () => unknown}>} */
    this.commands = new Map();
  }
  /** @param {{id: string, function: () => unknown}} command */
  register(command) {
    this.commands.set(command.id, command);
  }
  /** @param {string} id */
  async execute(id) {
    const command = this.commands.get(id);
    if (!command) throw new Error(`Unknown command: ${id}`);
    await command.function();
  }
}

/**
 * The extensions' keybindings on window's keydown, as ComfyUI's keybinding service matches them
 * (ComfyUI_frontend src/services/keybindingService.ts): the key compared case-insensitively, Ctrl
 * or Cmd as ctrl, never a combo without Ctrl, Alt or Cmd while typing in a text field; the first
 * binding that matches runs its command and the key goes no further.
 */
class KeybindingService {
  /** @param {CommandStore} commands */
  constructor(commands) {
    this.commands = commands;
    /** @type {{combo: {key: string, ctrl?: boolean, alt?: boolean, shift?: boolean}, commandId: string}[]} */
    this.bindings = [];
    this.onKeyDown = this.onKeyDown.bind(this);
  }
  /** @param {{combo: {key: string, ctrl?: boolean, alt?: boolean, shift?: boolean}, commandId: string}} binding */
  add(binding) {
    this.bindings.push(binding);
  }
  /** @param {KeyboardEvent} event */
  onKeyDown(event) {
    if (["Control", "Alt", "Shift", "Meta"].includes(event.key)) return;
    const ctrl = event.ctrlKey || event.metaKey;
    const target = /** @type {HTMLElement | null} */ (event.composedPath()[0] ?? null);
    const typing = target instanceof HTMLElement && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
    if (typing && !ctrl && !event.altKey) return;
    const binding = this.bindings.find(
      ({ combo }) => combo.key.toUpperCase() === event.key.toUpperCase() && !!combo.ctrl === ctrl && !!combo.alt === event.altKey && !!combo.shift === event.shiftKey,
    );
    if (!binding) return;
    event.preventDefault();
    void this.commands.execute(binding.commandId);
  }
}

class ComfyAppShim {
  constructor() {
    /** @type {any[]} */
    this.extensions = [];
    const setting = new SettingStore();
    const toast = new ToastStore();
    const command = new CommandStore();
    this.keybindings = new KeybindingService(command);
    this.extensionManager = { setting, toast, command };
    this.ui = { settings: { getSettingValue: (/** @type {string} */ id) => setting.get(id) } };
    this.api = api;
  }
  /** @param {any} extension */
  registerExtension(extension) {
    if (this.extensions.some((e) => e.name === extension.name)) {
      throw new Error(`Extension named '${extension.name}' already registered.`);
    }
    this.extensions.push(extension);
  }
  /** @param {string[]} urls */
  async loadExtensions(urls) {
    await Promise.all(urls.map((url) => import(url)));
  }
  async setup() {
    api.init();
    for (const ext of this.extensions) {
      for (const def of ext.settings ?? []) this.extensionManager.setting.define(def);
      for (const command of ext.commands ?? []) this.extensionManager.command.register(command);
      for (const binding of ext.keybindings ?? []) this.keybindings.add(binding);
    }
    window.addEventListener("keydown", this.keybindings.onKeyDown);
    for (const ext of this.extensions) await ext.init?.(this);
    // The graph loads before the extensions' setup, as ComfyUI loads its last workflow.
    this.workflows = installGraph(this);
    await this.workflows.show(this.workflows.first);
    for (const ext of this.extensions) await ext.setup?.(this);
  }
}

export const app = new ComfyAppShim();
window.comfyAPI = { ...(window.comfyAPI ?? {}), app: { app } };
