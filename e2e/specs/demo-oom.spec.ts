// What an operator sees of the out-of-memory diagnosis, against a demo host of its own: history
// seeded through the real recorder and store (36 past runs, 4 of them out of memory with their
// captures), one live run at start and then one per POST /swissarmyknife/standalone/demo/run, so the
// script's runs come in order: three more put the upscaler on the GPU, three more reach the run
// that goes critical before KSampler and runs out of memory, the next is warned about when queued.
// The 💥 OOM tab against the API; unloading a recommended model (asked first; a busy queue's 409 in
// the server's words); the live OOM's toast and the VRAM tile's critical state; a risky prompt's
// toast; the tab's first open timed (artifacts/bench/oom_tab.md, never asserted). Screenshots at
// 1280x720 and 3840x2160 go to artifacts/screenshots/.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";

import { startDemoHost } from "../helpers/demoHost";
import type { StandaloneHostProcess } from "../helpers/standaloneHost";
import { expect, test } from "../fixtures";
import { HudActions, sessionOf } from "../pages/HudActions";
import { OomTabPage, OwnToasts, VramTile, type OomEvent, type OomStats } from "../pages/OomTab";
import { PreviousTabPage, ProfilerModal } from "../pages/ProfilerTabs";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SHOTS = "../artifacts/screenshots";
const SEEDED = 36;
const UPSCALER = "4x-UltraSharp.pth";
const CHECKPOINT = "sd_xl_base_1.0.safetensors";
const FIRST_OPENS = 5;

interface Summary {
  prompt_id: string;
  workflow_hash: string;
  status: string;
  workflow_name: string | null;
}

let host: StandaloneHostProcess;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  host = await startDemoHost(SEEDED);
});

test.afterAll(async () => {
  await host?.dispose();
});

async function api<T>(route: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(`${host.url}${route}`, init);
  return { status: response.status, body: (await response.json()) as T };
}

async function stored(): Promise<{ total: number; items: Summary[] }> {
  return (await api<{ total: number; items: Summary[] }>("/swissarmyknife/profiler/history?limit=1")).body;
}

/** Starts the demo script's next run and waits until it is stored; returns its summary. */
async function runNext(): Promise<Summary> {
  const before = (await stored()).total;
  expect((await api("/swissarmyknife/standalone/demo/run", { method: "POST" })).status).toBe(200);
  await expect.poll(async () => (await stored()).total, { timeout: 20_000 }).toBe(before + 1);
  return (await stored()).items[0]!;
}

async function setQueue(running: number): Promise<void> {
  const response = await api("/swissarmyknife/standalone/fake-queue", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ running, queued: 0 }),
  });
  expect(response.status).toBe(200);
}

async function emit(event: string, data: Record<string, unknown>): Promise<void> {
  const response = await api("/swissarmyknife/standalone/emit", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ event, data }) });
  expect(response.status).toBe(200);
}

/** What the server answers a guarded unload while the queue is busy (refused: nothing changes). */
async function busyRefusal(models: string[]): Promise<string> {
  const session = await sessionOf(host.url);
  const response = await api<{ message: string }>("/swissarmyknife/profiler/unload", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-SwissArmyKnife-Token": session.token! },
    body: JSON.stringify({ models }),
  });
  expect(response.status).toBe(409);
  return response.body.message;
}

const share = (fraction: number | null) => (fraction === null ? "--" : `${(fraction * 100).toFixed(1)}%`);
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

