/**
 * A tiny typed listener set: `on` returns the function that removes the listener. A listener that
 * throws is reported to `onError` and does not stop the others (an observer must never break a
 * driver).
 */
export class Listeners<T> {
  readonly #fns = new Set<(value: T) => void>();
  readonly #onError: (e: unknown) => void;

  constructor(onError: (e: unknown) => void = () => undefined) {
    this.#onError = onError;
  }

  on(fn: (value: T) => void): () => void {
    this.#fns.add(fn);
    return () => {
      this.#fns.delete(fn);
    };
  }

  emit(value: T): void {
    for (const fn of [...this.#fns]) {
      try {
        fn(value);
      } catch (e) {
        this.#onError(e);
      }
    }
  }

  get size(): number {
    return this.#fns.size;
  }

  clear(): void {
    this.#fns.clear();
  }
}
