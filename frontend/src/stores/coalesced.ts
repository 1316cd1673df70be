// One read at a time: a read asked for while one runs happens once after it, so a burst of events
// (a run stored, history changed, our own action) costs two reads at most, the last seeing all.
export class Coalesced {
  #run: () => Promise<void>;
  #inflight: Promise<void> | null = null;
  #again = false;

  constructor(run: () => Promise<void>) {
    this.#run = run;
  }

  /** Resolves when a read that started after this call has finished. */
  request(): Promise<void> {
    if (this.#inflight) {
      this.#again = true;
      return this.#inflight;
    }
    const loop = async () => {
      do {
        this.#again = false;
        await this.#run();
      } while (this.#again);
    };
    this.#inflight = loop().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }
}