async function shoot(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${SHOTS}/${name}-1280x720.png` });
  await page.setViewportSize({ width: 3840, height: 2160 });
  await page.screenshot({ path: `${SHOTS}/${name}-3840x2160.png` });
  await page.setViewportSize({ width: 1280, height: 720 });
}

test("the 💥 OOM tab shows the server's analysis: cards, node classes, models, what to do, the captures", async ({ page, bar }) => {
  await bar.open(`${host.url}/`);
  const oom = new OomTabPage(page);
  await oom.open();
  const stats = (await api<OomStats>("/swissarmyknife/profiler/oom_stats")).body;
  const events = (await api<{ data: OomEvent[] }>("/swissarmyknife/profiler/oom_events?limit=20")).body.data;
  expect(stats.total_oom_count, "the seeded history holds OOM runs").toBeGreaterThan(0);

  await expect(oom.card("count")).toHaveText(String(stats.total_oom_count));
  await expect(oom.card("rate")).toHaveText(share(stats.oom_rate));
  await expect(oom.root.locator('[data-card="last"]')).toContainText(`${events[0]!.node_type} (#${events[0]!.node_id})`);

  expect(await oom.column("node-types", "class")).toEqual(stats.node_type_ranking.map((r) => r.node_type));
  expect(await oom.column("node-types", "count")).toEqual(stats.node_type_ranking.map((r) => String(r.count)));
  expect(await oom.column("node-types", "rate")).toEqual(stats.node_type_ranking.map((r) => share(r.rate)));
  // Models: the one most above its share of runs first, each share beside the other.
  const models = [...stats.model_correlation].sort((a, b) => b.oom_share - (b.run_share ?? 0) - (a.oom_share - (a.run_share ?? 0)));
  const rows = await oom.rows("models").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-row")));
  expect(rows).toEqual(models.map((m) => m.name));
  expect(await oom.column("models", "oom-share")).toEqual(models.map((m) => share(m.oom_share)));
  expect(await oom.column("models", "run-share")).toEqual(models.map((m) => share(m.run_share)));
  // The upscaler is on the GPU in every OOM but in fewer of the runs: it goes with the failures.
  await expect(oom.table("models").locator(`tr[data-row="${UPSCALER}"] [data-stands-out]`)).toBeVisible();
  await expect(oom.table("models").locator(`tr[data-row="${CHECKPOINT}"] [data-stands-out]`)).toHaveCount(0);

  await expect(oom.recommendations).toHaveCount(stats.recommendations.length);
  for (const [i, recommendation] of stats.recommendations.entries()) {
    const item = oom.recommendations.nth(i);
    await expect(item).toHaveAttribute("data-recommendation", recommendation.kind);
    await expect(item).toContainText(recommendation.title);
    await expect(item).toContainText(recommendation.detail);
    await expect(item.locator('[data-action="unload-recommended"]')).toHaveCount(recommendation.kind === "unload_models" ? 1 : 0);
  }

  await expect(oom.rows("events")).toHaveCount(events.length);
  expect(await oom.column("events", "node")).toEqual(events.map((e) => `💥 ${e.node_type} (#${e.node_id})`));
  expect(await oom.column("events", "asked")).toEqual(events.map((e) => gib(e.figures.requested_bytes!)));
  await shoot(page, "profiler-oom");

  // A capture, expanded: its figures, every loaded model (used by, needed later), its memory summary.
  const first = oom.rows("events").first();
  await first.getByRole("button", { name: /^Show what was captured/ }).click();
  const detail = oom.root.locator(`[data-detail="${events[0]!.prompt_id}"]`);
  await expect(detail).toBeVisible();
  await expect(detail.locator('[data-figure="requested"] dd')).toHaveText(gib(events[0]!.figures.requested_bytes!));
  const loaded = await detail.locator("tbody tr[data-row]").evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('[data-column="name"]')?.textContent?.trim(), tr.querySelector("[data-needed]")?.getAttribute("data-needed")]),
  );
  expect(loaded).toEqual(events[0]!.loaded_models.map((m) => [m.name, String(m.needed_later)]));
  await expect(detail).toContainText(events[0]!.memory_summary ? "" : "None: PyTorch gives one on CUDA only.");
  await detail.scrollIntoViewIfNeeded();
  await shoot(page, "profiler-oom-capture");
});

