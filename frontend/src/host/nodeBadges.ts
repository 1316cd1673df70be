// Our badges on the graph's nodes, through the frontend's badge API: each node we mark gets one
// closure of ours in `node.badges`, returning an LGraphBadge (window.LGraphBadge, which the frontend
// sets from 1.27 to 1.58; ComfyUI_frontend src/composables/useGlobalLitegraph.ts). The LiteGraph
// canvas calls it each frame it draws the node (LGraphNode.drawBadges). The Vue-nodes renderer calls
// it inside a Vue computed (usePartitionedBadges: over the node's data in 1.45, over the raw LGraphNode
// in 1.58) that re-runs only when something reactive it read changes; neither a new `badges` array
// nor a `node:property:changed` event is one. So, where the frontend's Vue is reachable (its Pinia
// extensionManager is a reactive object), the closure reads a per-node reactive counter made by that
// Vue and bumped when what the badge says changes, as ComfyUI's own Comfy.NodeBadge closure reads a
// computed; and it is put on each node when the node is created (nodeCreated), before the renderer
// first reads the node's badges. A frontend without the badge API gets ours drawn in
// onDrawForeground instead (the LiteGraph canvas only). Badges that are not ours are never touched:
// ours are the closures marked with OURS.
import { app } from "comfyui/app";

import type { BadgeColours, BadgePalette, GraphNodes, NodeBadge } from "../lib/nodeBadges";
import { badgeColours } from "../lib/nodeBadges";

const OURS = Symbol.for("swissarmyknife.nodeBadge");

/** LGraphBadge as far as we use it (its constructor's options; `visible` is false without text). */
interface BadgeLike {
  text?: string;
  height?: number;
  xOffset?: number;
  yOffset?: number;
  getWidth?(ctx: CanvasRenderingContext2D): number;
  draw?(ctx: CanvasRenderingContext2D, x: number, y: number): void;
}
type BadgeOptions = { text: string; fgColor: string; bgColor: string };
type BadgeClass = new (options: BadgeOptions) => BadgeLike;

/** A small surface to draw a badge on once, and the picture it gives (an ImageBitmap where the page has OffscreenCanvas). */
export interface BadgeSurface {
  context: CanvasRenderingContext2D | null;
  picture(): CanvasImageSource;
}

