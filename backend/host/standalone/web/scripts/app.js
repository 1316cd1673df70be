// @ts-check
// Standalone host shim of ComfyUI's `app` (scripts/app.js): registerExtension, settings
// (localStorage) with a settings dialog, toasts, the extensions' commands and keybindings, a graph of
// the demo's workflows with LiteGraph's badge contract (scripts/graph.js), and setup in ComfyUI's
// order. Only what the extension uses.
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
    /** Told the id of every setting that changed (the settings dialog follows them). @type {Set<(id: string) => void>} */
    this.listeners = new Set();
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
  /**
   * As ComfyUI's settingStore.set (frontend 1.58): nothing for the same value, else the value is
   * stored, then the definition's onChange runs with the old one.
   * @param {string} id @param {unknown} value
   */
  async set(id, value) {
    const old = this.get(id);
    if (Object.is(old, value)) return;
    this.values[id] = value;
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(this.values));
    this.definitions.get(id)?.onChange?.(value, old);
    for (const listener of this.listeners) listener(id);
  }
}

/**
 * ComfyUI's settings dialog, as far as the extension's settings go: a ⚙ button where ComfyUI's
 * menu sits, and a <dialog> with every registered definition (not hidden) by its category's
 * section, each type as ComfyUI renders it (a function type draws its own element). A change calls
 * `setting.set`, which runs the definition's onChange; a change made elsewhere shows at once.
 */
class SettingsDialog {
  /** @param {SettingStore} store */
  constructor(store) {
    this.store = store;
    /** How to show each setting's value again, by id. @type {Map<string, () => void>} */
    this.refreshers = new Map();
    store.listeners.add((id) => this.refreshers.get(id)?.());
    this.dialog = document.createElement("dialog");
    this.dialog.className = "standalone-settings";
    this.dialog.setAttribute("aria-labelledby", "standalone-settings-title");
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "standalone-settings-button";
    this.button.textContent = "⚙";
    this.button.title = "Settings";
    this.button.setAttribute("aria-label", "Settings");
    this.button.addEventListener("click", () => this.open());
    document.body.append(this.button, this.dialog);
  }

  open() {
    this.render();
    this.dialog.showModal();
  }

  render() {
    this.refreshers.clear();
    const title = document.createElement("h2");
    title.id = "standalone-settings-title";
    title.textContent = "Settings";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", () => this.dialog.close());
    /** @type {Map<string, HTMLFieldSetElement>} */
    const sections = new Map();
    for (const def of this.store.definitions.values()) {
      if (def.type === "hidden") continue;
      const name = def.category?.[1] ?? "General";
      let section = sections.get(name);
      if (!section) {
        section = document.createElement("fieldset");
        section.dataset.section = name;
        const legend = document.createElement("legend");
        legend.textContent = name;
        section.append(legend);
        sections.set(name, section);
      }
      section.append(this.row(def));
    }
    this.dialog.replaceChildren(title, ...sections.values(), close);
  }

  /** One setting: its name, its control, its tooltip. @param {any} def */
  row(def) {
    const row = document.createElement("div");
    row.className = "standalone-setting";
    const label = document.createElement("label");
    label.textContent = def.name;
    const control = this.control(def);
    control.id = `standalone-setting-${def.id}`;
    control.dataset.setting = def.id;
    label.htmlFor = control.id;
    row.append(label, control);
    if (def.tooltip) {
      const tip = document.createElement("small");
      tip.textContent = def.tooltip;
      row.append(tip);
    }
    return row;
  }

  /** @param {any} def @returns {HTMLElement} */
  control(def) {
    const { id } = def;
    const set = (/** @type {unknown} */ value) => void this.store.set(id, value);
    if (typeof def.type === "function") return def.type(def.name, set, this.store.get(id), def.attrs);
    if (def.type === "combo") {
      const select = document.createElement("select");
      for (const option of def.options ?? []) {
        const text = typeof option === "string" ? option : option.text;
        select.append(new Option(text, String(typeof option === "string" ? option : (option.value ?? text))));
      }
      this.refreshers.set(id, () => (select.value = String(this.store.get(id))));
      select.addEventListener("change", () => set(select.value));
      this.refreshers.get(id)?.();
      return select;
    }
    const input = document.createElement("input");
    if (def.type === "boolean") {
      input.type = "checkbox";
      this.refreshers.set(id, () => (input.checked = this.store.get(id) === true));
      input.addEventListener("change", () => set(input.checked));
    } else if (def.type === "number" || def.type === "slider") {
      input.type = "number";
      for (const name of ["min", "max", "step"]) if (def.attrs?.[name] !== undefined) input.setAttribute(name, String(def.attrs[name]));
      this.refreshers.set(id, () => (input.value = String(this.store.get(id) ?? "")));
      input.addEventListener("change", () => Number.isFinite(input.valueAsNumber) && set(input.valueAsNumber));
    } else {
      this.refreshers.set(id, () => (input.value = String(this.store.get(id) ?? "")));
      input.addEventListener("change", () => set(input.value));
    }
    this.refreshers.get(id)?.();
    return input;
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
    this.settingsDialog = new SettingsDialog(this.extensionManager.setting);
    for (const ext of this.extensions) await ext.init?.(this);
    // The graph loads before the extensions' setup, as ComfyUI loads its last workflow.
    this.workflows = installGraph(this);
    await this.workflows.show(this.workflows.first);
    for (const ext of this.extensions) await ext.setup?.(this);
  }
}

export const app = new ComfyAppShim();
window.comfyAPI = { ...(window.comfyAPI ?? {}), app: { app } };