test.describe("unloading", () => {
  // A refused unload is the server's answer; the browser logs its 409 all the same.
  test.use({ allowedConsoleErrors: /Failed to load resource: the server responded with a status of 409/ });

  test("Unload N models asks first, then says what was freed; a busy queue's refusal shows in the server's words", async ({ page, bar }) => {
    // Three more runs of the script: the third upscales, leaving the upscaler on the GPU.
    for (let i = 0; i < 3; i++) await runNext();
    await bar.open(`${host.url}/`);
    const oom = new OomTabPage(page);
    await oom.open();
    const stats = (await api<OomStats>("/swissarmyknife/profiler/oom_stats")).body;
    const recommendation = stats.recommendations.find((r) => r.kind === "unload_models")!;
    expect(recommendation.models).toEqual([UPSCALER]);

    const button = oom.action("unload-recommended");
    await expect(button).toHaveText("Unload 1 model");
    await button.click();
    await expect(oom.question).toBeVisible();
    await expect(oom.question.getByRole("list", { name: "Models to unload" })).toContainText(UPSCALER);
    await expect(oom.question.locator("[data-expected-freed]")).toHaveText("70.0 MiB");
    // Cancel is where focus goes, as ComfyUI asks before what it cannot undo.
    await expect(oom.question.locator('[data-action="cancel-unload"]')).toBeFocused();
    await shoot(page, "profiler-oom-unload");

    // While a workflow runs the server refuses; the tab says so in the server's words.
    await setQueue(1);
    const refusal = await busyRefusal([UPSCALER]);
    await oom.question.locator('[data-action="confirm-unload"]').click();
    await expect(oom.question).toBeHidden();
    await expect(oom.notice("alert")).toHaveText(`${refusal}. Unloading waits until the queue is empty: try again once the running workflow is done.`);
    await setQueue(0);

    await button.click();
    await oom.question.locator('[data-action="confirm-unload"]').click();
    await expect(oom.notice("status")).toHaveText(`Unloaded ${UPSCALER} (70.0 MiB): 70.0 MiB freed.`);
    await expect(new HudActions(page).toast("1 model unloaded")).toBeVisible();
    // Asked again, nothing is left of it to unload, and the tab says so.
    await button.click();
    await oom.question.locator('[data-action="confirm-unload"]').click();
    await expect(oom.notice("status")).toHaveText(`Nothing was unloaded: ${UPSCALER} is not loaded now.`);
  });
});

