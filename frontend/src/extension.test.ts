import { afterEach, describe, expect, it } from "vitest";

import { createExtension, EXTENSION_NAME, TOKENS_STYLE_ID } from "./extension";
import { COLLAPSED_SETTING, DEBUG_SETTING, INTERVAL_SETTING, POSITION_SETTING, VISIBLE_SETTING } from "./lib/settingIds";
import { api, app } from "./testing/fakeComfy";
import { monitorSettings, session, status } from "./testing/fixtures";

afterEach(() => {
  document.body.innerHTML = "";
  document.getElementById(TOKENS_STYLE_ID)?.remove();
});

async function setUp() {
  api.handler = (route) => {
    if (route.endsWith("/settings")) return Response.json(monitorSettings());
    if (route.endsWith("/session")) return Response.json(session());
    return Response.json(status());
  };
  const extension = createExtension();
  await extension.setup?.(app as never);
  return extension;
}

describe("the extension", () => {
  it("registers its settings with ComfyUI, the limits on the interval slider", () => {
    const extension = createExtension();
    expect(extension.name).toBe(EXTENSION_NAME);
    const byId = new Map(extension.settings?.map((s) => [s.id, s]));
    expect([...byId.keys()]).toEqual([VISIBLE_SETTING, INTERVAL_SETTING, POSITION_SETTING, COLLAPSED_SETTING, DEBUG_SETTING]);
    expect(byId.get(INTERVAL_SETTING)).toMatchObject({ type: "slider", defaultValue: 2, attrs: { min: 0.5, max: 10, step: 0.5 } });
    expect(byId.get(POSITION_SETTING)?.type).toBe("hidden");
    expect(byId.get(VISIBLE_SETTING)).toMatchObject({ type: "boolean", defaultValue: true });
    expect(byId.get(DEBUG_SETTING)).toMatchObject({ type: "boolean", defaultValue: false });
  });

  it("mounts the bar on document.body at setup and hides it with the visible setting", async () => {
    const extension = await setUp();
    const visible = extension.settings?.find((s) => s.id === VISIBLE_SETTING);
    const bar = document.getElementById("swissarmyknife-resource-monitor");
    expect(bar?.parentElement).toBe(document.body);
    expect(bar?.dataset.state).toBe("ready");
    visible?.onChange?.(false, true);
    await Promise.resolve();
    expect(bar?.hidden).toBe(true);
  });

  it("gives the bar its action buttons, wired to the server through ComfyUI's fetchApi", async () => {
    await setUp();
    const restart = document.querySelector<HTMLButtonElement>('[data-action="restart"]');
    expect(document.querySelector('[data-action="clear-vram"]')).not.toBeNull();
    api.calls = [];
    restart?.click();
    await expect.poll(() => document.querySelector('[role="alertdialog"]')).not.toBeNull();
    expect(api.calls).toEqual(["/swissarmyknife/session"]);
  });

  it("puts the design tokens into the page once, at setup", async () => {
    await setUp();
    await setUp();
    const styles = document.head.querySelectorAll(`#${TOKENS_STYLE_ID}`);
    expect(styles).toHaveLength(1);
    expect(styles[0]?.textContent).toContain("--swissarmyknife-focus-ring-color");
  });
});
