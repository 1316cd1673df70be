import { describe, expect, it, vi } from "vitest";

import { ApiRequestError } from "../api/errors";
import { INTERVAL_SETTING } from "../lib/settingIds";
import { monitorSettings } from "../testing/fixtures";
import { FakeEvents } from "../testing/hud";
import { MonitorSettingsStore } from "./monitorSettings.svelte";

const settings = (seconds: number) => monitorSettings({ sample_interval_s: seconds });

/** A store whose "ComfyUI setting" calls back onChange as ComfyUI does (synchronously, with the old value). */
function harness(server = 2) {
  const events = new FakeEvents();
  const state = { server, setting: 2 as unknown, puts: [] as number[], reject: null as Error | null };
  let resolvePut: (() => void) | null = null;
  const deps = {
    getSettings: vi.fn(async () => settings(state.server)),
    updateSettings: vi.fn(async ({ sample_interval_s }: { sample_interval_s: number }) => {
      state.puts.push(sample_interval_s);
      await new Promise<void>((resolve) => (resolvePut = resolve));
      if (state.reject) throw state.reject;
      state.server = sample_interval_s;
      return settings(sample_interval_s);
    }),
    readSetting: (id: string) => (id === INTERVAL_SETTING ? state.setting : undefined),
    writeSetting: (_id: string, value: number) => {
      const old = state.setting;
      state.setting = value;
      store.onSettingChange(value, old);
    },
    events: events.host,
    notifyError: vi.fn(),
  };
  const store = new MonitorSettingsStore(deps);
  const userSets = (value: number) => {
    const old = state.setting;
    state.setting = value;
    store.onSettingChange(value, old);
  };
  const answer = async () => {
    for (let i = 0; i < 5 && !resolvePut; i++) await Promise.resolve();
    const r = resolvePut;
    resolvePut = null;
    r?.();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { store, deps, state, userSets, answer, events };
}

describe("MonitorSettingsStore", () => {
  it("ignores the registration call and shows the server's value in the setting", async () => {
    const { store, deps, state } = harness(0.5);
    store.onSettingChange(2, undefined);
    await store.start();
    expect(deps.updateSettings).not.toHaveBeenCalled();
    expect(state.setting).toBe(0.5);
    expect(store.server?.sample_interval_s).toBe(0.5);
  });

  it("PUTs a change the user makes", async () => {
    const { store, state, userSets, answer } = harness();
    await store.start();
    userSets(1);
    expect(store.pending).toBe(1);
    await answer();
    await store.settled();
    expect(state.puts).toEqual([1]);
    expect(store.server?.sample_interval_s).toBe(1);
    expect(store.pending).toBeNull();
  });

  it("sends only the latest of a burst of changes, one request at a time", async () => {
    const { store, state, userSets, answer } = harness();
    await store.start();
    userSets(1);
    userSets(3);
    userSets(4.5);
    userSets(2);
    await answer();
    await answer();
    await store.settled();
    expect(state.puts).toEqual([1, 2]);
    expect(state.server).toBe(2);
  });

  it("on refusal, says why and puts the setting back to the server's value", async () => {
    const { store, deps, state, userSets, answer } = harness();
    await store.start();
    state.reject = new ApiRequestError(400, {
      error: "validation_error",
      message: "invalid body",
      details: [{ location: "body.sample_interval_s", message: "Input should be less than or equal to 10" }],
    });
    userSets(11);
    await answer();
    await store.settled();
    expect(deps.notifyError).toHaveBeenCalledWith(
      "Sample interval not changed",
      "invalid body (sample_interval_s: Input should be less than or equal to 10)",
    );
    expect(state.setting).toBe(2);
    expect(state.puts).toEqual([11]);
    expect(store.error).toContain("less than or equal to 10");
  });

  it("a failed first read leaves the setting alone and reports the error", async () => {
    const { store, deps, state } = harness();
    deps.getSettings.mockRejectedValueOnce(new Error("HTTP 503"));
    await store.start();
    expect(store.error).toBe("HTTP 503");
    expect(state.setting).toBe(2);
  });

  it("asks the server again after a reconnect", async () => {
    const { store, deps, events, state } = harness();
    await store.start();
    state.server = 5;
    events.emit("reconnected");
    await store.refresh();
    expect(deps.getSettings).toHaveBeenCalledTimes(3);
    expect(state.setting).toBe(5);
    store.stop();
    expect(events.count()).toBe(0);
  });
});
