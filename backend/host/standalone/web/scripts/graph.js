// @ts-check
// Standalone host shim of ComfyUI's graph and canvas, as far as node badges go: `app.graph` holds the
// demo's workflows' nodes (ids and classes as backend/host/standalone/demo.py runs them), each with
// LiteGraph's `badges` array (entries: an LGraphBadge, or a function returning one) and ComfyUI's own
// "#id" badge first (Comfy.NodeBadge); `window.LGraphBadge` is the shim's own class with LiteGraph's
// constructor options. `app.canvas` plays the LiteGraph canvas's contract: `setDirty` asks for one
// frame; a frame evaluates every node's badges (calling the functions, as LGraphNode.drawBadges
// does) and shows those with text as DOM, so a person and a test see them; `node_over` is the
// node under the pointer, and moving onto or off a node asks for a frame. Nothing draws otherwise.
// Switching workflow (the tabs above the graph) replaces the graph's nodes and calls the extensions'
// afterConfigureGraph, as ComfyUI's loadGraphData does.

/** The demo's workflows: [id, class, title] in the order demo.py lists them; node 5 of the upscale holds a subgraph. */
export const DEMO_GRAPHS = {
  "Text to image (SDXL)": [
    ["4", "CheckpointLoaderSimple", "Load Checkpoint"],
    ["6", "CLIPTextEncode", "Positive"],
    ["7", "CLIPTextEncode", "Negative"],
    ["5", "EmptyLatentImage", "Empty Latent Image"],
    ["3", "KSampler", "KSampler"],
    ["8", "VAEDecode", "VAE Decode"],
    ["9", "SaveImage", "Save Image"],
  ],
  "Upscale 2x with face detail": [
    ["1", "LoadImage", "Load Image"],
    ["2", "UpscaleModelLoader", "Load Upscale Model"],
    ["3", "ImageUpscaleWithModel", "Upscale"],
    ["4", "ImageScale", "Scale to 2x"],
    ["5", "FaceDetailer", "Face Detailer"],
    ["6", "SaveImage", "Save Image"],
  ],
};

export class LGraphBadge {
  /** @param {{text: string, fgColor?: string, bgColor?: string, fontSize?: number, padding?: number, height?: number, cornerRadius?: number}} options */
  constructor({ text, fgColor = "white", bgColor = "#0F1F0F", fontSize = 12, padding = 6, height = 20, cornerRadius = 5 }) {
    this.text = text;
    this.fgColor = fgColor;
    this.bgColor = bgColor;
    this.fontSize = fontSize;
    this.padding = padding;
    this.height = height;
    this.cornerRadius = cornerRadius;
    this.xOffset = 0;
    this.yOffset = 0;
  }
  get visible() {
    return (this.text?.length ?? 0) > 0;
  }
}

class GraphNode {
  /** @param {string} id @param {string} type @param {string} title @param {[number, number]} pos */
  constructor(id, type, title, pos) {
    this.id = Number(id);
    this.type = type;
    this.title = title;
    this.pos = pos;
    this.size = [164, 60];
    /** @type {unknown[]} */
    this.badges = [() => new LGraphBadge({ text: `#${id}`, fgColor: "#bbb", bgColor: "#353535" })];
  }
}

class Graph {
  constructor() {
    /** @type {GraphNode[]} */
    this._nodes = [];
  }
  get nodes() {
    return this._nodes;
  }
  /** @param {string | number} id */
  getNodeById(id) {
    return this._nodes.find((n) => String(n.id) === String(id)) ?? null;
  }
}

