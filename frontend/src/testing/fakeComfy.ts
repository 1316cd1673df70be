// An in-memory stand-in for ComfyUI's app and api modules, aliased in by vitest.config.ts.
import type { ComfyExtension, ComfyToastMessage } from "comfyui/app";

type FetchHandler = (route: string, init?: RequestInit) => Promise<Response> | Response;

class FakeApi extends EventTarget {
  handler: FetchHandler = () => new Response("{}", { status: 404 });
  calls: string[] = [];

  fetchApi(route: string, init?: RequestInit): Promise<Response> {
    this.calls.push(route);
    return Promise.resolve(this.handler(route, init));
  }

  emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

class FakeApp {
  extensions: ComfyExtension[] = [];
  toasts: ComfyToastMessage[] = [];
  settings = new Map<string, unknown>();
  extensionManager = {
    toast: { add: (message: ComfyToastMessage) => void this.toasts.push(message) },
    setting: {
      get: <T>(id: string) => this.settings.get(id) as T | undefined,
      set: async (id: string, value: unknown) => void this.settings.set(id, value),
    },
  };

  registerExtension(extension: ComfyExtension): void {
    this.extensions.push(extension);
  }

  reset(): void {
    this.extensions = [];
    this.toasts = [];
    this.settings.clear();
  }
}

export const api = new FakeApi();
export const app = new FakeApp();
