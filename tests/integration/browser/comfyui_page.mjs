// Opens a real ComfyUI page in Debian's chromium and reports, as JSON on stdout, what a user would
// see of the bar: its state and tiles; whether the glow came on while a prompt ran and went off
// after; for every menu layout the frontend offers (its `Comfy.UseNewMenu` and workflow-tab
// options, the Vue-nodes renderer) whether each tile and button is the topmost element at its
// centre and whether Restart opens its confirmation (then cancelled, never confirmed); that a
// position saved under the menu comes back out; that ComfyUI's own dialog covers the bar; the page
// errors that mention the extension. After a real run, the profiler: its popup from the bar's 📊
// button and its modal (View Full History, the Latest tab), each topmost where it is clicked; the
// modal again from the command's keybinding (Alt+P, through ComfyUI's own keybinding service); the
// sidebar tab's panel; and a saved workflow's name reaching its run when queued the frontend's way.
// After a run that loads a real (tiny) model through ComfyUI's model management: the Latest tab's
// model lane, named by the file, drawn on top. After a real out-of-memory error: our toast, its
// button opening the 💥 OOM tab, the capture there. After real runs, our node badges: on the run's
// nodes beside ComfyUI's own, hover-only and off, their cost per frame on a 500-node graph, no
// redraw while idle, and with the Vue-nodes renderer their element on top, later changes included.
// Our settings changed in ComfyUI's own settings dialog: the sample interval and the tiles preset,
// applied live. Screenshots go to `<prefix>.png`,
// `<prefix>-<layout>.png`, `<prefix>-profiler-*.png` and `<prefix>-oom-toast.png`.
// Driven by tests/integration/test_comfyui_browser.py.
import { chromium } from "../../../e2e/node_modules/playwright-core/index.mjs";

const [url, shotPrefix] = process.argv.slice(2);
const BAR = "#swissarmyknife-resource-monitor";
const MENU = "Comfy.UseNewMenu";
const TABS = "Comfy.Workflow.WorkflowTabsPosition";
const VUE_NODES = "Comfy.VueNodes.Enabled";
const POSITION = "SwissArmyKnife.monitor.position";
// ComfyUI's modal dialogs: PrimeVue's mask (1.27, 1.45), Reka's role=dialog (1.58).
const COMFY_DIALOGS = '.p-dialog-mask, [role="dialog"]';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
  ],
});
const report = {
  frontendVersion: null,
  state: null,
  tiles: [],
  glowWhileRunning: false,
  glowCleared: false,
  comfyDialog: null,
  profiler: null,
  models: null,
  oom: null,
  badges: null,
  settingsDialog: null,
  nodeUnderBar: false,
  layouts: [],
  savedUnderMenu: null,
  errors: [],
};

/** Opens (or reloads) the page until the bar shows data and no first-run dialog covers the page. */
async function ready(page, load) {
  await load();
  await page.locator(BAR).waitFor({ timeout: 90_000 });
  await page.waitForFunction((bar) => document.querySelector(bar)?.getAttribute("data-state") === "ready", BAR, {
    timeout: 60_000,
  });
  // ComfyUI blocks the whole page (PrimeVue's BlockUI in its App.vue) until it has loaded.
  await page.waitForFunction(() => !document.querySelector(".p-blockui-mask"), null, { timeout: 90_000 });
  await dismissDialogs(page);
  await settle(page);
}

/** Closes what ComfyUI opens on a first visit (the template browser) with Escape, as a user would. */
async function dismissDialogs(page) {
  const dialogs = page.locator(COMFY_DIALOGS);
  for (let i = 0; i < 5 && (await dialogs.count()) > 0; i++) {
    await page.keyboard.press("Escape");
    await dialogs.first().waitFor({ state: "detached", timeout: 5_000 }).catch(() => undefined);
  }
}

/**
 * Waits until the bar and ComfyUI's menus have stopped moving: five animation frames in a row with
 * the same boxes (a setting change re-renders the menu, the bar places itself after it).
 */
async function settle(page) {
  await page.evaluate(async (bar) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
    const boxes = () =>
      JSON.stringify(
        [...document.querySelectorAll(`${bar}, #comfyui-body-top, #comfyui-body-bottom, .workflow-tabs-container, .comfy-menu, .actionbar`)].map(
          (el) => {
            const b = el.getBoundingClientRect();
            return [b.left, b.top, b.width, b.height];
          },
        ),
      );
    let last = boxes();
    for (let i = 0, same = 0; i < 600 && same < 5; i++) {
      await frame();
      const now = boxes();
      same = now === last ? same + 1 : 0;
      last = now;
    }
  }, BAR);
}

/** Whether the element at the centre of each of `selectors` (the first match, visible) is inside it. */
function topmost(page, selectors) {
  return page.evaluate((list) => {
    const out = {};
    for (const selector of list) {
      const el = document.querySelector(selector);
      const r = el?.getBoundingClientRect();
      if (!el || !r || r.width === 0 || r.height === 0) {
        out[selector] = false;
        continue;
      }
      out[selector] = el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    }
    return out;
  }, selectors);
}

