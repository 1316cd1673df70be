import { describe, expect, it } from "vitest";

import {
  barMode,
  closeModal,
  closePopup,
  escape,
  fromSettings,
  isCollapsed,
  isVisible,
  MODAL_TABS,
  openModal,
  openPopup,
  parseCollapsed,
  selectTab,
  setCollapsed,
  setVisible,
  toggleCollapsed,
  togglePopup,
  type BarMode,
  type UiMode,
} from "./uiMode";

const hidden: BarMode = { kind: "hidden", collapsed: false };
const hiddenCollapsed: BarMode = { kind: "hidden", collapsed: true };
const collapsed: BarMode = { kind: "collapsed" };
const bar: BarMode = { kind: "bar" };
const popup: UiMode = { kind: "popup" };
const BARS: BarMode[] = [hidden, hiddenCollapsed, collapsed, bar];
const modal = (under: BarMode, tab: (typeof MODAL_TABS)[number] = "analytics"): UiMode => ({ kind: "modal", tab, under });

/** Every mode there is: each bar mode, the popup, and the modal on every tab over every bar mode. */
const ALL: UiMode[] = [...BARS, popup, ...BARS.flatMap((under) => MODAL_TABS.map((tab) => modal(under, tab)))];
const name = (mode: UiMode) => JSON.stringify(mode);

describe("the saved settings", () => {
  it.each([
    [true, false, bar],
    [true, true, collapsed],
    [false, false, hidden],
    [false, true, hiddenCollapsed],
  ] as const)("visible %s, collapsed %s -> %j, and back", (visible, isCollapsedSaved, mode) => {
    expect(fromSettings(visible, isCollapsedSaved)).toEqual(mode);
    expect([isVisible(mode), isCollapsed(mode)]).toEqual([visible, isCollapsedSaved]);
  });

  it("a popup is on the shown, expanded bar; a modal keeps the flags of what is under it", () => {
    expect([isVisible(popup), isCollapsed(popup)]).toEqual([true, false]);
    for (const under of BARS) {
      expect([isVisible(modal(under)), isCollapsed(modal(under))]).toEqual([isVisible(under), isCollapsed(under)]);
    }
  });

  it("reads the collapsed flag tolerantly: only true collapses", () => {
    expect(parseCollapsed(true)).toBe(true);
    expect(parseCollapsed("true")).toBe(true);
    expect(parseCollapsed(1)).toBe(false);
    expect(parseCollapsed(undefined)).toBe(false);
  });
});

describe("setVisible", () => {
  it.each([
    [bar, false, hidden],
    [collapsed, false, hiddenCollapsed],
    [popup, false, hidden], // the popup goes with the bar
    [hidden, false, hidden],
    [hiddenCollapsed, false, hiddenCollapsed],
    [hidden, true, bar],
    [hiddenCollapsed, true, collapsed], // back the way it was
    [bar, true, bar],
    [collapsed, true, collapsed],
    [popup, true, popup],
  ] as const)("%j, visible %s -> %j", (mode, visible, next) => {
    expect(setVisible(mode, visible)).toEqual(next);
  });

  it("leaves an open modal open and changes what it returns to", () => {
    expect(setVisible(modal(bar, "oom"), false)).toEqual(modal(hidden, "oom"));
    expect(setVisible(modal(hiddenCollapsed, "oom"), true)).toEqual(modal(collapsed, "oom"));
  });
});

describe("setCollapsed / toggleCollapsed", () => {
  it.each([
    [bar, true, collapsed],
    [popup, true, collapsed], // the popup hangs from the expanded bar: it closes
    [collapsed, true, collapsed],
    [hidden, true, hiddenCollapsed], // remembered for when the bar is shown again
    [hiddenCollapsed, true, hiddenCollapsed],
    [collapsed, false, bar],
    [bar, false, bar],
    [popup, false, popup],
    [hiddenCollapsed, false, hidden],
    [hidden, false, hidden],
  ] as const)("%j, collapsed %s -> %j", (mode, value, next) => {
    expect(setCollapsed(mode, value)).toEqual(next);
  });

  it("changes what an open modal returns to, and nothing else", () => {
    expect(setCollapsed(modal(bar, "settings"), true)).toEqual(modal(collapsed, "settings"));
    expect(toggleCollapsed(modal(collapsed, "latest"))).toEqual(modal(bar, "latest"));
  });

  it("toggling twice is where it started, for every mode but the popup (collapsing closes it)", () => {
    for (const mode of ALL) {
      const back = toggleCollapsed(toggleCollapsed(mode));
      expect(back, name(mode)).toEqual(mode.kind === "popup" ? bar : mode);
      expect(isCollapsed(toggleCollapsed(mode)), name(mode)).toBe(!isCollapsed(mode));
    }
  });
});

