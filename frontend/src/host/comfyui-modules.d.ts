// The few members of ComfyUI's frontend this extension uses, typed locally: the published type
// package has releases without index.d.ts. Everything optional is feature-detected at runtime.

declare module "comfyui/app" {
  export interface ComfySettingDefinition<T = unknown> {
    id: string;
    name: string;
    /** A function: ComfyUI's custom renderer (its FormItem, 1.27 to 1.58), called with name, setter, value, attrs; returns the control. */
    type: "boolean" | "number" | "slider" | "combo" | "text" | "hidden" | ((name: string, setter: (value: unknown) => void, value: unknown, attrs?: Record<string, unknown>) => HTMLElement);
    defaultValue: T;
    tooltip?: string;
    category?: string[];
    /** Where the settings dialog lists it: highest first, within its section (and a section by its highest). */
    sortOrder?: number;
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

  /** A command ComfyUI lists (command palette, keybindings, menus); `function` runs it. */
  export interface ComfyCommand {
    id: string;
    label: string;
    icon?: string;
    tooltip?: string;
    function: () => void | Promise<void>;
  }

  /** A default keybinding: `key` as KeyboardEvent.key reports it, compared case-insensitively. */
  export interface ComfyKeybinding {
    combo: { key: string; ctrl?: boolean; alt?: boolean; shift?: boolean };
    commandId: string;
    targetElementId?: string;
  }

  /** A sidebar tab drawn by the extension: `render` on each show, `destroy` when it goes. */
  export interface ComfySidebarTab {
    id: string;
    title: string;
    icon?: string;
    tooltip?: string;
    type: "custom";
    render: (container: HTMLElement) => void;
    destroy?: () => void;
  }

  export interface ComfyExtension {
    name: string;
    settings?: ComfySettingDefinition[];
    commands?: ComfyCommand[];
    keybindings?: ComfyKeybinding[];
    init?: (app: ComfyApp) => void | Promise<void>;
    setup?: (app: ComfyApp) => void | Promise<void>;
    /** After a graph was loaded (a workflow opened, a tab switched to): frontend 1.27 to 1.58. */
    afterConfigureGraph?: (missingNodeTypes: unknown) => void | Promise<void>;
    /** Each node as it is created (in its constructor: a loaded graph's nodes too), frontend 1.27 to 1.58. */
    nodeCreated?: (node: ComfyGraphNode) => void | Promise<void>;
  }

  /** The open tab's workflow (ComfyUI_frontend's ComfyWorkflow): read, never changed. */
  export interface ComfyWorkflowRef {
    filename?: unknown;
    name?: unknown;
    path?: unknown;
    isTemporary?: unknown;
    isPersisted?: unknown;
  }

  export interface ComfyExtensionManager {
    toast?: { add(message: ComfyToastMessage): void };
    /** Frontend >= 1.2: the workflow store. */
    workflow?: { activeWorkflow?: ComfyWorkflowRef | null };
    registerSidebarTab?(tab: ComfySidebarTab): void;
    setting?: { get<T = unknown>(id: string): T | undefined; set(id: string, value: unknown): Promise<void> };
  }

  /** The settings API of frontends before the extension manager (still present, deprecated, in new ones). */
  export interface ComfyLegacySettings {
    getSettingValue?<T = unknown>(id: string, defaultValue?: T): T | undefined;
    setSettingValue?(id: string, value: unknown): void;
    setSettingValueAsync?(id: string, value: unknown): Promise<void>;
  }

  /** A node on ComfyUI's graph (LiteGraph's LGraphNode), as far as centring it needs. */
  export interface ComfyGraphNode {
    id: unknown;
  }

  export interface ComfyGraph {
    getNodeById?(id: string | number): ComfyGraphNode | null | undefined;
  }

  /** LiteGraph's canvas: the graph it shows (a subgraph while one is open) and how to bring a node into view. */
  export interface ComfyCanvas {
    graph?: ComfyGraph | null;
    centerOnNode?(node: ComfyGraphNode): void;
    selectNode?(node: ComfyGraphNode, addToCurrentSelection?: boolean): void;
    setDirty?(foreground: boolean, background?: boolean): void;
  }

  export interface ComfyApp {
    registerExtension(extension: ComfyExtension): void;
    extensionManager?: ComfyExtensionManager;
    ui?: { settings?: ComfyLegacySettings };
    /** Frontends before the extension manager's workflow store. */
    workflowManager?: { activeWorkflow?: ComfyWorkflowRef | null };
    canvas?: ComfyCanvas | null;
    graph?: ComfyGraph | null;
  }

  export const app: ComfyApp;
}

declare module "comfyui/api" {
  export interface ComfyApi extends EventTarget {
    fetchApi(route: string, init?: RequestInit): Promise<Response>;
    api_base?: string;
    /** queuePrompt(number, {output, workflow}, options): ComfyUI's POST /prompt; answers {prompt_id, number, node_errors}. */
    queuePrompt?: unknown;
  }

  export const api: ComfyApi;
}
