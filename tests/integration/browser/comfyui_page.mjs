// Opens a real ComfyUI page in Debian's chromium and reports what the extension did, as JSON on
// stdout: the bar's state and tiles, whether the glow came on while a prompt ran and went off
// after, the page errors that mention the extension, and a screenshot. Driven by
// tests/integration/test_comfyui_browser.py.
import { chromium } from "../../../e2e/node_modules/playwright-core/index.mjs";

const [url, screenshot] = process.argv.slice(2);
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
const report = { state: null, tiles: [], glowWhileRunning: false, glowCleared: false, errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  page.on("pageerror", (e) => {
    const text = `${e.message} ${e.stack ?? ""}`;
    if (/swissarmyknife/i.test(text)) report.errors.push(e.message);
  });
  await page.goto(url);
  const bar = page.locator("#swissarmyknife-resource-monitor");
  await bar.waitFor({ timeout: 90_000 });
  await page.waitForFunction(
    () => document.querySelector("#swissarmyknife-resource-monitor")?.getAttribute("data-state") === "ready",
    null,
    { timeout: 30_000 },
  );
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
  await page.keyboard.press("Escape"); // a first-run dialog may cover the canvas
  await page.screenshot({ path: screenshot });
  await page.waitForFunction(() => !document.querySelector(".swissarmyknife-is-executing"), null, { timeout: 30_000 });
  report.glowCleared = true;
} finally {
  await browser.close();
  console.log(JSON.stringify(report));
}
