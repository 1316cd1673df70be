// Where ComfyUI's own menus are on the page: measured from its DOM (the only place that knows its
// class names) and followed as settings, workflows and the window change them.
import { chromeFromPieces, sameChrome, type Chrome, type ChromePiece, type Rect } from "../lib/layout";

/**
 * ComfyUI's menu rows, by frontend. 1.27: the grid cells `#comfyui-body-top` (z-index 1001) and
 * `#comfyui-body-bottom` (1000) hold the new menu (`Comfy.UseNewMenu` Top or Bottom) and, with
 * `Comfy.Workflow.WorkflowTabsPosition` Topbar, the workflow tabs
 * (https://github.com/Comfy-Org/ComfyUI_frontend/blob/main/src/views/GraphView.vue). 1.45+: the
 * tab row `.workflow-tabs-container` across the top of the graph's overlay (z-index 999;
 * src/components/topbar/WorkflowTabs.vue). The legacy menu (`Comfy.UseNewMenu` Disabled) draws no row.
 */
const ROWS = ["#comfyui-body-top", "#comfyui-body-bottom", ".workflow-tabs-container"];

/**
 * ComfyUI's floating controls near the bar's default place, as 1.27.10, 1.45.20 and 1.58.1 draw
 * them: the action bar with Run (`.actionbar`, 1.45's `.actionbar-container`), 1.45's graph menu
 * pill in the breadcrumb, 1.58's `.floating-panel`s (graph menu, action bar) and the legacy
 * floating `.comfy-menu`. 1.27's second-row tab strip is a `.workflow-tabs-container` too narrow
 * to be a row, so it counts as floating.
 */
const FLOATING = [".actionbar", ".actionbar-container", ".subgraph-breadcrumb > .pointer-events-auto", ".floating-panel", ".comfy-menu"];

/** The page's own elements (the bar, its popups) never count as ComfyUI's chrome. */
const OURS = '[id^="swissarmyknife-"]';

function rectOf(element: Element): Rect {
  const box = element.getBoundingClientRect();
  return { left: box.left, top: box.top, width: box.width, height: box.height };
}

function pieces(doc: Document): { found: Element[]; measured: ChromePiece[] } {
  const found: Element[] = [];
  const measured: ChromePiece[] = [];
  for (const [kind, selectors] of [
    ["row", ROWS],
    ["floating", FLOATING],
  ] as const) {
    for (const element of doc.querySelectorAll(selectors.join(","))) {
      if (element.closest(OURS)) continue;
      found.push(element);
      measured.push({ kind, rect: rectOf(element) });
    }
  }
  return { found, measured };
}

/** ComfyUI's chrome as it is drawn now. */
export function measureChrome(doc: Document = document, win: Window = window): Chrome {
  return chromeFromPieces(pieces(doc).measured, { width: win.innerWidth, height: win.innerHeight });
}

export interface WatchOptions {
  doc?: Document;
  win?: Window;
  /** Runs a measurement before the next paint (tests pass a synchronous one). */
  schedule?: (run: () => void) => void;
}

/**
 * Calls `onChange` with the chrome now, then whenever it changes. Cheap while nothing changes:
 * a ResizeObserver on the chrome's own elements (a menu row appearing or growing), a
 * MutationObserver on ComfyUI's app for elements coming and going (children only, never
 * attributes: dragging a node must cost nothing), and the window's resize; all of them only ask
 * for one measurement in the next animation frame, and `onChange` hears only real changes.
 * Returns the function that stops watching.
 */
export function watchChrome(onChange: (chrome: Chrome) => void, options: WatchOptions = {}): () => void {
  const doc = options.doc ?? document;
  const win = options.win ?? window;
  const schedule = options.schedule ?? ((run: () => void) => void win.requestAnimationFrame(run));
  const observed = new Set<Element>();
  let pending = false;
  let last: Chrome | null = null;

  const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(request);
  const mutations =
    typeof MutationObserver === "undefined"
      ? null
      : new MutationObserver((records) => {
          if (records.some((record) => !(record.target instanceof Element && record.target.closest(OURS)))) request();
        });

  function request(): void {
    if (pending) return;
    pending = true;
    schedule(measure);
  }

  function measure(): void {
    pending = false;
    const { found, measured } = pieces(doc);
    // Observe new elements only: observing one again would report it again and loop.
    const current = new Set(found);
    for (const element of observed) {
      if (!current.has(element)) {
        resize?.unobserve(element);
        observed.delete(element);
      }
    }
    for (const element of current) {
      if (!observed.has(element)) {
        resize?.observe(element);
        observed.add(element);
      }
    }
    const chrome = chromeFromPieces(measured, { width: win.innerWidth, height: win.innerHeight });
    if (last === null || !sameChrome(last, chrome)) {
      last = chrome;
      onChange(chrome);
    }
  }

  // ComfyUI mounts its Vue app in #vue-app; the bar lives outside it, on <body>.
  mutations?.observe(doc.getElementById("vue-app") ?? doc.body, { childList: true, subtree: true });
  win.addEventListener("resize", request);
  measure();
  return () => {
    resize?.disconnect();
    mutations?.disconnect();
    win.removeEventListener("resize", request);
    observed.clear();
  };
}