describe("the popup", () => {
  it("opens only from the shown, expanded bar", () => {
    expect(openPopup(bar)).toEqual(popup);
    expect(openPopup(popup)).toEqual(popup);
    for (const mode of [hidden, hiddenCollapsed, collapsed, modal(bar)]) expect(openPopup(mode), name(mode)).toBe(mode);
  });

  it("closes back to the bar; closing what is not open changes nothing", () => {
    expect(closePopup(popup)).toEqual(bar);
    for (const mode of ALL.filter((m) => m.kind !== "popup")) expect(closePopup(mode), name(mode)).toBe(mode);
  });

  it("toggles", () => {
    expect(togglePopup(bar)).toEqual(popup);
    expect(togglePopup(popup)).toEqual(bar);
    expect(togglePopup(collapsed)).toBe(collapsed);
  });
});

describe("the modal", () => {
  it("opens on a tab from any bar mode and remembers it", () => {
    for (const under of BARS) expect(openModal(under, "previous")).toEqual(modal(under, "previous"));
  });

  it("opening it closes the popup: the bar beneath is the expanded bar", () => {
    expect(openModal(popup, "latest")).toEqual(modal(bar, "latest"));
    expect(closeModal(openModal(popup, "latest"))).toEqual(bar);
  });

  it("opening it again switches the tab and keeps what it returns to", () => {
    expect(openModal(modal(collapsed, "latest"), "oom")).toEqual(modal(collapsed, "oom"));
  });

  it("selectTab switches tabs only while it is open", () => {
    for (const tab of MODAL_TABS) expect(selectTab(modal(hidden, "latest"), tab)).toEqual(modal(hidden, tab));
    for (const mode of [...BARS, popup]) expect(selectTab(mode, "oom"), name(mode)).toBe(mode);
  });

  it("closes back to what it was opened over", () => {
    for (const under of BARS) expect(closeModal(modal(under, "settings"))).toEqual(under);
    for (const mode of [...BARS, popup]) expect(closeModal(mode), name(mode)).toBe(mode);
  });
});

describe("escape closes the innermost", () => {
  it("the modal first, then the popup, then nothing", () => {
    expect(escape(modal(bar))).toEqual(bar);
    expect(escape(popup)).toEqual(bar);
    for (const mode of BARS) expect(escape(mode), name(mode)).toBe(mode);
  });

  it("never changes the bar's own flags, from any mode", () => {
    for (const mode of ALL) {
      const next = escape(mode);
      expect([isVisible(next), isCollapsed(next)], name(mode)).toEqual([isVisible(mode), isCollapsed(mode)]);
    }
  });

  it("repeated, always ends on the bar alone", () => {
    for (const mode of ALL) expect(escape(escape(mode)), name(mode)).toEqual(barMode(mode));
  });
});

describe("invariants over every mode and transition", () => {
  const transitions: [string, (mode: UiMode) => UiMode][] = [
    ["show", (m) => setVisible(m, true)],
    ["hide", (m) => setVisible(m, false)],
    ["collapse", (m) => setCollapsed(m, true)],
    ["expand", (m) => setCollapsed(m, false)],
    ["toggle collapsed", toggleCollapsed],
    ["open popup", openPopup],
    ["close popup", closePopup],
    ["toggle popup", togglePopup],
    ...MODAL_TABS.map((tab): [string, (mode: UiMode) => UiMode] => [`open modal on ${tab}`, (m) => openModal(m, tab)]),
    ["select tab", (m) => selectTab(m, "oom")],
    ["close modal", closeModal],
    ["escape", escape],
  ];

  it("every result is a mode the union allows (a popup only over a shown, expanded bar; a modal over a bar mode)", () => {
    const allowed = new Set(ALL.map(name));
    for (const mode of ALL) {
      for (const [label, transition] of transitions) {
        expect(allowed.has(name(transition(mode))), `${label} from ${name(mode)}`).toBe(true);
      }
    }
  });

  it("never mutates the mode it is given", () => {
    for (const mode of ALL) {
      const before = name(mode);
      for (const [, transition] of transitions) transition(mode);
      expect(name(mode)).toBe(before);
    }
  });

  it("opening and closing the popup or the modal never changes the saved settings", () => {
    const keeps = transitions.filter(([label]) => /popup|modal|tab|escape/.test(label));
    for (const mode of ALL) {
      for (const [label, transition] of keeps) {
        const next = transition(mode);
        expect([isVisible(next), isCollapsed(next)], `${label} from ${name(mode)}`).toEqual([isVisible(mode), isCollapsed(mode)]);
      }
    }
  });
});
