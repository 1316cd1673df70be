// Small preferences that survive a reload: ComfyUI's settings (saved per user on the server) when the
// frontend has them, else this browser's localStorage. Reads never throw; writes never reject.

/** ComfyUI's `app.extensionManager.setting`, as host/comfy.ts hands it over (null when absent). */
export interface SettingsAccess {
  get(id: string): unknown;
  set(id: string, value: unknown): Promise<void> | void;
}

/** The subset of the Web Storage API used here. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface Preferences {
  read(id: string): unknown;
  write(id: string, value: unknown): void;
  /** Where values go: "comfy" (ComfyUI settings), "local" (localStorage) or "memory" (neither worked). */
  readonly backend: "comfy" | "local" | "memory";
}

export function createPreferences(
  settings: () => SettingsAccess | null,
  storage: KeyValueStorage | null,
  onError: (message: string, error: unknown) => void = () => {},
): Preferences {
  const memory = new Map<string, unknown>();
  const backend = (): Preferences["backend"] => (settings() ? "comfy" : storage ? "local" : "memory");
  return {
    get backend() {
      return backend();
    },
    read(id) {
      const comfy = settings();
      if (comfy) {
        try {
          return comfy.get(id);
        } catch (error) {
          onError(`could not read setting ${id}`, error);
          return undefined;
        }
      }
      if (memory.has(id)) return memory.get(id);
      if (storage) {
        try {
          const raw = storage.getItem(id);
          return raw === null ? undefined : (JSON.parse(raw) as unknown);
        } catch {
          return undefined;
        }
      }
      return undefined;
    },
    write(id, value) {
      const comfy = settings();
      if (comfy) {
        try {
          void Promise.resolve(comfy.set(id, value)).catch((error: unknown) => onError(`could not save setting ${id}`, error));
        } catch (error) {
          onError(`could not save setting ${id}`, error);
        }
        return;
      }
      if (storage) {
        try {
          storage.setItem(id, JSON.stringify(value));
          return;
        } catch {
          // Private mode or a full quota: keep the value for this page at least.
        }
      }
      memory.set(id, value);
    },
  };
}
