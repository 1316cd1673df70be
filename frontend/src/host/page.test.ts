import { describe, expect, it, vi } from "vitest";

import { copyText, downloadFile, injectStyle, RELOAD_PARAM, reloadWithoutCache } from "./page";

describe("reloadWithoutCache", () => {
  it("replaces the location with a fresh query parameter, keeping the others", () => {
    const replace = vi.fn();
    vi.spyOn(Date, "now").mockReturnValue(1234);
    reloadWithoutCache({ href: "http://127.0.0.1:8188/base/?workflow=a#x", replace });
    expect(replace).toHaveBeenCalledWith(`http://127.0.0.1:8188/base/?workflow=a&${RELOAD_PARAM}=1234#x`);
  });
});

describe("injectStyle", () => {
  it("adds the stylesheet to the head once, whatever the number of calls", () => {
    const first = injectStyle("swissarmyknife-test-style", "body { --x: 1px; }");
    const second = injectStyle("swissarmyknife-test-style", "body { --x: 2px; }");
    expect(second).toBe(first);
    expect(document.head.querySelectorAll("#swissarmyknife-test-style")).toHaveLength(1);
    expect(first.textContent).toBe("body { --x: 1px; }");
    first.remove();
  });
});

describe("downloadFile", () => {
  it("clicks a hidden link to a Blob of the file, named as asked, then removes the link and lets the URL go", async () => {
    const created: Blob[] = [];
    vi.spyOn(URL, "createObjectURL").mockImplementation((blob) => {
      created.push(blob as Blob);
      return "blob:swissarmyknife-test";
    });
    const revoke = vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => {});
    const clicked: HTMLAnchorElement[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    downloadFile({ name: "swissarmyknife-run-a.csv", mimeType: "text/csv;charset=utf-8", text: "a,b\r\n" });
    expect(click).toHaveBeenCalledOnce();
    expect(clicked[0]!.download).toBe("swissarmyknife-run-a.csv");
    expect(clicked[0]!.href).toBe("blob:swissarmyknife-test");
    expect(clicked[0]!.isConnected).toBe(false);
    expect(created[0]!.type).toBe("text/csv;charset=utf-8");
    expect(await created[0]!.text()).toBe("a,b\r\n");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(revoke).toHaveBeenCalledWith("blob:swissarmyknife-test");
  });
});

describe("copyText", () => {
  it("writes through the Clipboard API where there is one", async () => {
    const writeText = vi.fn(async () => {});
    vi.spyOn(navigator, "clipboard", "get").mockReturnValue({ writeText } as unknown as Clipboard);
    await copyText("CPU 12%");
    expect(writeText).toHaveBeenCalledWith("CPU 12%");
  });

  it("falls back to a selected textarea and execCommand where the API is missing or refuses, and leaves nothing behind", async () => {
    vi.spyOn(navigator, "clipboard", "get").mockReturnValue(undefined as unknown as Clipboard);
    let copied: string | null = null;
    const execCommand = vi.fn((command: string) => {
      const area = document.activeElement instanceof HTMLTextAreaElement ? document.activeElement : document.querySelector("textarea");
      copied = command === "copy" ? (area?.value ?? null) : null;
      return true;
    });
    Object.defineProperty(document, "execCommand", { value: execCommand, configurable: true });
    await copyText("GPU0 45%");
    expect(copied).toBe("GPU0 45%");
    expect(document.querySelector("textarea")).toBeNull();

    execCommand.mockReturnValue(false);
    await expect(copyText("x")).rejects.toThrow("refused");
    expect(document.querySelector("textarea")).toBeNull();
  });
});
