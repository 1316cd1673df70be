import { computed, reactive, toValue } from "@vue/reactivity";
import { describe, expect, it, vi } from "vitest";

import type { NodeBadge } from "../lib/nodeBadges";
import { bitmapBadgeClass, createNodeBadgeHost, frontendReactive, type CanvasLike, type GraphLike, type GraphNodeLike, type Reactive } from "./nodeBadges";

/** LiteGraph's LGraphBadge as far as its contract goes: its options become fields. */
class FakeBadge {
  text: string;
  fgColor: string;
  bgColor: string;
  constructor(options: { text: string; fgColor: string; bgColor: string }) {
    this.text = options.text;
    this.fgColor = options.fgColor;
    this.bgColor = options.bgColor;
  }
}

const theirs = () => new FakeBadge({ text: "#3", fgColor: "#fff", bgColor: "#000" });

function setUp(badgeClass: unknown = FakeBadge, vue: Reactive | null = null) {
  const graph: GraphLike = { _nodes: [] };
  const nodes: GraphNodeLike[] = ["3", "8"].map((id) => ({ id: Number(id), type: "KSampler", badges: [theirs], size: [200, 100], graph }));
  graph._nodes = nodes;
  const canvas: CanvasLike = { node_over: undefined, setDirty: vi.fn() };
  const host = createNodeBadgeHost({ graph: () => graph, canvas: () => canvas, badgeClass: () => badgeClass, token: () => "", document, reactive: () => vue });
  // What the renderer sees: every badge of a node, its closures called as LiteGraph calls them.
  const drawn = (node: GraphNodeLike) =>
    (node.badges ?? []).map((b) => (typeof b === "function" ? (b as () => FakeBadge)() : (b as FakeBadge))).filter((b) => b.text).map((b) => b.text);
  return { host, graph, nodes, canvas, drawn };
}

const badge = (text: string, heat: NodeBadge["heat"] = 3, stale = false): NodeBadge => ({ text, heat, stale });

