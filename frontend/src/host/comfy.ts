// The only module that touches ComfyUI's `app` and `api`: everything else asks through here.
import { api } from "comfyui/api";
import { app, type ComfyExtension, type ComfyToastMessage } from "comfyui/app";

export type { ComfyExtension, ComfyToastMessage };

const LOG_PREFIX = "[SwissArmyKnife][ResourceMonitor]";

export function registerExtension(extension: ComfyExtension): void {
  app.registerExtension(extension);
}

/** ComfyUI's fetch: adds the base path and /api prefix, so it works behind a sub-path proxy. */
export function fetchApi(route: string, init?: RequestInit): Promise<Response> {
  return api.fetchApi(route, init);
}

/** Listen to a ComfyUI websocket event; returns the unsubscribe function. */
export function onApiEvent<T>(type: string, listener: (detail: T) => void): () => void {
  const handler = (event: Event) => listener((event as CustomEvent<T>).detail);
  api.addEventListener(type, handler);
  return () => api.removeEventListener(type, handler);
}

/** A toast through ComfyUI's toast API when the frontend has one, else the console. */
export function toast(message: ComfyToastMessage): void {
  const toasts = app.extensionManager?.toast;
  if (toasts && typeof toasts.add === "function") {
    toasts.add(message);
    return;
  }
  console.info(LOG_PREFIX, message.summary ?? "", message.detail ?? "");
}

export function logError(message: string, error?: unknown): void {
  console.error(LOG_PREFIX, message, error ?? "");
}
