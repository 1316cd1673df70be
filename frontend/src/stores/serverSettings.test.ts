import { describe, expect, it, vi } from "vitest";

import type { ProfilerSettings } from "../api/types";
import { ApiRequestError } from "../api/errors";
import { INTERVAL_SETTING, PROFILER_ENABLED_SETTING, VRAM_CRITICAL_SETTING, VRAM_WARNING_SETTING } from "../lib/settingIds";
import { monitorSettings } from "../testing/fixtures";
import { FakeEvents } from "../testing/hud";
import { FakeProfilerServer } from "../testing/profilerTabs";
import { ServerSettingsStore } from "./serverSettings.svelte";

const settings = (seconds: number) => monitorSettings({ sample_interval_s: seconds });
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/**
 * ComfyUI's settings as 1.27 and 1.45 keep them: set() calls onChange with the old value first, then
 * stores the value (1.58 stores first); a write of the same value calls nothing.
 */
class FakeSettings {
  values = new Map<string, unknown>();
  onChange: (id: string, value: unknown, old: unknown) => void = () => {};
  read = (id: string) => this.values.get(id);
  write = (id: string, value: unknown) => {
    const old = this.values.get(id);
    if (Object.is(old, value)) return;
    this.onChange(id, value, old);
    this.values.set(id, value);
  };
}

/** The sample interval's store over a server whose PUT answers when `answer()` is called. */
function harness(server = 2) {
  const events = new FakeEvents();
  const comfy = new FakeSettings();
  comfy.values.set(INTERVAL_SETTING, 2);
  const state = { server, puts: [] as number[], reject: null as Error | null };
  let resolvePut: (() => void) | null = null;
  const deps = {
    getSettings: vi.fn(async () => settings(state.server)),
    updateSettings: vi.fn(async ({ sample_interval_s }: { sample_interval_s?: number }) => {
      state.puts.push(sample_interval_s!);
      await new Promise<void>((resolve) => (resolvePut = resolve));
      if (state.reject) throw state.reject;
      state.server = sample_interval_s!;
      return settings(sample_interval_s!);
    }),
    fields: [{ id: INTERVAL_SETTING, key: "sample_interval_s", label: "Sample interval" }] as const,
    readSetting: comfy.read,
    writeSetting: comfy.write,
    events: events.host,
    notifyError: vi.fn(),
  };
  const store = new ServerSettingsStore(deps);
  comfy.onChange = (id, value, old) => store.onSettingChange(id, value, old);
  const userSets = (value: unknown) => comfy.write(INTERVAL_SETTING, value);
  const answer = async () => {
    for (let i = 0; i < 5 && !resolvePut; i++) await Promise.resolve();
    const r = resolvePut;
    resolvePut = null;
    r?.();
    await flush();
  };
  return { store, deps, state, comfy, userSets, answer, events, shown: () => comfy.values.get(INTERVAL_SETTING) };
}

describe("ServerSettingsStore: the sample interval", () => {
  it("ignores the registration call and shows the server's value in the setting", async () => {
    const { store, deps, shown } = harness(0.5);
    store.onSettingChange(INTERVAL_SETTING, 2, undefined);
    await store.start();
    expect(deps.updateSettings).not.toHaveBeenCalled();
    expect(shown()).toBe(0.5);
    expect(store.server?.sample_interval_s).toBe(0.5);
  });

  it("PUTs a change the user makes", async () => {
    const { store, state, userSets, answer } = harness();
    await store.start();
    userSets(1);
    await answer();
    await store.settled();
    expect(state.puts).toEqual([1]);
    expect(store.server?.sample_interval_s).toBe(1);
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
    const { store, deps, state, userSets, answer, shown } = harness();
    await store.start();
    state.reject = new ApiRequestError(400, {
      error: "validation_error",
      message: "invalid body",
      details: [{ location: "body.sample_interval_s", message: "Input should be less than or equal to 10" }],
    });
    userSets(11);
    await answer();
    await store.settled();
    expect(deps.notifyError).toHaveBeenCalledWith("Sample interval not changed", "invalid body (sample_interval_s: Input should be less than or equal to 10)");
    expect(shown()).toBe(2);
    expect(state.puts).toEqual([11]);
    expect(store.server?.sample_interval_s).toBe(2);
  });

  it("ignores a setting it does not keep, and the value the server already has", async () => {
    const { store, deps, userSets, answer } = harness();
    await store.start();
    store.onSettingChange("SwissArmyKnife.other", 1, 2);
    userSets(2);
    expect(deps.updateSettings).not.toHaveBeenCalled();
    userSets(3);
    await answer();
    await store.settled();
    expect(deps.updateSettings).toHaveBeenCalledTimes(1);
  });

  it("a failed first read leaves the setting alone", async () => {
    const { store, deps, shown } = harness(5);
    deps.getSettings.mockRejectedValueOnce(new Error("HTTP 503"));
    await store.start();
    expect(store.server).toBeNull();
    expect(shown()).toBe(2);
  });

  it("asks the server again after a reconnect", async () => {
    const { store, deps, events, state, shown } = harness();
    await store.start();
    state.server = 5;
    events.emit("reconnected");
    await store.refresh();
    expect(deps.getSettings).toHaveBeenCalledTimes(3);
    expect(shown()).toBe(5);
    store.stop();
    expect(events.count()).toBe(0);
  });
});

