// The only module that touches ComfyUI's `app` and `api`: everything else asks through here.
import { api } from "comfyui/api";
import {
  app,
  type ComfyCommand,
  type ComfyExtension,
  type ComfyGraphNode,
  type ComfyKeybinding,
  type ComfySettingDefinition,
  type ComfySidebarTab,
  type ComfyToastMessage,
} from "comfyui/app";

import type { Unsubscribe } from "../lib/events";
import type { SettingsAccess } from "../lib/persistence";
import { savedWorkflowName, watchQueuedPrompts, type QueuedPrompt } from "./workflows";

export type { ComfyCommand, ComfyExtension, ComfyKeybinding, ComfySettingDefinition, ComfySidebarTab, ComfyToastMessage, QueuedPrompt };

const LOG_PREFIX = "[SwissArmyKnife][ResourceMonitor]";

export function registerExtension(extension: ComfyExtension): void {
  app.registerExtension(extension);
}

/** ComfyUI's fetch: adds the base path and /api prefix, so it works behind a sub-path proxy. */
export function fetchApi(route: string, init?: RequestInit): Promise<Response> {
  return api.fetchApi(route, init);
}

/** Listen to a ComfyUI websocket event, its detail unread (host/events.ts reads it); returns the unsubscribe function. */
export function onApiEvent(type: string, listener: (detail: unknown) => void): () => void {
  const handler = (event: Event) => listener((event as CustomEvent<unknown>).detail);
  api.addEventListener(type, handler);
  return () => api.removeEventListener(type, handler);
}

/**
 * A toast through ComfyUI's toast API when the frontend has one, else the console; true when
 * ComfyUI showed it (the composition root shows it with our own toasts otherwise).
 */
export function toast(message: ComfyToastMessage): boolean {
  const toasts = app.extensionManager?.toast;
  if (toasts && typeof toasts.add === "function") {
    toasts.add(message);
    return true;
  }
  console.info(LOG_PREFIX, message.summary ?? "", message.detail ?? "");
  return false;
}

export function logError(message: string, error?: unknown): void {
  console.error(LOG_PREFIX, message, error ?? "");
}

/**
 * ComfyUI's per-user settings, or null when this frontend has none: `extensionManager.setting`
 * (frontend >= 1.3), else the legacy `app.ui.settings`. Looked up on every call: the extension
 * manager appears only once the app has mounted.
 */
export function settingsAccess(): SettingsAccess | null {
  const setting = app.extensionManager?.setting;
  if (setting && typeof setting.get === "function" && typeof setting.set === "function") {
    return { get: (id) => setting.get(id), set: (id, value) => setting.set(id, value) };
  }
  const legacy = app.ui?.settings;
  if (legacy && typeof legacy.getSettingValue === "function") {
    const write = legacy.setSettingValueAsync ?? legacy.setSettingValue;
    if (typeof write === "function") {
      return { get: (id) => legacy.getSettingValue?.(id), set: (id, value) => write.call(legacy, id, value) };
    }
  }
  return null;
}

/** A ComfyUI setting's value; undefined when the frontend has no settings API. */
export function readSetting(id: string): unknown {
  try {
    return settingsAccess()?.get(id);
  } catch (error) {
    logError(`could not read setting ${id}`, error);
    return undefined;
  }
}

/** Change a ComfyUI setting (its onChange runs); nothing happens without a settings API. */
export function writeSetting(id: string, value: unknown): void {
  const settings = settingsAccess();
  if (!settings) return;
  try {
    void Promise.resolve(settings.set(id, value)).catch((error: unknown) => logError(`could not save setting ${id}`, error));
  } catch (error) {
    logError(`could not save setting ${id}`, error);
  }
}

export function logDebug(message: string, ...data: unknown[]): void {
  console.info(LOG_PREFIX, message, ...data);
}

/** Whether ComfyUI answers `GET /system_stats` (small, always served): the restart probe. */
export async function serverIsUp(): Promise<boolean> {
  const response = await fetchApi("/system_stats", { cache: "no-store" });
  return response.ok;
}

interface DesktopBridge {
  restartApp?: (customMessage?: string, delay?: number) => unknown;
}

/**
 * ComfyUI Desktop's restart, or null outside Desktop. Desktop owns the Python process: it must
 * restart the app itself, never the server (an orphan server would keep the port).
 */
export function desktopRestartApp(): (() => Promise<void>) | null {
  const bridge = (window as Window & { electronAPI?: DesktopBridge }).electronAPI;
  const restart = bridge?.restartApp;
  if (typeof restart !== "function") return null;
  return async () => {
    await restart.call(bridge);
  };
}

/** The open tab's saved workflow name (null: unsaved, or a frontend without a workflow store). */
export function activeWorkflowName(): string | null {
  const workflow = app.extensionManager?.workflow?.activeWorkflow ?? app.workflowManager?.activeWorkflow ?? null;
  return savedWorkflowName(workflow);
}

/** Hear of every prompt this page queues, with its id, node count and workflow name (host/workflows.ts). */
export function onPromptQueued(listener: (prompt: QueuedPrompt) => void): Unsubscribe {
  return watchQueuedPrompts(api, activeWorkflowName, listener, logError);
}

/**
 * Add a sidebar tab where the frontend has them (extensionManager.registerSidebarTab, frontend
 * >= 1.2); false where it has not, and nothing is shown. Call from setup(): the manager appears
 * once the app has mounted.
 */
export function registerSidebarTab(tab: ComfySidebarTab): boolean {
  const manager = app.extensionManager;
  if (typeof manager?.registerSidebarTab !== "function") return false;
  try {
    manager.registerSidebarTab(tab);
    return true;
  } catch (error) {
    logError("could not add the profiler's sidebar tab", error);
    return false;
  }
}

/**
 * Select a node on ComfyUI's canvas and bring it to the middle (LGraphCanvas.centerOnNode and
 * selectNode, both in LiteGraph since frontend 1.2; ComfyUI_frontend src/lib/litegraph). A node a
 * subgraph expanded into is found by its outer node, which the canvas shows. False when this
 * frontend or graph has no such node.
 */
export function focusNodeOnCanvas(nodeId: string, parentNodeId: string | null): boolean {
  const canvas = app.canvas;
  const graph = canvas?.graph ?? app.graph;
  if (!canvas || typeof canvas.centerOnNode !== "function" || typeof graph?.getNodeById !== "function") return false;
  // "12:5" is node 5 of the subgraph node 12 (the frontend's flattened ids): the canvas shows 12.
  const ids = [nodeId, parentNodeId, nodeId.split(":")[0]].filter((id): id is string => typeof id === "string" && id !== "");
  try {
    let node: ComfyGraphNode | null | undefined = null;
    for (const id of ids) {
      node = graph.getNodeById(id) ?? (/^\d+$/.test(id) ? graph.getNodeById(Number(id)) : null);
      if (node) break;
    }
    if (!node) return false;
    canvas.selectNode?.(node, false);
    canvas.centerOnNode(node);
    canvas.setDirty?.(true, true);
    return true;
  } catch (error) {
    logError(`could not show node ${nodeId} on the canvas`, error);
    return false;
  }
}
