// The environments runs ran in, read once per id (GET /profiler/environments/{id}) and kept: a
// fingerprint never changes under its id. A run without one (recorded before environments were,
// or where the fingerprint could not be read) is "not recorded".
import type { Environment } from "../api/types";
import type { EnvironmentDiff, EnvironmentSide } from "../lib/environment";
import { diffSides } from "../lib/environment";
import { failureMessage, isNotFound } from "./failure";

export const NOT_RECORDED = "not recorded";

export class EnvironmentCache {
  #read: (id: number) => Promise<Environment>;
  #known = new Map<number, Promise<EnvironmentSide>>();

  constructor(read: (id: number) => Promise<Environment>) {
    this.#read = read;
  }

  /** The environment of id, or why it is unknown (none recorded, gone, unreadable: not kept, tried again next time). */
  side(id: number | null | undefined): Promise<EnvironmentSide> {
    if (id == null) return Promise.resolve({ kind: "unknown", why: NOT_RECORDED });
    let side = this.#known.get(id);
    if (!side) {
      side = this.#read(id).then(
        (environment): EnvironmentSide => ({ kind: "known", fingerprint: environment.fingerprint }),
        (error: unknown): EnvironmentSide => {
          this.#known.delete(id);
          return { kind: "unknown", why: isNotFound(error) ? NOT_RECORDED : `could not be read (${failureMessage(error)})` };
        },
      );
      this.#known.set(id, side);
    }
    return side;
  }

  /** What differed between the environments of two runs (by their ids). */
  async diff(before: number | null | undefined, after: number | null | undefined): Promise<EnvironmentDiff> {
    const [a, b] = await Promise.all([this.side(before), this.side(after)]);
    return diffSides(a, b, before != null && before === after);
  }
}
