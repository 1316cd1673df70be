import { api } from "comfyui/api";
import { app } from "comfyui/app";
import { afterEach, describe, expect, it } from "vitest";

import { DEBUG_SETTING } from "./components/hud/actions/restart.svelte";
import { createExtension, EXTENSION_NAME } from "./extension";
import { VISIBLE_SETTING } from "./hud";
import { COLLAPSED_SETTING, POSITION_SETTING } from "./stores/hudLayout.svelte";
import { INTERVAL_SETTING } from "./stores/monitorSettings.svelte";
import { status } from "./testing/fixtures";

type FakeApi = typeof api & { handler: (route: string, init?: RequestInit) => Response };

afterEach(() => {
  document.body.innerHTML = "";
});

describe("the extension", () => {
  it("registers its settings with ComfyUI, the limits on the interval slider", () => {
    const extension = createExtension();
    expect(extension.name).toBe(EXTENSION_NAME);
    const byId = new Map(extension.settings?.map((s) => [s.id, s]));
    expect([...byId.keys()]).toEqual([VISIBLE_SETTING, INTERVAL_SETTING, POSITION_SETTING, COLLAPSED_SETTING, DEBUG_SETTING]);
    expect(byId.get(INTERVAL_SETTING)).toMatchObject({ type: "slider", defaultValue: 2, attrs: { min: 0.5, max: 10, step: 0.5 } });
    expect(byId.get(POSITION_SETTING)?.type).toBe("hidden");
    expect(byId.get(VISIBLE_SETTING)).toMatchObject({ type: "boolean", defaultValue: true });
  });

  it("mounts the bar on document.body at setup and hides it with the visible setting", async () => {
    const settings = {
      sample_interval_s: 2,
      min_sample_interval_s: 0.5,
      max_sample_interval_s: 10,
      default_sample_interval_s: 2,
      persisted: true,
    };
    (api as FakeApi).handler = (route) => Response.json(route.endsWith("/settings") ? settings : status());
    const extension = createExtension();
    const visible = extension.settings?.find((s) => s.id === VISIBLE_SETTING);
    await extension.setup?.(app as never);
    const bar = document.getElementById("swissarmyknife-resource-monitor");
    expect(bar?.parentElement).toBe(document.body);
    expect(bar?.dataset.state).toBe("ready");
    visible?.onChange?.(false, true);
    await Promise.resolve();
    expect(bar?.hidden).toBe(true);
  });
});
