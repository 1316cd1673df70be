// @ts-check
// Standalone host shim of ComfyUI's `app` (scripts/app.js): registerExtension, settings
// (localStorage), toasts, and setup in ComfyUI's order. Only what the extension uses.
import { api } from "./api.js";

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

class ComfyAppShim {
  constructor() {
    /** @type {any[]} */
    this.extensions = [];
    const setting = new SettingStore();
    const toast = new ToastStore();
    this.extensionManager = { setting, toast };
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
    }
    for (const ext of this.extensions) await ext.init?.(this);
    for (const ext of this.extensions) await ext.setup?.(this);
  }
}

export const app = new ComfyAppShim();
window.comfyAPI = { ...(window.comfyAPI ?? {}), app: { app } };