describe("the node badge host", () => {
  it("adds one LGraphBadge of ours beside the node's other badges, coloured from the tokens at the opacity", () => {
    const t = setUp();
    expect(t.host.kind).toBe("badges");
    t.host.apply({ mode: "on", opacity: 0.9, badges: new Map([["3", badge("4.20 s")]]) });
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3", "4.20 s"]);
    expect(t.drawn(t.nodes[1]!)).toEqual(["#3"]);
    const ours = (t.nodes[0]!.badges![1] as () => FakeBadge)();
    expect(ours).toBeInstanceOf(FakeBadge);
    expect(ours.bgColor).toBe("rgba(220, 38, 38, 0.9)");
    // The same object each frame until what it says changes (nothing built per frame).
    expect((t.nodes[0]!.badges![1] as () => FakeBadge)()).toBe(ours);
    // The canvas is marked dirty once.
    expect(t.canvas.setDirty).toHaveBeenCalledTimes(1);
  });

  it("updates in place in the node's own array, and leaves the other badges alone", () => {
    const t = setUp();
    const array = t.nodes[0]!.badges;
    t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("▶ running", null)]]) });
    t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("1.50 s")]]) });
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3", "1.50 s"]);
    expect(t.nodes[0]!.badges).toHaveLength(2);
    expect(t.nodes[0]!.badges).toBe(array);
    // Nothing to say: ours stays, empty (no renderer shows a badge without text).
    t.host.apply({ mode: "on", opacity: 1, badges: new Map() });
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3"]);
    expect(t.nodes[0]!.badges![0]).toBe(theirs);
    expect(t.nodes[0]!.badges).toHaveLength(2);
  });

  it("on hover shows ours on the node under the pointer only (the canvas's node_over)", () => {
    const t = setUp();
    t.host.apply({ mode: "hover", opacity: 1, badges: new Map([["3", badge("4.20 s")], ["8", badge("200 ms", 0)]]) });
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3"]);
    t.canvas.node_over = t.nodes[1];
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3"]);
    expect(t.drawn(t.nodes[1]!)).toEqual(["#3", "200 ms"]);
  });

  it("on hover with Vue nodes follows the node element under the pointer (data-node-id)", () => {
    const t = setUp();
    const elements = ["3", "8"].map((id) => {
      const el = document.createElement("div");
      el.dataset.nodeId = id;
      document.body.append(el);
      return el;
    });
    t.canvas.node_over = t.nodes[1];
    t.host.apply({ mode: "hover", opacity: 1, badges: new Map([["3", badge("4.20 s")], ["8", badge("200 ms", 0)]]) });
    expect(t.drawn(t.nodes[1]!)).toEqual(["#3"]);
    elements[0]!.dispatchEvent(new Event("pointerover", { bubbles: true }));
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3", "4.20 s"]);
    document.body.dispatchEvent(new Event("pointerover", { bubbles: true }));
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3"]);
    t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("4.20 s")]]) });
    for (const el of elements) el.remove();
  });

  it("off takes ours away", () => {
    const t = setUp();
    t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("4.20 s")]]) });
    t.host.apply({ mode: "off", opacity: 1, badges: new Map() });
    expect(t.drawn(t.nodes[0]!)).toEqual(["#3"]);
  });

  it("names the graph's nodes by id and class", () => {
    expect(setUp().host.graphNodes()).toEqual(new Map([["3", "KSampler"], ["8", "KSampler"]]));
  });

  it("draws in onDrawForeground on a frontend without LGraphBadge, after the node's own drawing", () => {
    const t = setUp(null);
    expect(t.host.kind).toBe("foreground");
    const own = vi.fn();
    t.nodes[0]!.onDrawForeground = own;
    t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("4.20 s")]]) });
    const ctx = { save: vi.fn(), restore: vi.fn(), measureText: () => ({ width: 40 }), beginPath: vi.fn(), roundRect: vi.fn(), fill: vi.fn(), fillText: vi.fn() };
    t.nodes[0]!.onDrawForeground?.call(t.nodes[0]!, ctx as unknown as CanvasRenderingContext2D);
    expect(own).toHaveBeenCalled();
    expect(ctx.fillText).toHaveBeenCalledWith("4.20 s", expect.any(Number), expect.any(Number));
    t.host.apply({ mode: "off", opacity: 1, badges: new Map() });
    expect(t.nodes[0]!.onDrawForeground).toBe(own);
  });
});

