// The ComfyUI extension: registers with the app and mounts the resource monitor bar on setup.
import { mount } from "svelte";

import { getMonitorStatus } from "./api/client";
import ResourceMonitor from "./components/hud/ResourceMonitor.svelte";
import { logError, onApiEvent, type ComfyExtension } from "./host/comfy";
import { MonitorStore } from "./stores/monitor.svelte";

export const EXTENSION_NAME = "comfyui_swissarmyknife.resource_monitor";

export function createExtension(): ComfyExtension {
  return {
    name: EXTENSION_NAME,
    async setup() {
      const store = new MonitorStore({ getStatus: getMonitorStatus, onEvent: onApiEvent, onError: logError });
      mount(ResourceMonitor, { target: document.body, props: { store } });
      await store.start();
    },
  };
}
