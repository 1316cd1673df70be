import { afterEach, describe, expect, it } from "vitest";

import type { Chrome } from "../lib/layout";
import { measureChrome, watchChrome } from "./chrome";

/** An element placed where ComfyUI would draw it (happy-dom lays nothing out: the box is given). */
function place(parent: Element, html: string, box: { left: number; top: number; width: number; height: number }): HTMLElement {
  const holder = document.createElement("div");
  holder.innerHTML = html;
  const element = holder.firstElementChild as HTMLElement;
  element.getBoundingClientRect = () =>
    ({ ...box, x: box.left, y: box.top, right: box.left + box.width, bottom: box.top + box.height, toJSON: () => box }) as DOMRect;
  parent.append(element);
  return element;
}

function app(): HTMLElement {
  const root = document.createElement("div");
  root.id = "vue-app";
  document.body.append(root);
  return root;
}

/** Lets MutationObserver callbacks (microtasks) run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  document.body.innerHTML = "";
});

describe("measureChrome", () => {
  it("reads 1.27's top menu row and its floating action bar", () => {
    const root = app();
    place(root, '<div id="comfyui-body-top"></div>', { left: 0, top: 0, width: window.innerWidth, height: 78 });
    place(root, '<div id="comfyui-body-bottom"></div>', { left: 0, top: window.innerHeight, width: window.innerWidth, height: 0 });
    place(root, '<div class="actionbar"></div>', { left: 700, top: 300, width: 265, height: 36 });
    const chrome = measureChrome();
    expect([chrome.top, chrome.bottom]).toEqual([78, 0]);
    expect(chrome.obstacles).toEqual([{ left: 700, top: 300, width: 265, height: 36 }]);
  });

  it("reads 1.45+'s tab row, 1.58's floating panels and the legacy menu", () => {
    const root = app();
    place(root, '<div class="workflow-tabs-container"></div>', { left: 0, top: 0, width: window.innerWidth, height: 38 });
    place(root, '<div class="floating-panel"></div>', { left: 64, top: 46, width: 144, height: 40 });
    place(root, '<div class="comfy-menu"></div>', { left: 900, top: 500, width: 190, height: 385 });
    const chrome = measureChrome();
    expect(chrome.top).toBe(38);
    expect(chrome.obstacles).toHaveLength(2);
  });

  it("never counts the plugin's own elements", () => {
    const ours = place(document.body, '<div id="swissarmyknife-resource-monitor"></div>', { left: 0, top: 0, width: 400, height: 30 });
    place(ours, '<div class="floating-panel"></div>', { left: 0, top: 0, width: 100, height: 30 });
    expect(measureChrome().obstacles).toEqual([]);
  });
});

describe("watchChrome", () => {
  it("reports the chrome at once, then each real change, and nothing after stopping", async () => {
    const root = app();
    const seen: Chrome[] = [];
    const stop = watchChrome((chrome) => seen.push(chrome), { schedule: (run) => run() });
    expect(seen).toEqual([{ top: 0, bottom: 0, obstacles: [] }]);

    // Switching Comfy.UseNewMenu to Top mounts the menu row.
    place(root, '<div id="comfyui-body-top"></div>', { left: 0, top: 0, width: window.innerWidth, height: 78 });
    await settle();
    expect(seen.map((c) => c.top)).toEqual([0, 78]);

    // ComfyUI re-rendering something else (a node's widget) changes nothing: no report.
    place(root, "<textarea></textarea>", { left: 10, top: 400, width: 100, height: 50 });
    await settle();
    expect(seen).toHaveLength(2);

    stop();
    root.replaceChildren();
    await settle();
    expect(seen).toHaveLength(2);
  });

  it("asks for one measurement per frame however many mutations arrive, and ignores the bar's own", async () => {
    // No #vue-app (an unknown frontend): the whole body is watched, less the bar.
    const root = place(document.body, "<main></main>", { left: 0, top: 0, width: 0, height: 0 });
    const bar = place(document.body, '<div id="swissarmyknife-resource-monitor"></div>', { left: 0, top: 0, width: 1, height: 1 });
    const frames: (() => void)[] = [];
    const stop = watchChrome(() => undefined, { schedule: (run) => frames.push(run) });
    expect(frames).toHaveLength(0); // the first measurement runs at once

    bar.append(document.createElement("span"));
    await settle();
    expect(frames).toHaveLength(0);

    for (let i = 0; i < 5; i++) root.append(document.createElement("div"));
    await settle();
    root.append(document.createElement("div"));
    await settle();
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    root.append(document.createElement("div"));
    await settle();
    expect(frames).toHaveLength(1);
    stop();
  });
});