// The Vue-nodes renderer's computeds, with Vue's own reactivity: what each frontend's usePartitionedBadges reads.
describe("the node badge host with the Vue-nodes renderer", () => {
  const texts = (list: readonly unknown[]) => list.map((b) => toValue(b as () => FakeBadge)).filter((b) => b.text).map((b) => b.text);
  // 1.58: the raw LGraphNode's badges, found in a graph that is not reactive.
  const renderer158 = (node: GraphNodeLike) => computed(() => texts(node.badges ?? []));
  // 1.45: the node's data (reactive), whose `badges` is the node's array as it was when the node was read.
  const renderer145 = (node: GraphNodeLike) => {
    const data = reactive({ badges: node.badges ?? [] });
    return computed(() => texts([...data.badges]));
  };
  const vue = frontendReactive(reactive({ setting: {} }));

  for (const [name, renderer] of [
    ["1.58", renderer158],
    ["1.45", renderer145],
  ] as const) {
    it(`${name}: the badge, its later changes, hover-only and off reach a computed made before the first run`, () => {
      expect(vue).not.toBeNull();
      const t = setUp(FakeBadge, vue);
      for (const node of t.nodes) t.host.nodeCreated(node);
      const shown = t.nodes.map(renderer);
      expect(shown[0]!.value).toEqual(["#3"]);
      t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("▶ running", null)]]) });
      expect(shown[0]!.value).toEqual(["#3", "▶ running"]);
      t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("1.50 s")], ["8", badge("20 ms", 0)]]) });
      expect(shown.map((c) => c.value)).toEqual([
        ["#3", "1.50 s"],
        ["#3", "20 ms"],
      ]);
      t.host.apply({ mode: "off", opacity: 1, badges: new Map() });
      expect(shown[0]!.value).toEqual(["#3"]);
    });
  }

  it("1.45: a node read before ours was put on it still sees ours (pushed through the frontend's Vue)", () => {
    const t = setUp(FakeBadge, vue);
    const shown = renderer145(t.nodes[0]!);
    expect(shown.value).toEqual(["#3"]);
    t.host.apply({ mode: "on", opacity: 1, badges: new Map([["3", badge("1.50 s")]]) });
    expect(shown.value).toEqual(["#3", "1.50 s"]);
  });

  it("hover-only with Vue nodes re-runs only the computeds of the nodes the pointer left and entered", () => {
    const t = setUp(FakeBadge, vue);
    for (const node of t.nodes) t.host.nodeCreated(node);
    const runs = [0, 0];
    const shown = t.nodes.map((node, i) => computed(() => (runs[i]!++, texts(node.badges ?? []))));
    const element = document.createElement("div");
    element.dataset.nodeId = "3";
    document.body.append(element);
    t.host.apply({ mode: "hover", opacity: 1, badges: new Map([["3", badge("4.20 s")], ["8", badge("200 ms", 0)]]) });
    expect(shown.map((c) => c.value)).toEqual([["#3"], ["#3"]]);
    element.dispatchEvent(new Event("pointerover", { bubbles: true }));
    expect(shown.map((c) => c.value)).toEqual([["#3", "4.20 s"], ["#3"]]);
    expect(runs).toEqual([2, 1]);
    element.remove();
    t.host.apply({ mode: "on", opacity: 1, badges: new Map() });
  });

  it("finds no Vue in an object that is not reactive, and puts nothing on nodes at creation then", () => {
    expect(frontendReactive({})).toBeNull();
    expect(frontendReactive(null)).toBeNull();
    const t = setUp(FakeBadge, null);
    t.host.nodeCreated(t.nodes[0]!);
    expect(t.nodes[0]!.badges).toEqual([theirs]);
  });
});

describe("bitmapBadgeClass", () => {
  it("measures once and draws a picture made by LGraphBadge.draw once per zoom", () => {
    const measured = vi.fn(() => 50);
    const drawn = vi.fn();
    class Measured extends FakeBadge {
      height = 20;
      getWidth() {
        return measured();
      }
      draw(ctx: CanvasRenderingContext2D, x: number, y: number) {
        drawn(ctx, x, y);
      }
    }
    const sizes: number[][] = [];
    const Badge = bitmapBadgeClass(Measured, (width, height) => {
      sizes.push([width, height]);
      return { context: { setTransform: vi.fn() } as unknown as CanvasRenderingContext2D, picture: () => ({}) as CanvasImageSource };
    });
    const badge = new Badge({ text: "4.20 s", fgColor: "#fff", bgColor: "#000" }) as InstanceType<typeof Measured>;
    let zoom = 2;
    const ctx = { getTransform: () => ({ a: zoom, b: 0 }), drawImage: vi.fn() } as unknown as CanvasRenderingContext2D;
    for (let frame = 0; frame < 5; frame++) {
      badge.getWidth();
      badge.draw(ctx, 10, -50);
    }
    expect(measured).toHaveBeenCalledTimes(1);
    expect(drawn).toHaveBeenCalledTimes(1);
    expect(ctx.drawImage).toHaveBeenCalledTimes(5);
    expect(sizes).toEqual([[102, 42]]);
    zoom = 1;
    badge.draw(ctx, 10, -50);
    expect(drawn).toHaveBeenCalledTimes(2);
    expect(badge.text).toBe("4.20 s");
  });
});
