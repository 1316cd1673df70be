import { describe, expect, it, vi } from "vitest";

import { Coalesced } from "./coalesced";

describe("Coalesced", () => {
  it("runs once for one request", async () => {
    const run = vi.fn(async () => {});
    await new Coalesced(run).request();
    expect(run).toHaveBeenCalledOnce();
  });

  it("runs once more after the read in flight for any number of requests made meanwhile", async () => {
    let release!: () => void;
    const run = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const reads = new Coalesced(run);
    const first = reads.request();
    const second = reads.request();
    reads.request();
    expect(run).toHaveBeenCalledTimes(1);
    release();
    await Promise.resolve();
    await Promise.resolve();
    expect(run).toHaveBeenCalledTimes(2);
    release();
    await Promise.all([first, second]);
    expect(run).toHaveBeenCalledTimes(2);
    // Idle again: the next request reads at once.
    const third = reads.request();
    expect(run).toHaveBeenCalledTimes(3);
    release();
    await third;
  });

  it("lets a failed read fail its callers and stays usable", async () => {
    const run = vi.fn().mockRejectedValueOnce(new Error("boom")).mockResolvedValue(undefined);
    const reads = new Coalesced(run);
    await expect(reads.request()).rejects.toThrow("boom");
    await expect(reads.request()).resolves.toBeUndefined();
  });
});
