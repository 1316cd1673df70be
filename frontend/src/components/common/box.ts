// How a primitive's rune class reaches a value its component's caller owns (a bindable prop): read
// and written through the prop itself, so the value has one home.
export interface Box<T> {
  get(): T;
  set(value: T): void;
}
