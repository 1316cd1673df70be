// Sets of row keys that are replaced, never changed in place: a view's state holds one (the rows
// expanded now) and sees each change as a new value, so no reactive set is needed.

export function keySet(keys: Iterable<string> = []): ReadonlySet<string> {
  return new Set(keys);
}

/** The set with `key` added (the same set when it has it already). */
export function withKey(set: ReadonlySet<string>, key: string): ReadonlySet<string> {
  return set.has(key) ? set : new Set([...set, key]);
}

/** The set with `key` in it if it was not, out of it if it was. */
export function toggledKey(set: ReadonlySet<string>, key: string): ReadonlySet<string> {
  return set.has(key) ? new Set([...set].filter((k) => k !== key)) : new Set([...set, key]);
}