describe("ServerSettingsStore: the profiler's recording and VRAM levels", () => {
  function profiler(locked: string | null = null) {
    const server = new FakeProfilerServer();
    server.settings = { ...server.settings, enabled: locked === null, enabled_locked_reason: locked };
    const comfy = new FakeSettings();
    for (const [id, value] of [
      [PROFILER_ENABLED_SETTING, true],
      [VRAM_WARNING_SETTING, 85],
      [VRAM_CRITICAL_SETTING, 95],
    ] as const)
      comfy.values.set(id, value);
    const deps = {
      getSettings: vi.fn(() => server.getSettings()),
      updateSettings: vi.fn((update: Partial<ProfilerSettings>) => server.updateSettings(update)),
      fields: [
        { id: PROFILER_ENABLED_SETTING, key: "enabled", label: "Recording" },
        { id: VRAM_WARNING_SETTING, key: "vram_warning_percent", label: "VRAM warning" },
        { id: VRAM_CRITICAL_SETTING, key: "vram_critical_percent", label: "VRAM critical" },
      ] as const,
      lockedReason: (settings: ProfilerSettings, key: keyof ProfilerSettings) => (key === "enabled" ? settings.enabled_locked_reason : null),
      readSetting: comfy.read,
      writeSetting: comfy.write,
      events: new FakeEvents().host,
      notifyError: vi.fn(),
    };
    const store = new ServerSettingsStore(deps);
    comfy.onChange = (id, value, old) => store.onSettingChange(id, value, old);
    return { store, server, deps, comfy };
  }

  it("turns recording off and moves a VRAM level on the server", async () => {
    const { store, server, deps, comfy } = profiler();
    await store.start();
    comfy.write(PROFILER_ENABLED_SETTING, false);
    await store.settled();
    comfy.write(VRAM_WARNING_SETTING, 80);
    await store.settled();
    expect(deps.updateSettings.mock.calls).toEqual([[{ enabled: false }], [{ vram_warning_percent: 80 }]]);
    expect(server.settings).toMatchObject({ enabled: false, vram_warning_percent: 80 });
    expect(store.lockedReason(PROFILER_ENABLED_SETTING)).toBeNull();
  });

  it("shows the server's lock: the setting follows it, a change is refused saying why and put back", async () => {
    const { store, deps, comfy } = profiler("SWISSARMYKNIFE_PROFILER=0 turns the profiler off");
    await store.start();
    expect(comfy.read(PROFILER_ENABLED_SETTING)).toBe(false);
    expect(store.lockedReason(PROFILER_ENABLED_SETTING)).toBe("SWISSARMYKNIFE_PROFILER=0 turns the profiler off");
    expect(store.lockedReason(VRAM_WARNING_SETTING)).toBeNull();
    comfy.write(PROFILER_ENABLED_SETTING, true);
    // ComfyUI stored the refused value; it is put back right after.
    expect(comfy.read(PROFILER_ENABLED_SETTING)).toBe(true);
    await flush();
    expect(comfy.read(PROFILER_ENABLED_SETTING)).toBe(false);
    expect(deps.updateSettings).not.toHaveBeenCalled();
    expect(deps.notifyError).toHaveBeenCalledWith("Recording not changed", "SWISSARMYKNIFE_PROFILER=0 turns the profiler off");
  });

  it("puts a VRAM level the server refuses back, in the server's words", async () => {
    const { store, deps, comfy } = profiler();
    await store.start();
    comfy.write(VRAM_WARNING_SETTING, 99);
    await store.settled();
    expect(deps.notifyError).toHaveBeenCalledWith("VRAM warning not changed", "invalid body (vram_warning_percent must be below vram_critical_percent)");
    expect(comfy.read(VRAM_WARNING_SETTING)).toBe(85);
  });
});
