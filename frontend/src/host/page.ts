// The browser page around ComfyUI: storage, the window's size, visibility, our stylesheet, and the
// reload that follows a restart. Read through here so stores take them as plain dependencies.
import type { KeyValueStorage } from "../lib/persistence";
import type { ExportFile } from "../lib/profilerExport";

export const RELOAD_PARAM = "swissarmyknife_restart";

/** location.replace with a fresh query parameter: the browser refetches the page and the bundle. */
export function reloadWithoutCache(location: Pick<Location, "href" | "replace"> = window.location): void {
  const url = new URL(location.href);
  url.searchParams.set(RELOAD_PARAM, String(Date.now()));
  location.replace(url.toString());
}

/** localStorage, or null where reading it throws (sandboxed frames, some privacy modes). */
export function localStorageOrNull(): KeyValueStorage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function viewport(): { width: number; height: number } {
  return { width: window.innerWidth, height: window.innerHeight };
}

export function isPageHidden(): boolean {
  return document.visibilityState === "hidden";
}

export function onVisibilityChange(listener: () => void): () => void {
  document.addEventListener("visibilitychange", listener);
  return () => document.removeEventListener("visibilitychange", listener);
}

/**
 * Put a stylesheet into the page once (a second call with the same id changes nothing). The bundle
 * is one JS file, ComfyUI loads no CSS of ours: shared styles travel as text and land here.
 */
export function injectStyle(id: string, css: string, doc: Document = document): HTMLStyleElement {
  const existing = doc.getElementById(id);
  if (existing instanceof HTMLStyleElement) return existing;
  const style = doc.createElement("style");
  style.id = id;
  style.textContent = css;
  doc.head.append(style);
  return style;
}

/**
 * Hands a file made here to the browser's download (a Blob behind a temporary link): exports need
 * no server round trip. The object URL is let go once the click has started the download.
 */
export function downloadFile(file: ExportFile, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mimeType }));
  const link = doc.createElement("a");
  link.href = url;
  link.download = file.name;
  link.hidden = true;
  doc.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

/**
 * Puts text on the clipboard: the Clipboard API where the page may use it (a secure context:
 * localhost, https), else a selected textarea and execCommand("copy") (ComfyUI opened over plain
 * http on the LAN). Rejects when neither copied.
 */
export async function copyText(text: string, doc: Document = document): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // No clipboard API here, or refused: the older way.
  }
  const area = doc.createElement("textarea");
  // Selected and removed before the page paints: never seen.
  area.value = text;
  doc.body.append(area);
  area.select();
  try {
    if (!doc.execCommand("copy")) throw new Error("the browser refused to copy");
  } finally {
    area.remove();
  }
}