export class GraphCanvas {
  /** @param {Graph} graph @param {HTMLElement} root */
  constructor(graph, root) {
    this.graph = graph;
    this.root = root;
    /** @type {GraphNode | undefined} */
    this.node_over = undefined;
    /** Frames drawn so far (a test reads it to see nothing draws while idle). */
    this.frames = 0;
    this.setDirtyCalls = 0;
    this._pending = false;
    /** @type {Map<GraphNode, HTMLElement>} */
    this._elements = new Map();
  }
  /** @param {boolean} [foreground] @param {boolean} [background] */
  setDirty(foreground, background) {
    this.setDirtyCalls++;
    if ((!foreground && !background) || this._pending) return;
    this._pending = true;
    requestAnimationFrame(() => {
      this._pending = false;
      this.draw();
    });
  }
  /** One frame: every node's badges as LiteGraph would draw them, above its title. */
  draw() {
    this.frames++;
    for (const node of this.graph._nodes) {
      const el = this._elements.get(node);
      const row = el?.querySelector(".standalone-node-badges");
      if (!row) continue;
      const badges = node.badges
        .map((b) => (b instanceof LGraphBadge ? b : typeof b === "function" ? b() : null))
        .filter((b) => b && b.visible);
      row.replaceChildren(
        ...badges.map((badge) => {
          const span = document.createElement("span");
          span.className = "standalone-node-badge";
          span.textContent = badge.text;
          span.style.color = badge.fgColor;
          span.style.background = badge.bgColor;
          span.style.fontSize = `${badge.fontSize}px`;
          span.style.height = `${badge.height}px`;
          span.style.padding = `0 ${badge.padding}px`;
          span.style.borderRadius = `${badge.cornerRadius}px`;
          return span;
        }),
      );
    }
  }
  /** The nodes as elements, placed as on a canvas; hovering one sets node_over. */
  layout() {
    this._elements.clear();
    const elements = this.graph._nodes.map((node) => {
      const el = document.createElement("div");
      el.className = "standalone-node";
      el.dataset.nodeId = String(node.id);
      el.style.left = `${node.pos[0]}px`;
      el.style.top = `${node.pos[1]}px`;
      el.style.width = `${node.size[0]}px`;
      const badges = document.createElement("div");
      badges.className = "standalone-node-badges";
      const title = document.createElement("div");
      title.className = "standalone-node-title";
      title.textContent = node.title;
      const type = document.createElement("div");
      type.className = "standalone-node-type";
      type.textContent = node.type;
      el.append(badges, title, type);
      el.addEventListener("pointerenter", () => {
        this.node_over = node;
        this.setDirty(true);
      });
      el.addEventListener("pointerleave", () => {
        if (this.node_over === node) this.node_over = undefined;
        this.setDirty(true);
      });
      this._elements.set(node, el);
      return el;
    });
    this.root.replaceChildren(...elements);
    this.setDirty(true, true);
  }
}

/**
 * Puts the shim's graph on the page: tabs for the demo's workflows, the nodes under them.
 * @param {{extensions: any[], graph?: Graph, canvas?: GraphCanvas}} app
 */
export function installGraph(app) {
  const graph = new Graph();
  const tabs = document.createElement("nav");
  tabs.className = "standalone-workflow-tabs";
  tabs.setAttribute("aria-label", "Workflows");
  const root = document.createElement("div");
  root.className = "standalone-graph";
  document.body.append(tabs, root);
  const canvas = new GraphCanvas(graph, root);
  app.graph = graph;
  app.canvas = canvas;
  window.LGraphBadge = LGraphBadge;

  /** @param {string} name */
  const show = async (name) => {
    const nodes = DEMO_GRAPHS[/** @type {keyof typeof DEMO_GRAPHS} */ (name)];
    if (!nodes) throw new Error(`No demo workflow ${name}`);
    graph._nodes = nodes.map(([id, type, title], i) => new GraphNode(id, type, title, [24 + i * 178, 0]));
    for (const button of tabs.querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.textContent === name));
    canvas.node_over = undefined;
    canvas.layout();
    for (const ext of app.extensions) await ext.afterConfigureGraph?.([]);
  };
  for (const name of Object.keys(DEMO_GRAPHS)) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = name;
    button.addEventListener("click", () => void show(name));
    tabs.append(button);
  }
  return { show, first: Object.keys(DEMO_GRAPHS)[0] ?? "" };
}