test("a live OOM: the VRAM tile goes critical before KSampler, then the OOM toast opens the OOM tab on it", async ({ page, bar }) => {
  await bar.open(`${host.url}/`);
  const tile = new VramTile(page);
  await tile.record();
  // The script's next three runs: interrupted, failed, then the one that runs out of memory.
  await runNext();
  await runNext();
  const run = await runNext();
  expect(run.status).toBe("oom");

  const toasts = new OwnToasts(page);
  const toast = toasts.of("oom", run.prompt_id);
  await expect(toast).toBeVisible();
  const [event] = (await api<{ data: OomEvent[] }>("/swissarmyknife/profiler/oom_events?limit=1")).body.data;
  expect(event!.prompt_id).toBe(run.prompt_id);
  await expect(toast).toContainText(`Out of memory in ${event!.node_type}`);
  const count = event!.loaded_models.length;
  await expect(toast).toContainText(`${count} ${count === 1 ? "model was" : "models were"} loaded`);
  await expect(toast).toContainText("see the OOM tab");

  // The run is over in milliseconds at the demo's speed: the tile's record says what it showed.
  const record = (await api<{ nodes: { node_id: string; class_type: string; vram_percent_before: number | null }[] }>(`/swissarmyknife/profiler/workflows/${run.prompt_id}`)).body;
  const sampler = record.nodes.find((n) => n.node_id === event!.node_id)!;
  expect(sampler.vram_percent_before).toBeGreaterThanOrEqual(95);
  const seen = await tile.recorded();
  expect(seen).toContainEqual({ pressure: "critical", label: `VRAM 0 (3090Ti), critical: VRAM ${Math.round(sampler.vram_percent_before!)} % before ${sampler.class_type}` });
  // Back to normal once the run ended.
  await expect(tile.tile).not.toHaveAttribute("data-pressure");
  expect(seen.at(-1)?.pressure).toBeNull();

  // The critical look, held still for the screenshots (the same event, for a run that does not end).
  await emit("swissarmyknife.profiler.vram_pressure", {
    type: "vram_pressure",
    prompt_id: "held-for-the-screenshot",
    level: "critical",
    node_id: event!.node_id,
    node_type: event!.node_type,
    percent: sampler.vram_percent_before,
    free_bytes: 1024 ** 3,
    total_bytes: 24 * 1024 ** 3,
    warning_percent: 85,
    critical_percent: 95,
  });
  await expect(tile.tile).toHaveAttribute("data-pressure", "critical");
  await shoot(page, "oom-toast-and-critical-vram");
  await emit("swissarmyknife.profiler.vram_pressure", { type: "vram_pressure", prompt_id: "held-for-the-screenshot", level: "normal", node_id: null, node_type: null, percent: null, free_bytes: null, total_bytes: null, warning_percent: 85, critical_percent: 95 });
  await expect(tile.tile).not.toHaveAttribute("data-pressure");

  // Visible and clickable where it is drawn, as a user's click would find it.
  const box = (await toast.getByRole("button", { name: "Open the OOM tab" }).boundingBox())!;
  expect(await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest("[data-action]")?.getAttribute("data-action"), { x: box.x + box.width / 2, y: box.y + box.height / 2 })).toBe("open-oom-tab");
  await toast.getByRole("button", { name: "Open the OOM tab" }).click();
  const oom = new OomTabPage(page);
  await expect(oom.tab).toHaveAttribute("aria-selected", "true");
  await oom.waitReady();
  await expect(toast).toHaveCount(0);
  const stats = (await api<OomStats>("/swissarmyknife/profiler/oom_stats")).body;
  await expect(oom.card("count")).toHaveText(String(stats.total_oom_count));
  await expect(oom.rows("events").first()).toHaveAttribute("data-row", new RegExp(`^${run.prompt_id}@`));
});

test.describe("a risky prompt", () => {
  test.use({ allowedConsoleErrors: /Failed to load resource: the server responded with a status of 409/ });

  test("a prompt queued after an OOM is warned about; its Unload asks first and says a busy queue makes it wait", async ({ page, bar }) => {
    await bar.open(`${host.url}/`);
    const toasts = new OwnToasts(page);
    // The script's next run is the workflow that just ran out of memory: checked when queued.
    const run = await runNext();
    const risk = toasts.of("risk", run.workflow_hash);
    await expect(risk).toBeVisible();
    await expect(risk).toContainText("“Text to image (SDXL)” may run out of memory");
    await risk.getByRole("button", { name: /^Close/ }).click();
    await expect(risk).toHaveCount(0);

    // A warning naming a loaded model to unload (the checkpoint that run loaded), as the server sends it.
    await emit("swissarmyknife.profiler.oom_risk", {
      type: "oom_risk",
      prompt_id: "queued-next",
      client_id: null,
      risk: {
        workflow_hash: "0000000000000000",
        workflow_name: "Upscale 2x with face detail",
        needed_bytes: 20 * 1024 ** 3,
        free_bytes: 16 * 1024 ** 3,
        total_bytes: 24 * 1024 ** 3,
        margin_bytes: 1.2 * 1024 ** 3,
        shortfall_bytes: 5.2 * 1024 ** 3,
        models_to_unload: [{ name: CHECKPOINT, loaded_bytes: 6.5 * 1024 ** 3 }],
        fits_after_unload: true,
        runs: 3,
        ooms: 0,
        message: "“Upscale 2x with face detail” peaked at 20.0 GiB; 16.0 GiB is free: unload 1 model first.",
      },
    });
    const named = toasts.of("risk", "0000000000000000");
    await expect(named).toContainText(`${CHECKPOINT} (6.5 GiB); unloading them makes room.`);
    await setQueue(1);
    const refusal = await busyRefusal([CHECKPOINT]);
    await named.getByRole("button", { name: "Unload 1 model" }).click();
    const question = page.getByRole("alertdialog", { name: "Unload 1 model for “Upscale 2x with face detail”?" });
    await expect(question).toBeVisible();
    await expect(question.locator("[data-expected-freed]")).toHaveText("6.5 GiB");
    await question.locator('[data-action="confirm-unload"]').click();
    const said = new HudActions(page).toast("Models not unloaded");
    await expect(said).toContainText(refusal);
    await expect(said).toContainText("Unloading waits until the queue is empty");
    await setQueue(0);
  });
});