/** Clicks the middle of `selector` with the mouse: a covered control fails the way a user's click would. */
async function clickMiddle(page, selector) {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not on the page`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

const POPUP = "#swissarmyknife-profiler-popup";
const MODAL = "#swissarmyknife-profiler-modal";
const NAMED_WORKFLOW = "sak-browser-named";

/**
 * The profiler after a real run: the popup (📊), the modal (View Full History, then Latest), the
 * command's keybinding, the sidebar tab, a saved workflow's name. Every step is reported, none throws.
 */
async function checkProfiler(page, shotPrefix) {
  const result = { popup: null, modal: null, keybinding: false, sidebar: null, named: null, canvas: null, error: null };
  try {
    await clickMiddle(page, `${BAR} [data-action="profiler"]`);
    await page.locator(`${POPUP} section[data-state="latest"]`).waitFor({ state: "visible", timeout: 20_000 });
    result.popup = {
      ...(await topmost(page, [POPUP, `${POPUP} [data-action="view-history"]`, `${POPUP} [data-card="total-time"]`])),
      name: await page.locator(`${POPUP} .swissarmyknife-summary-name`).textContent(),
      nodes: await page.locator(`${POPUP} [data-card="nodes"] dd`).textContent(),
      slowest: await page.locator(`${POPUP} .swissarmyknife-slowest li`).count(),
    };
    await page.screenshot({ path: `${shotPrefix}-profiler-popup.png` });

    await clickMiddle(page, `${POPUP} [data-action="view-history"]`);
    await page.locator(MODAL).waitFor({ state: "visible", timeout: 10_000 });
    const latestTab = `${MODAL} [role="tab"]:first-child`;
    await clickMiddle(page, latestTab);
    await page.locator(`${MODAL} .swissarmyknife-latest tbody tr[data-row]`).first().waitFor({ timeout: 10_000 });
    result.modal = {
      ...(await topmost(page, [MODAL, latestTab, `${MODAL} [data-action="close-profiler"]`, `${MODAL} tbody tr[data-row] td[data-column="node"]`])),
      latestSelected: await page.locator(latestTab).getAttribute("aria-selected"),
      rows: await page.locator(`${MODAL} .swissarmyknife-latest tbody tr[data-row]`).count(),
      timeline: await page.locator(`${MODAL} .swissarmyknife-timeline canvas`).count(),
    };
    await page.screenshot({ path: `${shotPrefix}-profiler-modal.png` });
    await page.keyboard.press("Escape");
    await page.locator(MODAL).waitFor({ state: "detached", timeout: 10_000 });
    result.modal.closedByEscape = true;

    // ComfyUI's keybinding service on the page, the focus on the canvas as a user's would be.
    await page.locator("canvas#graph-canvas, #graph-canvas").first().focus().catch(() => undefined);
    await page.keyboard.press("Alt+KeyP");
    result.keybinding = await page
      .locator(MODAL)
      .waitFor({ state: "visible", timeout: 10_000 })
      .then(() => true)
      .catch(() => false);
    if (result.keybinding) {
      await page.keyboard.press("Escape");
      await page.locator(MODAL).waitFor({ state: "detached", timeout: 10_000 });
    }

    result.sidebar = await page.evaluate(async (id) => {
      const manager = window.comfyAPI.app.app.extensionManager;
      const tabs = typeof manager.getSidebarTabs === "function" ? manager.getSidebarTabs() : null;
      return { registered: tabs ? tabs.some((t) => t.id === id) : null, command: `Workspace.ToggleSidebarTab.${id}` };
    }, "swissarmyknife-profiler");
    if (result.sidebar.registered) {
      await page.evaluate((command) => window.comfyAPI.app.app.extensionManager.command.execute(command), result.sidebar.command);
      const panel = page.locator("#swissarmyknife-profiler-sidebar");
      result.sidebar.shown = await panel
        .waitFor({ state: "visible", timeout: 10_000 })
        .then(() => true)
        .catch(() => false);
      if (result.sidebar.shown) {
        Object.assign(result.sidebar, await topmost(page, ['#swissarmyknife-profiler-sidebar [data-action="open-profiler"]']));
        await page.screenshot({ path: `${shotPrefix}-profiler-sidebar.png` });
      }
      await page.evaluate((command) => window.comfyAPI.app.app.extensionManager.command.execute(command), result.sidebar.command);
      await panel.waitFor({ state: "detached", timeout: 10_000 }).catch(() => undefined);
    }

    result.named = await queueNamedWorkflow(page);
    if (result.named.attempted && result.named.workflowName) result.canvas = await centreFromTimeline(page);
  } catch (error) {
    result.error = String(error?.stack ?? error);
    await page.screenshot({ path: `${shotPrefix}-profiler-error.png` }).catch(() => undefined);
    await page.keyboard.press("Escape").catch(() => undefined);
  }
  return result;
}

const MODEL_FILE = "sak-tiny-model.safetensors";

/**
 * A run of SAKTinyModelLoader -> SAKUseModel (the model put on the device by ComfyUI's
 * load_models_gpu): the modal (Alt+P) shows it on Latest with a lane named by the model's file under
 * the node bars, its label the topmost element at its middle; hovering it says who loaded it.
 * Every step is reported, none throws.
 */
async function checkModels(page, shotPrefix) {
  const result = { promptId: null, lanes: [], label: null, loadedBy: [], onTop: false, tooltip: null, error: null };
  try {
    result.promptId = await page.evaluate(async (file) => {
      const api = window.comfyAPI.api.api;
      const prompt = {
        1: { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: (Date.now() + 13) % 100000 } },
        2: { class_type: "SAKTinyModelLoader", inputs: { ckpt_name: file, megabytes: 3 } },
        3: { class_type: "SAKUseModel", inputs: { image: ["1", 0], model: ["2", 0] } },
        4: { class_type: "PreviewImage", inputs: { images: ["3", 0] } },
      };
      const body = JSON.stringify({ prompt, client_id: api.clientId });
      const id = (await (await api.fetchApi("/prompt", { method: "POST", headers: { "Content-Type": "application/json" }, body })).json()).prompt_id;
      for (let i = 0; i < 300; i++) {
        const latest = (await (await api.fetchApi("/swissarmyknife/profiler/stats?limit=1")).json()).latest;
        if (latest?.prompt_id === id) return id;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`run ${id} not stored in 30 s`);
    }, MODEL_FILE);
    await page.locator("canvas#graph-canvas, #graph-canvas").first().focus().catch(() => undefined);
    await page.keyboard.press("Alt+KeyP");
    await page.locator(`${MODAL} article[data-prompt-id="${result.promptId}"]`).waitFor({ timeout: 15_000 });
    const lanes = page.locator(`${MODAL} [aria-label="Models on the device"] li[data-lane]`);
    await lanes.first().waitFor({ timeout: 10_000 });
    result.lanes = await lanes.evaluateAll((items) => items.map((li) => li.getAttribute("data-lane")));
    const lane = page.locator(`${MODAL} li[data-lane="${MODEL_FILE}"]`);
    result.label = (await lane.locator(".swissarmyknife-lane-label").textContent()).trim();
    result.loadedBy = await lane.locator('[data-mark="loaded"]').evaluateAll((marks) => marks.map((m) => m.getAttribute("data-node")));
    const label = `${MODAL} li[data-lane="${MODEL_FILE}"] .swissarmyknife-lane-label`;
    result.onTop = (await topmost(page, [label]))[label];
    const box = await lane.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + 6);
    const tooltip = page.locator(`${MODAL} [data-tooltip="lane"]`);
    await tooltip.waitFor({ timeout: 5_000 });
    result.tooltip = (await tooltip.textContent()).replace(/\s+/g, " ").trim();
    await page.screenshot({ path: `${shotPrefix}-profiler-models.png` });
    await page.keyboard.press("Escape");
    await page.locator(MODAL).waitFor({ state: "detached", timeout: 10_000 });
  } catch (error) {
    result.error = String(error?.stack ?? error);
    await page.screenshot({ path: `${shotPrefix}-models-error.png` }).catch(() => undefined);
    await page.keyboard.press("Escape").catch(() => undefined);
  }
  return result;
}

const OOM_TAB = '[data-tab="oom"]';

/**
 * A real out-of-memory error (the test node SAKUseModelThenOom, after a tiny model was loaded through
 * ComfyUI's model management): our toast says so, its button (topmost where drawn) opens the modal on
 * the 💥 OOM tab, which shows the capture; the capture's row expands into the loaded model. Every step
 * is reported, none throws.
 */
async function checkOom(page, shotPrefix) {
  const result = { promptId: null, toast: null, tab: null, error: null };
  try {
    result.promptId = await page.evaluate(async () => {
      const api = window.comfyAPI.api.api;
      const prompt = {
        1: { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: (Date.now() + 11) % 100000 } },
        2: { class_type: "SAKTinyModelLoader", inputs: { ckpt_name: "sak-tiny-model.safetensors", megabytes: 6 } },
        3: { class_type: "SAKUseModelThenOom", inputs: { image: ["1", 0], model: ["2", 0] } },
        4: { class_type: "PreviewImage", inputs: { images: ["3", 0] } },
      };
      const body = JSON.stringify({ prompt, client_id: api.clientId });
      const response = await api.fetchApi("/prompt", { method: "POST", headers: { "Content-Type": "application/json" }, body });
      return (await response.json()).prompt_id;
    });
    const toast = `[data-toast="oom:${result.promptId}"]`;
    const open = `${toast} [data-action="open-oom-tab"]`;
    await page.locator(toast).waitFor({ state: "visible", timeout: 30_000 });
    // ComfyUI's own error dialog for the failed prompt may open over the page first: a user closes it.
    await dismissDialogs(page);
    result.toast = { ...(await topmost(page, [toast, open])), text: (await page.locator(toast).textContent()).replace(/\s+/g, " ").trim() };
    await page.screenshot({ path: `${shotPrefix}-oom-toast.png` });

    await clickMiddle(page, open);
    await page.locator(`${OOM_TAB}[data-state="ready"]`).waitFor({ timeout: 15_000 });
    const disclosure = `${OOM_TAB} [data-table="events"] tbody tr[data-row] button[aria-expanded]`;
    result.tab = {
      ...(await topmost(page, [MODAL, `${MODAL} [role="tab"][aria-selected="true"]`, `${OOM_TAB} [data-card="count"]`, disclosure])),
      toastGone: (await page.locator(toast).count()) === 0,
      selected: (await page.locator(`${MODAL} [role="tab"][aria-selected="true"]`).textContent()).trim(),
      count: (await page.locator(`${OOM_TAB} [data-card="count"] [data-value]`).textContent()).trim(),
      firstRow: await page.locator(`${OOM_TAB} [data-table="events"] tbody tr[data-row]`).first().getAttribute("data-row"),
      node: (await page.locator(`${OOM_TAB} [data-table="events"] tbody tr[data-row] td[data-column="node"]`).first().textContent()).trim(),
      recommendations: await page.locator(`${OOM_TAB} [data-recommendation]`).evaluateAll((els) => els.map((e) => e.getAttribute("data-recommendation"))),
    };
    await clickMiddle(page, disclosure);
    const detail = page.locator(`${OOM_TAB} [data-detail="${result.promptId}"]`);
    await detail.waitFor({ state: "visible", timeout: 10_000 });
    result.tab.detailModels = await detail.locator('tbody tr[data-row] td[data-column="name"]').evaluateAll((cells) => cells.map((c) => c.textContent.trim()));
    result.tab.detailOnTop = (await topmost(page, [`${OOM_TAB} [data-detail="${result.promptId}"] [data-figure="requested"]`]))[
      `${OOM_TAB} [data-detail="${result.promptId}"] [data-figure="requested"]`
    ];
    await page.screenshot({ path: `${shotPrefix}-profiler-oom.png` });
    await page.keyboard.press("Escape");
    await page.locator(MODAL).waitFor({ state: "detached", timeout: 10_000 });
  } catch (error) {
    result.error = String(error?.stack ?? error);
    await page.screenshot({ path: `${shotPrefix}-oom-error.png` }).catch(() => undefined);
    await page.keyboard.press("Escape").catch(() => undefined);
  }
  return result;
}

/**
 * The named run's timeline (its graph is the one on the canvas now): a click on the sampler's bar
 * (node 2, the longest) selects that node on ComfyUI's canvas and moves the view to it.
 */
async function centreFromTimeline(page) {
  await page.keyboard.press("Alt+KeyP");
  // The modal shows the run it read last at once, then the named one once its read comes back.
  await page.locator(`${MODAL} .swissarmyknife-latest h3`, { hasText: NAMED_WORKFLOW }).waitFor({ timeout: 10_000 });
  await page.locator(`${MODAL} .swissarmyknife-timeline-bars .u-over`).waitFor({ state: "visible", timeout: 10_000 });
  const before = await page.evaluate(() => [...window.comfyAPI.app.app.canvas.ds.offset]);
  // Node 2 sleeps 0.2 s between two nodes of a few milliseconds: the bar's middle is the chart's.
  await clickMiddle(page, `${MODAL} .swissarmyknife-timeline-bars .u-over`);
  const selectedRow = await page.locator(`${MODAL} tbody tr[aria-current="true"]`).getAttribute("data-row");
  const after = await page.evaluate(() => {
    const canvas = window.comfyAPI.app.app.canvas;
    const selected = canvas.selectedItems ? [...canvas.selectedItems].map((n) => n.id) : Object.keys(canvas.selected_nodes ?? {});
    return { offset: [...canvas.ds.offset], selected: selected.map(String) };
  });
  await page.keyboard.press("Escape");
  await page.locator(MODAL).waitFor({ state: "detached", timeout: 10_000 });
  return { selectedRow, selectedOnCanvas: after.selected, moved: before[0] !== after.offset[0] || before[1] !== after.offset[1] };
}

/**
 * A workflow saved under a name the way a user saves one (ComfyUI's Save command, its file name
 * typed into the prompt it opens), then queued the frontend's way (app.queuePrompt, as Run does):
 * its run is stored under that name. Where the frontend lacks loadApiJson or the Save command, says
 * so instead ({attempted: false}).
 */
async function queueNamedWorkflow(page) {
  const ready = await page.evaluate(async (name) => {
    const app = window.comfyAPI.app.app;
    const commands = app.extensionManager?.command;
    const store = app.extensionManager?.workflow;
    if (typeof app.loadApiJson !== "function" || typeof commands?.execute !== "function" || !store) return false;
    const prompt = {
      1: { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: (Date.now() + 7) % 100000 } },
      2: { class_type: "SAKSleep", inputs: { image: ["1", 0], seconds: 0.2 } },
      3: { class_type: "PreviewImage", inputs: { images: ["2", 0] } },
    };
    // Loaded under another name: saving it as its own name would be a rename onto itself.
    await app.loadApiJson(prompt, `${name}-draft`);
    // The loaded graph opens as a new tab once the frontend has made its workflow: save that one.
    for (let i = 0; i < 100 && store.activeWorkflow?.filename !== `${name}-draft`; i++) await new Promise((r) => setTimeout(r, 50));
    if (store.activeWorkflow?.filename !== `${name}-draft`) return false;
    // Not awaited: it waits for the file name the prompt asks for.
    void commands.execute("Comfy.SaveWorkflow");
    return true;
  }, NAMED_WORKFLOW);
  if (!ready) return { attempted: false };
  const input = page.locator(COMFY_DIALOGS).locator("input").first();
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(NAMED_WORKFLOW);
  // The prompt's own button (its Enter key handling differs between releases).
  await page.locator(COMFY_DIALOGS).getByRole("button", { name: /^(confirm|save|ok)$/i }).first().click();
  await page
    .waitForFunction(() => window.comfyAPI.app.app.extensionManager.workflow?.activeWorkflow?.isTemporary === false, null, { timeout: 10_000 })
    .catch(() => undefined);
  return page.evaluate(async () => {
    const app = window.comfyAPI.app.app;
    const api = window.comfyAPI.api.api;
    const active = app.extensionManager.workflow?.activeWorkflow;
    const saved = { filename: active?.filename ?? null, isTemporary: active?.isTemporary ?? null };
    const latest = async () => (await (await api.fetchApi("/swissarmyknife/profiler/stats?limit=1")).json()).latest;
    const before = (await latest())?.prompt_id ?? null;
    await app.queuePrompt(0, 1);
    for (let i = 0; i < 200; i++) {
      const run = await latest();
      if (run && run.prompt_id !== before) return { attempted: true, saved, workflowName: run.workflow_name, status: run.status };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { attempted: true, saved, workflowName: null, status: "not stored in 20 s" };
  });
}

const BADGE_MODE = "SwissArmyKnife.badges.mode";
const INTERVAL = "SwissArmyKnife.monitor.sample_interval_s";
const PRESET = "SwissArmyKnife.monitor.preset";
const BADGE_NODES = 500;

/** Builds a graph on the canvas from [class, widget values] in a row, each fed by the one before, and runs it (app.queuePrompt, as Run does). */
async function runChain(page, specs, columns, [dx, dy] = [250, 110]) {
  await page.evaluate(
    ([list, cols, stepX, stepY]) => {
      const app = window.comfyAPI.app.app;
      const LiteGraph = window.LiteGraph;
      const graph = app.graph;
      graph.clear();
      let before = null;
      list.forEach(([type, widgets], i) => {
        const node = LiteGraph.createNode(type);
        node.pos = [60 + (i % cols) * stepX, 240 + Math.floor(i / cols) * stepY];
        graph.add(node);
        for (const [name, value] of Object.entries(widgets)) {
          const widget = node.widgets?.find((w) => w.name === name);
          if (widget) widget.value = value;
        }
        if (before) before.connect(0, node, 0);
        before = node;
        // Another extension's badge (empty, so it draws nothing): ours must leave it where it is.
        node.badges.push(Object.assign(() => new window.LGraphBadge({ text: "" }), { sakForeign: true }));
      });
      app.canvas.ds.offset = [0, 0];
      app.canvas.ds.scale = 1;
      app.canvas.setDirty(true, true);
    },
    [specs, columns, dx, dy],
  );
  return queueAndWait(page);
}

/** Queues the graph on screen the frontend's way; resolves with its run's stored event (it follows all of the run's own). */
function queueAndWait(page) {
  return page.evaluate(async () => {
    const app = window.comfyAPI.app.app;
    const api = window.comfyAPI.api.api;
    const started = performance.now();
    const stored = new Promise((resolve) => {
      const heard = (event) => {
        api.removeEventListener("swissarmyknife.profiler", heard);
        resolve(event.detail?.workflow ?? null);
      };
      api.addEventListener("swissarmyknife.profiler", heard);
      setTimeout(() => resolve(null), 90_000);
    });
    await app.queuePrompt(0, 1);
    const run = await stored;
    return run
      ? { promptId: run.prompt_id, nodes: run.node_count, status: run.status, durationMs: run.duration_ms, heardAfterMs: Math.round(performance.now() - started) }
      : { promptId: null, nodes: 0, status: "no stored event in 90 s" };
  });
}

/**
 * Changes one of our settings the way a person does: ComfyUI's settings dialog opened by its own
 * command, the setting found by its name in the dialog's search, its control used (a number typed
 * into the slider's box, a combo's option picked). Returns what the dialog showed before and after.
 */
async function changeInSettingsDialog(page, label, control) {
  await page.evaluate(() => window.comfyAPI.app.app.extensionManager.command.execute("Comfy.ShowSettingsDialog"));
  const search = page.getByPlaceholder(/Search Settings/i).first();
  await search.waitFor({ state: "visible", timeout: 10_000 });
  await search.fill(label);
  const name = page.getByText(label, { exact: true }).first();
  await name.waitFor({ state: "visible", timeout: 10_000 });
  // The setting's row: the nearest ancestor of its name that holds a control.
  const row = name.locator("xpath=ancestor::*[.//input or .//*[@role='combobox']][1]");
  if (control.number !== undefined) {
    // Typed as a person types (PrimeVue's InputNumber ignores a value set at once), then Tab away.
    const box = row.locator("input").last();
    await box.click();
    await box.evaluate((input) => input.select());
    await box.pressSequentially(String(control.number));
    await box.press("Tab");
  } else if (control.option !== undefined) {
    await row.locator("[role='combobox']").first().click();
    await page.getByRole("option", { name: control.option, exact: true }).first().click();
  }
  await page.waitForTimeout(300);
  // Closed as a person closes it: Escape (from the search box: a focused Select keeps Escape to
  // itself), until ComfyUI's dialog has gone.
  await search.focus();
  await dismissDialogs(page);
}

/**
 * Our settings changed in ComfyUI's own settings dialog, taking effect live: the sample interval
 * (saved on the server, the monitor's events come at the new pace) and the bar's tiles preset
 * (Compact: values without labels; Minimal: CPU, RAM and VRAM only), put back afterwards.
 */
async function checkSettingsDialog(page, shotPrefix) {
  const result = { interval: null, compact: null, minimal: null, restored: null, error: null };
  const setting = (id) => page.evaluate((key) => window.comfyAPI.app.app.extensionManager.setting.get(key), id);
  const serverInterval = () =>
    page.evaluate(async () => (await (await window.comfyAPI.api.api.fetchApi("/swissarmyknife/monitor/settings")).json()).sample_interval_s);
  // Monitor events heard in `ms`: their pace follows the server's interval.
  const eventsIn = (ms) =>
    page.evaluate(async (wait) => {
      const api = window.comfyAPI.api.api;
      let heard = 0;
      const count = () => heard++;
      api.addEventListener("swissarmyknife.monitor", count);
      await new Promise((resolve) => setTimeout(resolve, wait));
      api.removeEventListener("swissarmyknife.monitor", count);
      return heard;
    }, ms);
  const tiles = () =>
    page.locator(BAR).evaluate((bar) =>
      [...bar.querySelectorAll("[data-tile]")].map((tile) => ({ id: tile.getAttribute("data-tile"), label: tile.querySelector(".swissarmyknife-tile-label")?.textContent?.trim() ?? null })),
    );
  try {
    const before = await serverInterval();
    await changeInSettingsDialog(page, "Sample interval (seconds)", { number: 0.5 });
    await page.waitForFunction(async () => (await (await window.comfyAPI.api.api.fetchApi("/swissarmyknife/monitor/settings")).json()).sample_interval_s === 0.5, null, { timeout: 10_000, polling: 250 }).catch(() => undefined);
    result.interval = { before, setting: await setting(INTERVAL), server: await serverInterval(), eventsIn4s: await eventsIn(4_000) };

    const full = await tiles();
    await changeInSettingsDialog(page, "Tiles shown", { option: "Compact (values only)" });
    await settle(page);
    result.compact = { setting: await setting(PRESET), full, tiles: await tiles(), covered: (await hitTest(page)).targets.filter((t) => !t.onTop) };
    await page.locator(BAR).screenshot({ path: `${shotPrefix}-preset-compact.png` });
    await changeInSettingsDialog(page, "Tiles shown", { option: "Minimal (CPU, RAM, VRAM)" });
    await settle(page);
    result.minimal = { setting: await setting(PRESET), tiles: await tiles() };

    await changeInSettingsDialog(page, "Tiles shown", { option: "Full" });
    await changeInSettingsDialog(page, "Sample interval (seconds)", { number: before });
    await settle(page);
    result.restored = { preset: await setting(PRESET), tiles: await tiles(), server: await serverInterval() };
  } catch (error) {
    result.error = String(error?.stack ?? error);
  }
  return result;
}

/** The graph on screen queued again with one widget of node `id` changed; resolves with the stored run. */
async function rerunWith(page, id, widgetName, value) {
  await page.evaluate(
    ([nodeId, name, to]) => {
      const widget = window.comfyAPI.app.app.graph.getNodeById(nodeId)?.widgets?.find((w) => w.name === name);
      if (widget) widget.value = to;
    },
    [id, widgetName, value],
  );
  return queueAndWait(page);
}

/** What our badge closure gives for each node of the graph (by id), found by its mark among node.badges. */
function ourBadges(page) {
  return page.evaluate(() => {
    const OURS = Symbol.for("swissarmyknife.nodeBadge");
    const out = {};
    for (const node of window.comfyAPI.app.app.graph._nodes) {
      const ours = (node.badges ?? []).filter((b) => typeof b === "function" && b[OURS]);
      // Ours stays on a node with nothing to say, as an empty badge (no renderer shows it).
      const badge = ours[0]?.();
      if (!badge?.text) continue;
      out[String(node.id)] = {
        count: ours.length,
        text: badge.text,
        bg: badge.bgColor ?? null,
        others: node.badges.length - ours.length,
        foreignKept: node.badges.some((b) => b.sakForeign === true),
      };
    }
    return out;
  });
}

/**
 * Waits until node `id` carries our badge with the stored run's time (not the page's own timing of
 * the live run, which it replaces once the record is read): "N ms" for 10 ms to 1 s, else any text.
 */
async function waitForBadge(page, id, promptId) {
  await page
    .waitForFunction(
      async ([nodeId, prompt]) => {
        const OURS = Symbol.for("swissarmyknife.nodeBadge");
        const node = window.comfyAPI.app.app.graph.getNodeById(Number(nodeId));
        const ours = node?.badges?.find((b) => typeof b === "function" && b[OURS]);
        const text = ours?.().text;
        if (!text || text.startsWith("▶")) return false;
        const run = await (await window.comfyAPI.api.api.fetchApi(`/swissarmyknife/profiler/workflows/${prompt}`)).json();
        const ms = run.nodes?.find((n) => n.node_id === nodeId)?.duration_ms;
        return typeof ms !== "number" || ms < 10 || ms >= 999.5 || text.startsWith(`${Math.round(ms)} ms`);
      },
      [id, promptId],
      { timeout: 20_000, polling: 250 },
    )
    .catch(() => undefined);
}

/** A screenshot of the canvas around node `id` (its badge sits above its title). */
async function shotOfNode(page, id, path) {
  const clip = await page.evaluate((nodeId) => {
    const app = window.comfyAPI.app.app;
    const node = app.graph.getNodeById(Number(nodeId));
    const rect = app.canvas.canvas.getBoundingClientRect();
    const scale = app.canvas.ds.scale;
    const left = rect.left + (node.pos[0] + app.canvas.ds.offset[0]) * scale;
    const top = rect.top + (node.pos[1] + app.canvas.ds.offset[1]) * scale;
    return { x: Math.max(0, left - 300), y: Math.max(0, top - 80), width: node.size[0] * scale + 600, height: node.size[1] * scale + 140 };
  }, id);
  await page.screenshot({ path, clip });
}

/**
 * Node badges after a real run: ours on each node of the run (node.badges, its text), beside
 * ComfyUI's own; hover-only and off; the LiteGraph canvas's frame cost of drawing them on a
 * 500-node graph (on vs off, interleaved) and that nothing redraws while idle; with the Vue-nodes
 * renderer (where offered) our badge's element visible and topmost on its node.
 */
async function checkBadges(page, shotPrefix, vueOffered) {
  const result = {
    run: null,
    badges: null,
    hover: null,
    off: null,
    perf: null,
    idle: null,
    lag: null,
    vue: null,
    vueLive: null,
    vueHover: null,
    vueOff: null,
    error: null,
  };
  try {
    await setSettings(page, { [BADGE_MODE]: "on" });
    const seed = Date.now() % 100000;
    result.run = await runChain(page, [["EmptyImage", { width: 8, height: 8, color: seed }], ["SAKSleep", { seconds: 0.4 }], ["ImageInvert", {}], ["PreviewImage", {}]], 4);
    await waitForBadge(page, "2", result.run.promptId);
    result.badges = await ourBadges(page);
    await page.evaluate(() => window.comfyAPI.app.app.canvas.draw(true, true));
    await shotOfNode(page, "2", `${shotPrefix}-badges-canvas.png`);

    await setSettings(page, { [BADGE_MODE]: "hover" });
    const hoverOff = await ourBadges(page);
    const hoverOn = await page.evaluate(() => {
      const app = window.comfyAPI.app.app;
      const node = app.graph.getNodeById(2);
      app.canvas.node_over = node;
      const ours = node.badges.find((b) => typeof b === "function" && b[Symbol.for("swissarmyknife.nodeBadge")]);
      const text = ours().text;
      app.canvas.node_over = undefined;
      return text;
    });
    result.hover = { unhovered: hoverOff["2"]?.text ?? "", hovered: hoverOn };
    await setSettings(page, { [BADGE_MODE]: "off" });
    result.off = await ourBadges(page);
    await setSettings(page, { [BADGE_MODE]: "on" });

    if (vueOffered) {
      await setSettings(page, { [VUE_NODES]: true });
      await settle(page);
      await page.locator('[data-node-id="2"]').first().waitFor({ state: "visible", timeout: 15_000 });
      const text = result.badges["2"]?.text ?? "";
      result.vue = await page.evaluate((want) => {
        const node = document.querySelector('[data-node-id="2"]');
        const el = [...(node?.querySelectorAll("*") ?? [])].find((e) => e.children.length === 0 && e.textContent?.trim() === want);
        if (!el) return { found: false, nodeText: node?.textContent?.slice(0, 200) ?? null };
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return { found: true, text: el.textContent.trim(), visible: r.width > 0 && r.height > 0, onTop: el === hit || el.contains(hit) || !!hit?.contains(el), box: [r.left, r.top, r.width, r.height] };
      }, text);
      if (result.vue.found) {
        const [x, y, w, h] = result.vue.box;
        await page.screenshot({ path: `${shotPrefix}-badges-vue.png`, clip: { x: Math.max(0, x - 250), y: Math.max(0, y - 60), width: w + 500, height: h + 260 } });
      } else await page.screenshot({ path: `${shotPrefix}-badges-vue.png` });
      // A later change on a node the renderer has already drawn: the same graph run again, its sleep
      // longer, so node 2's badge must change from this run's time to the next one's.
      const shownText = (want) =>
        page.evaluate((t) => {
          const node = document.querySelector('[data-node-id="2"]');
          return [...(node?.querySelectorAll("*") ?? [])].some((e) => e.children.length === 0 && e.textContent?.trim() === t);
        }, want);
      // Whether node 2's element comes to show (or stop showing) `want` within `timeout` ms.
      const waitShown = (want, timeout, shown = true) =>
        page
          .waitForFunction(
            ([t, on]) => [...(document.querySelector('[data-node-id="2"]')?.querySelectorAll("*") ?? [])].some((e) => e.children.length === 0 && e.textContent?.trim() === t) === on,
            [want, shown],
            { timeout, polling: 100 },
          )
          .then(() => true)
          .catch(() => false);
      const again = await rerunWith(page, 2, "seconds", 0.7);
      await waitForBadge(page, "2", again.promptId);
      const next = (await ourBadges(page))["2"]?.text ?? "";
      result.vueLive = { before: text, after: next, shown: next !== "" && (await waitShown(next, 10_000)), oldGone: !(await shownText(text)) };
      // Hover-only with Vue nodes: the node element under the pointer shows ours, the others do not.
      await setSettings(page, { [BADGE_MODE]: "hover" });
      await page.mouse.move(5, 990);
      await settle(page);
      const away = await shownText(next);
      await page.locator('[data-node-id="2"]').first().hover();
      const over = await waitShown(next, 5_000);
      await page.mouse.move(5, 990);
      const awayAgain = await waitShown(next, 5_000, false);
      result.vueHover = { away, over, awayAgain };
      await setSettings(page, { [BADGE_MODE]: "off" });
      await settle(page);
      result.vueOff = { shown: await shownText(next) };
      await setSettings(page, { [BADGE_MODE]: "on" });
      await setSettings(page, { [VUE_NODES]: false });
      await settle(page);
    }

    // 500 nodes: EmptyImage, ImageInvert x 498, PreviewImage, all on screen at a zoom that draws badges.
    const chain = [["EmptyImage", { width: 8, height: 8, color: (seed + 1) % 100000 }], ...Array.from({ length: BADGE_NODES - 2 }, () => ["ImageInvert", {}]), ["PreviewImage", {}]];
    // Packed (they overlap a little) so that all 500 are on screen at a zoom that still draws badges.
    const big = await runChain(page, chain, 20, [130, 60]);
    await page.setViewportSize({ width: 1900, height: 1300 });
    await settle(page);
    await waitForBadge(page, String(BADGE_NODES - 1), big.promptId);
    result.perf = await page.evaluate(
      async ([modeId, nodes]) => {
        const app = window.comfyAPI.app.app;
        const setting = app.extensionManager.setting;
        const canvas = app.canvas;
        canvas.ds.offset = [0, 0];
        canvas.ds.scale = 0.7;
        const OURS = Symbol.for("swissarmyknife.nodeBadge");
        // Our closures, counted: how many badges each frame draws.
        let calls = 0;
        for (const node of app.graph._nodes) {
          const i = node.badges.findIndex((b) => typeof b === "function" && b[OURS]);
          if (i < 0) continue;
          const ours = node.badges[i];
          const counted = Object.assign(() => (calls++, ours()), { [OURS]: true });
          node.badges[i] = counted;
        }
        const frame = () => {
          const t0 = performance.now();
          canvas.draw(true, true);
          return performance.now() - t0;
        };
        const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const on = [];
        const off = [];
        for (let i = 0; i < 10; i++) frame();
        calls = 0;
        frame();
        const drawnPerFrame = calls;
        // Interleaved blocks: our badges shown, then hidden (the mode's empty badge), 20 times.
        for (let block = 0; block < 20; block++) {
          for (const [mode, into] of block % 2 ? [["off", off], ["on", on]] : [["on", on], ["off", off]]) {
            await setting.set(modeId, mode);
            for (let i = 0; i < 3; i++) frame();
            for (let i = 0; i < 10; i++) into.push(frame());
          }
        }
        await setting.set(modeId, "on");
        const rect = canvas.canvas.getBoundingClientRect();
        const onScreen = app.graph._nodes.filter((n) => (n.pos[0] + n.size[0]) * canvas.ds.scale <= rect.width && (n.pos[1] + n.size[1]) * canvas.ds.scale <= rect.height).length;
        return { nodes: app.graph._nodes.length, onScreen, scale: canvas.ds.scale, lowQuality: !!canvas.low_quality, drawnPerFrame, frames: on.length, onMs: median(on), offMs: median(off), costMs: median(on) - median(off) };
      },
      [BADGE_MODE, BADGE_NODES],
    );
    result.perf.run = big;
    // Idle: after the run, nothing of ours asks the canvas to draw, and no frame draws our badges.
    result.idle = await page.evaluate(async () => {
      const app = window.comfyAPI.app.app;
      const canvas = app.canvas;
      const OURS = Symbol.for("swissarmyknife.nodeBadge");
      let dirty = 0;
      let oursDirty = 0;
      const samples = [];
      let drawn = 0;
      const setDirty = canvas.setDirty;
      canvas.setDirty = function (...args) {
        dirty++;
        const stack = new Error().stack ?? "";
        if (/swissarmyknife/i.test(stack)) {
          oursDirty++;
          if (samples.length < 2) samples.push(stack.split("\n").slice(2, 8).join(" | "));
        }
        return setDirty.apply(this, args);
      };
      for (const node of app.graph._nodes) {
        const i = node.badges.findIndex((b) => typeof b === "function" && b[OURS]);
        if (i < 0) continue;
        const ours = node.badges[i];
        node.badges[i] = Object.assign(() => (drawn++, ours()), { [OURS]: true });
      }
      const api = window.comfyAPI.api.api;
      // ComfyUI's events meanwhile (an idle page gets none of a run's).
      const seen = {};
      const types = ["execution_start", "execution_cached", "executing", "executed", "progress", "execution_success", "status", "swissarmyknife.profiler"];
      const count = (event) => {
        seen[event.type] = (seen[event.type] ?? 0) + 1;
        seen.last = String(event.detail?.node ?? event.detail ?? "");
      };
      for (const type of types) api.addEventListener(type, count);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      for (const type of types) api.removeEventListener(type, count);
      window.__sakIdleEvents = seen;
      canvas.setDirty = setDirty;
      return { seconds: 3, setDirtyCalls: dirty, oursSetDirtyCalls: oursDirty, samples, events: window.__sakIdleEvents, badgeDraws: drawn };
    });
    await page.screenshot({ path: `${shotPrefix}-badges-500.png` });
    result.lag = big;
    await page.setViewportSize({ width: 1600, height: 1000 });
    // The layouts checked next need no 500 nodes.
    await page.evaluate(() => window.comfyAPI.app.app.graph.clear());
  } catch (error) {
    result.error = String(error?.stack ?? error);
    await page.screenshot({ path: `${shotPrefix}-badges-error.png` }).catch(() => undefined);
  }
  return result;
}

/** Each visible tile and button of the bar: is the element at its centre part of the bar, and if not, what is? */
function hitTest(page) {
  return page.evaluate((barSelector) => {
    const bar = document.querySelector(barSelector);
    const describe = (el) => {
      if (!el) return "nothing";
      const parts = [];
      for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (e === el || style.zIndex !== "auto") {
          const name = `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${[...e.classList].slice(0, 3).map((c) => `.${c}`).join("")}`;
          parts.push(`${name}(${style.position}, z-index ${style.zIndex})`);
        }
      }
      return parts.join(" in ");
    };
    const box = bar.getBoundingClientRect();
    const targets = [...bar.querySelectorAll("[data-tile], button")].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && !el.closest("[role=alertdialog]");
    });
    // ComfyUI's own buttons (menus, Run, tabs, the graph menu) that the bar is drawn over. Not the
    // graph's: a node (a Vue node's widgets) may be anywhere, under the bar too, as the user put it.
    const controls = [...document.querySelectorAll("button, [role=button], [role=tab]")].filter((el) => {
      const r = el.getBoundingClientRect();
      return !bar.contains(el) && !el.closest(".lg-node, [data-node-id]") && r.width > 0 && r.height > 0;
    });
    const coveredControls = controls
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return bar.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
      })
      .map((el) => el.getAttribute("aria-label") || el.textContent.trim().slice(0, 30) || describe(el));
    return {
      bar: { left: Math.round(box.left), top: Math.round(box.top), width: Math.round(box.width), height: Math.round(box.height) },
      coveredControls,
      targets: targets.map((el) => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return {
          name: el.getAttribute("data-tile") ?? el.getAttribute("data-action") ?? el.getAttribute("aria-label") ?? el.textContent.trim(),
          onTop: bar.contains(hit),
          hit: bar.contains(hit) ? null : describe(hit),
        };
      }),
    };
  }, BAR);
}

async function setSettings(page, settings) {
  return page.evaluate(async (entries) => {
    const setting = window.comfyAPI.app.app.extensionManager.setting;
    for (const [id, value] of entries) {
      if (JSON.stringify(setting.get(id)) !== JSON.stringify(value)) await setting.set(id, value);
    }
    return Object.fromEntries(entries.map(([id]) => [id, setting.get(id)]));
  }, Object.entries(settings));
}

/** Clicks Restart where it is drawn, checks the confirmation is on top (screenshot), then cancels it (never confirms). */
async function tryRestart(page, screenshot) {
  const result = { opened: false, onTop: false, cancelled: false };
  const button = page.locator(`${BAR} [data-action="restart"]`);
  const box = await button.boundingBox();
  if (!box) {
    await page.screenshot({ path: screenshot });
    return result;
  }
  // The mouse, not locator.click(): a covered button must fail the way a user's click would.
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const dialog = page.getByRole("alertdialog", { name: "Restart ComfyUI?" });
  try {
    await dialog.waitFor({ state: "visible", timeout: 10_000 });
  } catch {
    await page.screenshot({ path: screenshot }); // what the click did instead
    await page.keyboard.press("Escape"); // whatever ComfyUI opened under the click
    return result;
  }
  result.opened = true;
  result.onTop = await dialog.evaluate((el) => {
    const points = [el, ...el.querySelectorAll("button")].map((e) => {
      const r = e.getBoundingClientRect();
      return el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    });
    return points.every(Boolean);
  });
  await page.screenshot({ path: screenshot });
  const cancel = dialog.getByRole("button", { name: "Cancel" });
  const cancelBox = await cancel.boundingBox();
  if (result.onTop && cancelBox) {
    await page.mouse.click(cancelBox.x + cancelBox.width / 2, cancelBox.y + cancelBox.height / 2);
  } else {
    await page.keyboard.press("Escape");
  }
  result.cancelled = await dialog
    .waitFor({ state: "hidden", timeout: 10_000 })
    .then(() => true)
    .catch(() => false);
  return result;
}

try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on("pageerror", (e) => {
    const text = `${e.message} ${e.stack ?? ""}`;
    if (/swissarmyknife/i.test(text)) report.errors.push(e.message);
  });
  await ready(page, () => page.goto(url));
  report.frontendVersion = await page.evaluate(() => window.__COMFYUI_FRONTEND_VERSION__ ?? null);
  const bar = page.locator(BAR);
  report.state = await bar.getAttribute("data-state");
  report.tiles = await bar.locator("[data-tile]").evaluateAll((els) => els.map((e) => e.getAttribute("data-tile")));

  report.glowWhileRunning = await page.evaluate(async () => {
    const api = window.comfyAPI.api.api;
    const prompt = {
      1: { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: Date.now() % 100000 } },
      2: { class_type: "SAKSleep", inputs: { image: ["1", 0], seconds: 1.5 } },
      3: { class_type: "PreviewImage", inputs: { images: ["2", 0] } },
    };
    const body = JSON.stringify({ prompt, client_id: api.clientId });
    await api.fetchApi("/prompt", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    for (let i = 0; i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (document.querySelector("#swissarmyknife-resource-monitor.swissarmyknife-is-executing")) return true;
    }
    return false;
  });
  await page.screenshot({ path: `${shotPrefix}.png` });
  await page.waitForFunction(() => !document.querySelector(".swissarmyknife-is-executing"), null, { timeout: 30_000 });
  report.glowCleared = true;

  report.profiler = await checkProfiler(page, shotPrefix);
  await dismissDialogs(page);
  await settle(page);
  report.models = await checkModels(page, shotPrefix);
  await dismissDialogs(page);
  await settle(page);
  report.oom = await checkOom(page, shotPrefix);
  await dismissDialogs(page);
  await settle(page);
  const vueOffered = await page.evaluate((vue) => vue in (window.comfyAPI.app.app.ui.settings.settingsLookup ?? {}), VUE_NODES);
  report.badges = await checkBadges(page, shotPrefix, vueOffered);
  await dismissDialogs(page);
  await settle(page);
  report.settingsDialog = await checkSettingsDialog(page, shotPrefix);
  await dismissDialogs(page);
  await settle(page);

  // ComfyUI's own dialogs open over the bar: it must not outrank them.
  const opened = await page.evaluate(async () => {
    const commands = window.comfyAPI.app.app.extensionManager.command;
    if (typeof commands?.execute !== "function") return false;
    await commands.execute("Comfy.ShowSettingsDialog");
    return true;
  });
  if (opened) {
    await page.locator(COMFY_DIALOGS).first().waitFor({ state: "visible", timeout: 15_000 });
    await settle(page);
    const covered = await hitTest(page);
    report.comfyDialog = { targets: covered.targets.length, barOnTop: covered.targets.filter((t) => t.onTop).length };
    await page.screenshot({ path: `${shotPrefix}-settings-dialog.png` });
    await dismissDialogs(page);
  }

  // A node on the canvas right under the bar: drawn on the canvas, or as a DOM element by the
  // Vue-nodes renderer, it must stay under the bar.
  report.nodeUnderBar = await page.evaluate((barSelector) => {
    const app = window.comfyAPI.app.app;
    const LiteGraph = window.LiteGraph;
    if (!LiteGraph?.createNode || !app.canvas?.ds?.convertOffsetToCanvas) return false;
    const node = LiteGraph.createNode("EmptyImage");
    const bar = document.querySelector(barSelector).getBoundingClientRect();
    const canvas = app.canvas.canvas.getBoundingClientRect();
    node.pos = app.canvas.ds.convertOffsetToCanvas([bar.left + 40 - canvas.left, bar.top - canvas.top]);
    app.graph.add(node);
    app.graph.setDirtyCanvas(true, true);
    return true;
  }, BAR);

  // Every layout this frontend offers, each one set fully (the others back to their defaults).
  const offered = await page.evaluate(
    ([menu, tabs, vue]) => {
      const lookup = window.comfyAPI.app.app.ui.settings.settingsLookup;
      const options = (id) => (lookup[id]?.options ?? []).map((o) => (typeof o === "object" ? o.value : o));
      const setting = window.comfyAPI.app.app.extensionManager.setting;
      return { menus: options(menu), tabs: options(tabs), vue: vue in lookup, current: [setting.get(menu), setting.get(tabs), setting.get(vue)] };
    },
    [MENU, TABS, VUE_NODES],
  );
  const [defaultMenu, defaultTabs, defaultVue] = offered.current;
  const base = { [MENU]: defaultMenu, [TABS]: defaultTabs, ...(offered.vue ? { [VUE_NODES]: defaultVue ?? false } : {}) };
  const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  const layouts = [{ name: "default", settings: base }];
  for (const menu of offered.menus.filter((m) => m !== defaultMenu)) {
    layouts.push({ name: `menu-${slug(menu)}`, settings: { ...base, [MENU]: menu } });
  }
  for (const tabs of offered.tabs.filter((t) => t !== defaultTabs)) {
    layouts.push({ name: `tabs-${slug(tabs)}`, settings: { ...base, [TABS]: tabs } });
    if (offered.menus.includes("Bottom")) {
      layouts.push({ name: `menu-bottom-tabs-${slug(tabs)}`, settings: { ...base, [MENU]: "Bottom", [TABS]: tabs } });
    }
  }
  if (offered.vue) layouts.push({ name: "vue-nodes", settings: { ...base, [VUE_NODES]: true } });

  for (const layout of layouts) {
    const applied = await setSettings(page, layout.settings);
    await settle(page);
    const hits = await hitTest(page);
    const restart = await tryRestart(page, `${shotPrefix}-${layout.name}.png`);
    await settle(page);
    report.layouts.push({ name: layout.name, requested: layout.settings, applied, ...hits, restart });
  }
  await setSettings(page, base);

  // A narrow window: the centred bar would reach ComfyUI's floating controls (1.45+'s Run).
  await page.setViewportSize({ width: 1024, height: 768 });
  await settle(page);
  {
    const hits = await hitTest(page);
    const restart = await tryRestart(page, `${shotPrefix}-narrow.png`);
    report.layouts.push({ name: "narrow", requested: base, applied: await setSettings(page, base), ...hits, restart });
  }
  await page.setViewportSize({ width: 1600, height: 1000 });
  await settle(page);

  // A spot saved under the top menu (dragged there on another layout, another frontend) comes out.
  await setSettings(page, { [POSITION]: { x: 300, y: 2 } });
  await ready(page, () => page.reload());
  const saved = await hitTest(page);
  // Keyboard nudges upward stop below the menu too.
  await page.locator(`${BAR} .swissarmyknife-drag-handle`).focus();
  await page.keyboard.press("Shift+ArrowUp");
  await settle(page);
  const nudged = await hitTest(page);
  await page.screenshot({ path: `${shotPrefix}-saved-under-menu.png` });
  await page.keyboard.press("Home");
  await settle(page);
  const positionAfterHome = await page.evaluate((id) => window.comfyAPI.app.app.extensionManager.setting.get(id) ?? null, POSITION);
  report.savedUnderMenu = { saved, nudged, positionAfterHome };
} finally {
  await browser.close();
  console.log(JSON.stringify(report));
}
