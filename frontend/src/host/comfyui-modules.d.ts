// The few members of ComfyUI's frontend this extension uses, typed locally: the published type
// package has releases without index.d.ts. Everything optional is feature-detected at runtime.

declare module "comfyui/app" {
  export interface ComfySettingDefinition<T = unknown> {
    id: string;
    name: string;
    type: "boolean" | "number" | "slider" | "combo" | "text" | "hidden";
    defaultValue: T;
    tooltip?: string;
    category?: string[];
    attrs?: Record<string, unknown>;
    options?: unknown[];
    onChange?: (newValue: T, oldValue?: T) => void;
  }

  export interface ComfyToastMessage {
    severity?: "success" | "info" | "warn" | "error" | "secondary" | "contrast";
    summary?: string;
    detail?: unknown;
    life?: number;
  }

  export interface ComfyExtension {
    name: string;
    settings?: ComfySettingDefinition[];
    init?: (app: ComfyApp) => void | Promise<void>;
    setup?: (app: ComfyApp) => void | Promise<void>;
  }

  export interface ComfyExtensionManager {
    toast?: { add(message: ComfyToastMessage): void };
    setting?: { get<T = unknown>(id: string): T | undefined; set(id: string, value: unknown): Promise<void> };
  }

  /** The settings API of frontends before the extension manager (still present, deprecated, in new ones). */
  export interface ComfyLegacySettings {
    getSettingValue?<T = unknown>(id: string, defaultValue?: T): T | undefined;
    setSettingValue?(id: string, value: unknown): void;
    setSettingValueAsync?(id: string, value: unknown): Promise<void>;
  }

  export interface ComfyApp {
    registerExtension(extension: ComfyExtension): void;
    extensionManager?: ComfyExtensionManager;
    ui?: { settings?: ComfyLegacySettings };
  }

  export const app: ComfyApp;
}

declare module "comfyui/api" {
  export interface ComfyApi extends EventTarget {
    fetchApi(route: string, init?: RequestInit): Promise<Response>;
    api_base?: string;
  }

  export const api: ComfyApi;
}