test("the workflow filter finds a workflow by a part of its name, as the server matches it", async ({ page, bar }) => {
  await bar.open(`${host.url}/`);
  const modal = new ProfilerModal(page);
  await modal.openFromBar();
  const previous = new PreviousTabPage(page);
  await previous.waitReady();
  const found = (await api<{ data: { workflow_hash: string; workflow_name: string | null; runs: number }[] }>("/swissarmyknife/profiler/analytics/workflows?limit=500&name=UPSCALE")).body.data;
  expect(found.map((w) => w.workflow_name)).toEqual(["Upscale 2x with face detail"]);
  await previous.workflowSearch.fill("UPSCALE");
  await expect(previous.root.locator("[data-found]")).toHaveText("1 workflow matches.");
  await expect(previous.workflowFilter.locator("option")).toHaveText(["All workflows", `Upscale 2x with face detail (${found[0]!.runs} runs)`]);
  await previous.workflowFilter.selectOption(found[0]!.workflow_hash);
  await previous.waitReady();
  await expect(previous.range).toHaveText(new RegExp(`of ${found[0]!.runs}$`));
  expect((await previous.listed()).every((r) => r.hash === found[0]!.workflow_hash)).toBe(true);
  await previous.workflowSearch.fill("no such workflow");
  await expect(previous.root.locator("[data-found]")).toHaveText("No workflow's name contains “no such workflow”.");
});

test("the OOM tab's first open at the demo's history, measured (artifacts/bench/oom_tab.md)", async ({ page, bar, browser }) => {
  const timings: number[] = [];
  for (let round = 0; round < FIRST_OPENS; round++) {
    // A fresh page each round, so the tab reads from the server: the modal on Latest, then the click.
    await bar.open(`${host.url}/`);
    await new OomTabPage(page).openModal();
    timings.push(
      await page.evaluate(async () => {
        const tab = document.querySelector<HTMLElement>('#swissarmyknife-profiler-modal [role="tab"][id$="-tab-oom"]');
        if (!tab) throw new Error("no OOM tab");
        const ready = () => document.querySelector('[data-tab="oom"]')?.getAttribute("data-state") === "ready";
        const started = performance.now();
        tab.click();
        await new Promise<void>((resolve) => {
          if (ready()) return resolve();
          const observer = new MutationObserver(() => {
            if (!ready()) return;
            observer.disconnect();
            resolve();
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true });
        });
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        return performance.now() - started;
      }),
    );
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const history = await stored();
  const stats = (await api<OomStats>("/swissarmyknife/profiler/oom_stats")).body;
  const report = `# The OOM tab: time to show

Recorded ${new Date().toISOString()} by \`e2e/specs/demo-oom.spec.ts\` (Playwright, headless chromium ${browser.version()}) against
the demo host (${history.total} runs stored, ${stats.total_oom_count} out of memory). From the click on the 💥 OOM tab, on a fresh page
(the tab reads oom_stats and oom_events?limit=20), to the frame after its root says \`data-state="ready"\`.

| n | median | max |
|---:|---:|---:|
| ${timings.length} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms | ${sorted.at(-1)!.toFixed(1)} ms |

Budget: < 200 ms (a recorded figure, never an assertion).
`;
  const file = path.join(ROOT, "artifacts", "bench", "oom_tab.md");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, report);
  console.log(report);
  expect(timings).toHaveLength(FIRST_OPENS);
});