function offscreenSurface(width: number, height: number): BadgeSurface {
  if (typeof OffscreenCanvas === "function") {
    const canvas = new OffscreenCanvas(width, height);
    return { context: canvas.getContext("2d") as unknown as CanvasRenderingContext2D | null, picture: () => canvas.transferToImageBitmap() };
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return { context: canvas.getContext("2d"), picture: () => canvas };
}

/**
 * LGraphBadge, drawn from a picture: LiteGraph measures a badge's text three times a frame and sets
 * the font five times (LGraphNode.drawBadges, LGraphBadge.draw), ~18 us a badge in chromium; ours
 * keep their width and draw a picture of themselves made by LGraphBadge.draw once per text and zoom,
 * so that 500 of them cost far less a frame. Same look, same fields (the Vue-nodes renderer reads
 * text and colours), an LGraphBadge still.
 */
export function bitmapBadgeClass(Base: BadgeClass, surface: (width: number, height: number) => BadgeSurface = offscreenSurface): BadgeClass {
  return class BitmapBadge extends Base {
    #width: number | null = null;
    #picture: CanvasImageSource | null = null;
    #size: [number, number] = [0, 0];
    #scale = 0;

    override getWidth(ctx: CanvasRenderingContext2D): number {
      this.#width ??= super.getWidth?.(ctx) ?? 0;
      return this.#width;
    }

    override draw(ctx: CanvasRenderingContext2D, x: number, y: number): void {
      if (!this.text) return;
      const matrix = typeof ctx.getTransform === "function" ? ctx.getTransform() : null;
      // The zoom in device pixels, in steps of 1/32 (a zoom animation re-renders at most per step).
      const scale = matrix ? Math.max(1 / 32, Math.round(Math.hypot(matrix.a, matrix.b) * 32) / 32) : 1;
      const [dx, dy] = [this.xOffset ?? 0, this.yOffset ?? 0];
      if (!this.#picture || this.#scale !== scale) {
        const width = this.getWidth(ctx);
        const size: [number, number] = [Math.ceil(width * scale) + 2, Math.ceil((this.height ?? 20) * scale) + 2];
        const target = surface(...size);
        if (!target.context) return super.draw?.(ctx, x, y);
        target.context.setTransform(scale, 0, 0, scale, 1, 1);
        super.draw?.(target.context, -dx, -dy);
        (this.#picture as ImageBitmap | null)?.close?.();
        this.#picture = target.picture();
        this.#size = size;
        this.#scale = scale;
      }
      ctx.drawImage(this.#picture, x + dx - 1 / scale, y + dy - 1 / scale, this.#size[0] / scale, this.#size[1] / scale);
    }
  };
}

type BadgeEntry = (() => BadgeLike) & { [OURS]?: true };

/** A LiteGraph node as far as badges need it. */
export interface GraphNodeLike {
  id: unknown;
  type?: unknown;
  badges?: unknown[];
  title?: unknown;
  size?: [number, number];
  graph?: GraphLike | null;
  onDrawForeground?: (this: GraphNodeLike, ctx: CanvasRenderingContext2D, ...rest: unknown[]) => void;
}

export interface GraphLike {
  _nodes?: GraphNodeLike[];
  nodes?: GraphNodeLike[];
}

export interface CanvasLike {
  node_over?: unknown;
  setDirty?(foreground: boolean, background?: boolean): void;
}

export interface BadgeHostEnv {
  graph(): GraphLike | null | undefined;
  canvas(): CanvasLike | null | undefined;
  badgeClass(): unknown;
  /** A token's value ("#rrggbb") from the page's styles. */
  token(name: string): string;
  /** The document, for the Vue-nodes renderer's hover (its nodes are elements with data-node-id). */
  document?: Document;
  /** The frontend's own Vue `reactive`, or null where it cannot be reached (see frontendReactive). */
  reactive?(): Reactive | null;
}

/** Vue's `reactive` as the frontend's Vue does it: reads of the result inside its computeds are tracked. */
export type Reactive = <T extends object>(value: T) => T;

const BOX = "__swissarmyknifeReactive";

/**
 * The frontend's own Vue `reactive`, reached through one of its reactive objects (ComfyUI's
 * extensionManager is a Pinia store: reactive in every frontend with Vue nodes): a deep reactive
 * object hands back any object put into it wrapped by that Vue. One key of ours is added to it, once.
 * Null when `store` is not reactive (no Vue, or a frontend that changed this).
 */
export function frontendReactive(store: unknown): Reactive | null {
  type Flagged = Record<string, unknown> & { __v_isReactive?: unknown };
  const target = store as Flagged | null;
  try {
    if (!target || typeof target !== "object" || target.__v_isReactive !== true) return null;
    target[BOX] ??= { value: null };
    const box = target[BOX] as Flagged & { value: unknown };
    if (box.__v_isReactive !== true) return null;
    return <T extends object>(value: T): T => {
      box.value = value;
      const wrapped = box.value as T;
      box.value = null;
      return wrapped;
    };
  } catch {
    return null;
  }
}

/** What extension.ts wires between the store and the page. */
export interface NodeBadgeHost {
  /** "badges" (the frontend's badge API) or "foreground" (drawn by us, frontends without it). */
  readonly kind: "badges" | "foreground";
  graphNodes(): GraphNodes | null;
  /** A node was created (ComfyUI's nodeCreated): ours goes on it now where the Vue-nodes renderer needs that. */
  nodeCreated(node: GraphNodeLike): void;
  apply(view: { mode: "on" | "hover" | "off"; opacity: number; badges: ReadonlyMap<string, NodeBadge> }): void;
}

function nodesOf(graph: GraphLike | null | undefined): GraphNodeLike[] {
  const nodes = graph?._nodes ?? graph?.nodes;
  return Array.isArray(nodes) ? nodes : [];
}

/** The tokens' colours (tokens.css), read once: a canvas needs colours, not CSS variables. */
export function readPalette(token: (name: string) => string): BadgePalette {
  const read = (name: string, fallback: string) => token(`--swissarmyknife-badge-${name}`).trim() || fallback;
  const fg = read("fg", "#ffffff");
  const heat = (level: number, fallback: string): BadgeColours => ({ fg, bg: read(`heat-${level}`, fallback) });
  return {
    heat: [heat(0, "#3f3f46"), heat(1, "#854d0e"), heat(2, "#c2410c"), heat(3, "#dc2626")],
    neutral: { fg, bg: read("neutral", "#1e3a5f") },
    stale: { fg: read("stale-fg", "#d4d4d8"), bg: read("stale-bg", "#52525b") },
  };
}

interface Shown {
  badge: NodeBadge;
  colours: BadgeColours;
  /** The badge object handed to the frontend (rebuilt only when what it says changes). */
  object: BadgeLike | null;
}

export function createNodeBadgeHost(env: BadgeHostEnv): NodeBadgeHost {
  let palette: BadgePalette | null = null;
  let mode: "on" | "hover" | "off" = "on";
  const shown = new Map<GraphNodeLike, Shown>();
  // The Vue-nodes renderer's hovered node (the canvas's own is canvas.node_over).
  let domHovered: string | null = null;
  let hoverListening = false;

  // Per node, a counter of the frontend's Vue that our closure reads: bumping it re-runs the Vue
  // renderer's computed of that node's badges (and nothing else).
  const reactive = env.reactive?.() ?? null;
  const counters = new WeakMap<GraphNodeLike, { n: number }>();
  const counterOf = (node: GraphNodeLike) => {
    let counter = counters.get(node);
    if (!counter && reactive) counters.set(node, (counter = reactive({ n: 0 })));
    return counter;
  };

  const Base = env.badgeClass();
  const Badge: BadgeClass | null = typeof Base === "function" ? bitmapBadgeClass(Base as BadgeClass) : null;
  const kind = Badge ? "badges" : "foreground";
  // What hover-only gives an unhovered node: a badge with no text (LiteGraph skips it, width 0).
  let empty: BadgeLike | null = null;
  const EMPTY = (): BadgeLike => (empty ??= Badge ? new Badge({ text: "", fgColor: "#ffffff", bgColor: "#000000" }) : { text: "" });

  // With the Vue-nodes renderer (node elements with data-node-id) the element under the pointer says
  // which node is hovered; the canvas's node_over is not kept up there.
  let domNodes = false;
  const hasDomNodes = () => !!env.document?.querySelector("[data-node-id]");
  const hovered = (node: GraphNodeLike) => (domNodes ? domHovered === String(node.id) : env.canvas()?.node_over === node);

  function entryOf(node: GraphNodeLike): BadgeEntry | undefined {
    return node.badges?.find((b): b is BadgeEntry => typeof b === "function" && (b as BadgeEntry)[OURS] === true);
  }

  /** What our closure gives the renderer now: nothing (an empty badge) when hover-only and not hovered. */
  function current(node: GraphNodeLike): BadgeLike {
    const entry = shown.get(node);
    if (!entry || mode === "off" || (mode === "hover" && !hovered(node))) return EMPTY();
    if (!entry.object) {
      entry.object = Badge ? new Badge({ text: entry.badge.text, fgColor: entry.colours.fg, bgColor: entry.colours.bg }) : { text: entry.badge.text };
    }
    return entry.object;
  }

  /** Tell the Vue-nodes renderer the node's badge changed (the canvas calls ours each frame anyway). */
  function changed(node: GraphNodeLike): void {
    const counter = counters.get(node);
    if (counter) counter.n++;
  }

  /** Our closure on the node, once; pushed into its own array (renderers may hold that array). */
  function addEntry(node: GraphNodeLike): void {
    if (!Array.isArray(node.badges) || entryOf(node)) return;
    const counter = counterOf(node);
    const entry: BadgeEntry = Object.assign(
      () => {
        // Read inside the Vue renderer's computed: this is what it tracks. The value decides what is
        // returned (a counter never goes below 0) so that no minifier drops the read as unused.
        const revision = counter ? counter.n : 0;
        return revision >= 0 ? current(node) : EMPTY();
      },
      { [OURS]: true as const },
    );
    // Through the frontend's Vue: a renderer that read this array reactively (1.45) sees the push.
    (reactive ? reactive(node.badges) : node.badges).push(entry);
  }

  function attach(node: GraphNodeLike): void {
    if (kind === "badges") {
      addEntry(node);
      changed(node);
      return;
    }
    const draw = node.onDrawForeground as (BadgeEntry & GraphNodeLike["onDrawForeground"]) | undefined;
    if (draw && (draw as BadgeEntry)[OURS]) return;
    const before = draw;
    const ours = Object.assign(
      function (this: GraphNodeLike, ctx: CanvasRenderingContext2D, ...rest: unknown[]) {
        before?.call(this, ctx, ...rest);
        drawForeground(ctx, node);
      },
      { [OURS]: true as const, before },
    );
    node.onDrawForeground = ours;
  }

  function detach(node: GraphNodeLike): void {
    // Ours stays on the node, saying nothing (an empty badge, which no renderer shows): taking it out
    // would go unseen by a renderer that read the array untracked (1.58), and the next run adds it back.
    if (kind === "badges") {
      changed(node);
      return;
    }
    const draw = node.onDrawForeground as (GraphNodeLike["onDrawForeground"] & { [OURS]?: true; before?: GraphNodeLike["onDrawForeground"] }) | undefined;
    if (draw?.[OURS]) node.onDrawForeground = draw.before;
  }

  /** Frontends without the badge API: a rounded label above the node's title, as LiteGraph places badges. */
  function drawForeground(ctx: CanvasRenderingContext2D, node: GraphNodeLike): void {
    const badge = current(node);
    const entry = shown.get(node);
    if (!badge.text || !entry) return;
    const titleHeight = 30;
    const height = 20;
    ctx.save();
    ctx.font = "12px sans-serif";
    const width = ctx.measureText(badge.text).width + 12;
    const x = Math.max(0, (node.size?.[0] ?? width) - width);
    const y = -titleHeight - 2 - height;
    ctx.fillStyle = entry.colours.bg;
    ctx.beginPath();
    ctx.roundRect(x, y, width, height, 5);
    ctx.fill();
    ctx.fillStyle = entry.colours.fg;
    ctx.textBaseline = "middle";
    ctx.fillText(badge.text, x + 6, y + height / 2 + 1);
    ctx.restore();
  }

  function onPointerOver(event: Event): void {
    const target = event.target as Element | null;
    const id = target?.closest?.("[data-node-id]")?.getAttribute("data-node-id") ?? null;
    const dom = hasDomNodes();
    if (id === domHovered && dom === domNodes) return;
    const before = domHovered;
    const all = dom !== domNodes;
    domHovered = id;
    domNodes = dom;
    for (const node of shown.keys()) {
      const nodeId = String(node.id);
      if (all || nodeId === before || nodeId === id) changed(node);
    }
  }

  function listenForHover(on: boolean): void {
    const doc = env.document;
    if (!doc || on === hoverListening) return;
    hoverListening = on;
    if (on) doc.addEventListener("pointerover", onPointerOver, { passive: true });
    else {
      doc.removeEventListener("pointerover", onPointerOver);
      domHovered = null;
    }
  }

  return {
    kind,
    graphNodes() {
      const graph = env.graph();
      if (!graph) return null;
      return new Map(nodesOf(graph).map((node) => [String(node.id), typeof node.type === "string" ? node.type : ""]));
    },
    nodeCreated(node) {
      // Only where the Vue-nodes renderer can follow ours; elsewhere a node gets ours when it has a badge.
      if (kind === "badges" && reactive) addEntry(node);
    },
    apply(view) {
      palette ??= readPalette(env.token);
      const modeChanged = view.mode !== mode;
      mode = view.mode;
      listenForHover(mode === "hover");
      if (mode === "hover") domNodes = hasDomNodes();
      const seen = new Set<GraphNodeLike>();
      for (const node of nodesOf(env.graph())) {
        const badge = mode === "off" ? undefined : view.badges.get(String(node.id));
        if (!badge) continue;
        seen.add(node);
        const colours = badgeColours(badge, palette, view.opacity);
        const before = shown.get(node);
        const same = before && before.badge.text === badge.text && before.colours.fg === colours.fg && before.colours.bg === colours.bg;
        if (same && !modeChanged && entryOf(node)) continue;
        shown.set(node, { badge, colours, object: same ? before.object : null });
        attach(node);
      }
      for (const node of [...shown.keys()]) {
        if (seen.has(node)) continue;
        shown.delete(node);
        detach(node);
      }
      // Once per change, never on a timer: the canvas draws again only now.
      env.canvas()?.setDirty?.(true, false);
    },
  };
}

/** The environment in ComfyUI's page: its graph and canvas, window.LGraphBadge, our tokens on body. */
export function comfyBadgeEnv(): BadgeHostEnv {
  const page = app as unknown as { graph?: GraphLike | null; canvas?: CanvasLike | null; extensionManager?: unknown };
  let style: CSSStyleDeclaration | null = null;
  return {
    graph: () => page.graph,
    canvas: () => page.canvas,
    badgeClass: () => (window as Window & { LGraphBadge?: unknown }).LGraphBadge,
    token: (name) => (style ??= getComputedStyle(document.body)).getPropertyValue(name),
    document,
    reactive: () => frontendReactive(page.extensionManager),
  };
}
