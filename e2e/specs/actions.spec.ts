// Server actions from the bar: the plugin's own Restart button really restarts a standalone host of
// this test's own (it re-execs itself) and the page reloads; Clear VRAM frees the fake models' memory;
// a host that never comes back re-enables the button; and pages on other origins cannot restart it.
import { createServer, type Server } from "node:http";

import type { Page } from "@playwright/test";

import { expect, test } from "../fixtures";
import { freePort, StandaloneHostProcess } from "../helpers/standaloneHost";
import { HudActions, sessionOf } from "../pages/HudActions";

// While the host re-execs, the browser logs the refused socket and requests, and the monitor may log
// a status request that the restart cut off.
test.use({
  allowedConsoleErrors:
    /WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|ERR_FAILED|Failed to load resource|could not load the monitor status: Failed to fetch/,
});

const SCREENSHOTS = "../artifacts/screenshots";

async function openBar(page: Page, url: string, bar: { open(path?: string): Promise<void> }): Promise<HudActions> {
  await bar.open(url);
  const actions = new HudActions(page);
  await expect(actions.restart).toBeEnabled();
  return actions;
}

test.describe("server actions", () => {
  test("the plugin's own Restart button restarts the server and the page reloads", async ({ page, bar }) => {
    test.setTimeout(90_000);
    const host = await StandaloneHostProcess.start(["--fake-gpus"]);
    try {
      const before = await sessionOf(host.url);
      const actions = await openBar(page, `${host.url}/`, bar);
      await expect(actions.restart).toHaveText("Restart");
      await bar.root.screenshot({ path: `${SCREENSHOTS}/actions-bar.png` });

      await actions.restart.click();
      await expect(actions.confirmDialog).toBeVisible();
      await expect(actions.confirmRestart).toBeFocused();
      await page.screenshot({ path: `${SCREENSHOTS}/actions-restart-confirm.png` });

      const reloaded = page.waitForURL(/[?&]swissarmyknife_restart=\d+/, { timeout: 60_000 });
      await actions.confirmRestart.click();
      await expect(actions.restart).toHaveText("Restarting...");
      await expect(actions.restart).toBeDisabled();
      await expect(actions.toast("Restarting ComfyUI")).toBeVisible();
      await page.screenshot({ path: `${SCREENSHOTS}/actions-restarting.png` });
      await reloaded;

      await bar.waitReady();
      await expect(new HudActions(page).restart).toBeEnabled();
      const after = await sessionOf(host.url);
      expect(after.boot_id, "a new server process answers").not.toBe(before.boot_id);
      expect(after.token).not.toBe(before.token);
      expect(host.running, "re-exec keeps the process (and the test's handle on it)").toBe(true);
    } finally {
      await host.dispose();
    }
  });

  test("Clear VRAM reports the memory freed; refused while the queue is busy, when Restart warns", async ({ page, bar }) => {
    const host = await StandaloneHostProcess.start(["--fake-gpus"]);
    try {
      const actions = await openBar(page, `${host.url}/`, bar);
      const usedGb = async () => Number.parseFloat((await bar.value("vram-1").innerText()).split("/")[0] ?? "");
      const before = await usedGb();
      await actions.clearVram.click();
      const cleared = actions.toast("VRAM cleared");
      await expect(cleared).toBeVisible();
      await expect(cleared).toContainText("Freed 6.0 GiB on GPU 0, 12.0 GiB on GPU 1 (2 models unloaded).");
      // The fresh sample taken after unloading is broadcast: the tile drops by the 12 GiB model (the
      // fake load curve itself moves by at most ~1 GiB in these few seconds).
      await expect.poll(usedGb, { timeout: 5_000 }).toBeLessThan(before - 8);
      await page.screenshot({ path: `${SCREENSHOTS}/actions-clear-vram.png` });

      // A workflow "running" on the standalone host (its test route broadcasts ComfyUI's status event).
      await page.request.post(`${host.url}/swissarmyknife/standalone/fake-models`, { data: {} });
      await page.request.post(`${host.url}/swissarmyknife/standalone/fake-queue`, { data: { running: 1, queued: 2 } });
      await actions.clearVram.click();
      const refused = actions.toast("Clear VRAM refused");
      await expect(refused).toBeVisible();
      await expect(refused).toContainText("1 workflow is running and 2 are queued");

      await actions.restart.click();
      await expect(actions.confirmDialog).toContainText("1 workflow is running and 2 are queued: restarting interrupts it");
      // The live status event updates the warning while the confirmation is open.
      await page.request.post(`${host.url}/swissarmyknife/standalone/fake-queue`, { data: { running: 0, queued: 0 } });
      await expect(actions.confirmDialog).toHaveAttribute("data-busy", "false");
      await actions.cancelRestart.click();
      await expect(actions.confirmDialog).toHaveCount(0);
      await expect(actions.restart).toBeEnabled();
    } finally {
      await host.dispose();
    }
  });

  test("when the server never comes back, the button comes back and says to refresh by hand", async ({ page, bar }) => {
    // The shared host is never restarted here: the restart request is answered in the page, and
    // /system_stats never answers. The page's clock runs the 60 s of polling in moments.
    await page.clock.install();
    await page.route("**/api/swissarmyknife/restart", (route) =>
      route.fulfill({ status: 202, json: { kind: "exec", description: "re-exec (simulated)", restarts_in_ms: 500 } }),
    );
    await page.route("**/api/system_stats", (route) => route.abort("connectionrefused"));
    const actions = await openBar(page, "/", bar);
    await actions.restartServer();
    await expect(actions.restart).toHaveAttribute("data-phase", "waiting");
    await expect(actions.restart).toBeDisabled();
    await expect
      .poll(
        async () => {
          await page.clock.fastForward(5_000);
          return actions.restart.getAttribute("data-state");
        },
        { timeout: 30_000 },
      )
      .toBe("idle");
    await expect(actions.restart).toBeEnabled();
    await expect(actions.restart).toHaveText("Restart");
    const gaveUp = actions.toast("ComfyUI did not come back");
    await expect(gaveUp).toBeVisible();
    await expect(gaveUp).toContainText("refresh the page manually");
  });

  test("pages on other origins cannot restart the server, by form or by fetch", async ({ page, context, bar }) => {
    test.setTimeout(60_000);
    const host = await StandaloneHostProcess.start(["--fake-gpus"]);
    const target = `${host.url}/swissarmyknife/restart`;
    // A page of another site (localhost is not 127.0.0.1's site; the browser's resolver rules keep
    // 127.0.0.2 unresolvable here) and one of the same site on another port: both other origins.
    const attackers = [0, 1].map(() =>
      createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(attackPage(target))),
    );
    const crossSite = (await listen(attackers[0]!, "127.0.0.1")).replace("127.0.0.1", "localhost");
    const sameSite = await listen(attackers[1]!, "127.0.0.1");
    try {
      const before = await sessionOf(host.url);
      for (const origin of [crossSite, sameSite]) {
        const evil = await context.newPage();
        await evil.goto(`${origin}/`);
        const outcome = await evil.evaluate(() => (window as unknown as { attack(): Promise<string[]> }).attack());
        // no-cors: opaque (the browser hides the 403); JSON + token header: the preflight gets no approval.
        expect(outcome).toEqual(["no-cors: opaque", "json: blocked"]);
        // The form posts and navigates to the server's answer: a JSON refusal.
        await Promise.all([evil.waitForURL(target), evil.locator("form").evaluate((form: HTMLFormElement) => form.submit())]);
        await expect(evil.locator("body")).toContainText('"error":"forbidden"');
        await evil.close();
      }
      // Long enough for a restart to have happened (0.5 s delay + re-exec) had one been accepted.
      await page.waitForTimeout(3_000);
      const after = await sessionOf(host.url);
      expect(after.boot_id, "the server did not restart").toBe(before.boot_id);
      expect(host.running).toBe(true);

      // And the plugin's own page still can.
      const actions = await openBar(page, `${host.url}/`, bar);
      const reloaded = page.waitForURL(/swissarmyknife_restart=/, { timeout: 60_000 });
      await actions.restartServer();
      await reloaded;
      // Let the reloaded page finish loading the bundle before the host is stopped below.
      await bar.waitReady();
      expect((await sessionOf(host.url)).boot_id).not.toBe(before.boot_id);
    } finally {
      for (const server of attackers) server.close();
      await host.dispose();
    }
  });
});

function listen(server: Server, address: string): Promise<string> {
  return freePort().then(
    (port) =>
      new Promise((resolve) => {
        server.listen(port, address, () => resolve(`http://${address}:${port}`));
      }),
  );
}

/** What a hostile page can try without the token: a form post, a no-cors fetch, a JSON fetch. */
function attackPage(target: string): string {
  return `<!doctype html><html><body>
<form method="POST" action="${target}" enctype="text/plain"><input name='{"a":"' value='"}'></form>
<script>
window.attack = async () => {
  const results = [];
  try {
    const r = await fetch(${JSON.stringify(target)}, { method: "POST", mode: "no-cors", body: "{}", headers: { "Content-Type": "text/plain" } });
    results.push("no-cors: " + r.type);
  } catch (e) { results.push("no-cors: blocked"); }
  try {
    await fetch(${JSON.stringify(target)}, { method: "POST", body: "{}", headers: { "Content-Type": "application/json", "X-SwissArmyKnife-Token": "guess" } });
    results.push("json: sent");
  } catch (e) { results.push("json: blocked"); }
  return results;
};
</script></body></html>`;
}
