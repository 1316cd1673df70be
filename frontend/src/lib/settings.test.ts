import { describe, expect, it } from "vitest";

import { comboOptions, guardText, settingSections, toastAllowed, type SettingDefinition } from "./settings";

const definition = (id: string, section: string | null, type: SettingDefinition["type"] = "boolean"): SettingDefinition => ({
  id,
  name: id,
  type,
  defaultValue: null,
  category: section === null ? undefined : ["SwissArmyKnife", section, id],
});

describe("settingSections", () => {
  it("groups the shown definitions by their category's section, in the order they come", () => {
    const sections = settingSections([
      definition("visible", "Resource monitor"),
      definition("position", null, "hidden"),
      definition("badges", "Node badges"),
      definition("interval", "Resource monitor", "slider"),
      definition("loose", null),
    ]);
    expect(sections.map((s) => [s.name, s.definitions.map((d) => d.id)])).toEqual([
      ["Resource monitor", ["visible", "interval"]],
      ["Node badges", ["badges"]],
      ["General", ["loose"]],
    ]);
  });
});

describe("comboOptions", () => {
  it("takes ComfyUI's plain strings and {text, value} alike", () => {
    expect(comboOptions(["a", { text: "On hover", value: "hover" }, { text: "Same" }])).toEqual([
      { value: "a", label: "a" },
      { value: "hover", label: "On hover" },
      { value: "Same", label: "Same" },
    ]);
    expect(comboOptions()).toEqual([]);
  });
});

describe("toastAllowed", () => {
  it.each([
    ["all", ["success", "info", "warn", "error"]],
    ["errors", ["error"]],
    ["none", []],
    // Not a known choice (an old saved value, no settings API): everything shows.
    [undefined, ["success", "info", "warn", "error"]],
  ] as const)("at %s shows %j", (verbosity, shown) => {
    const severities = ["success", "info", "warn", "error"] as const;
    expect(severities.filter((severity) => toastAllowed(verbosity, severity))).toEqual(shown);
  });
});

describe("guardText", () => {
  it("says the actions are allowed, or why not in the server's words", () => {
    expect(guardText({ actions_refused_reason: null })).toBe("Allowed on this server.");
    expect(guardText({ actions_refused_reason: "set SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS=1" })).toBe("set SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS=1");
  });
});
