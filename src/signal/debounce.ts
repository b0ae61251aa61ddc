/**
 * Turns raw level changes of an input (contact bounce included) into clean edges. After each raw
 * change the debouncer waits `debounceMs` of quiet, then takes the settled level (sampled from
 * the line when a sampler is given, else the last raw level) and reports it if it differs from
 * the last reported one. With `debounceMs` 0 every change is reported at once. Time comes from
 * the Clock, so tests drive it with a FakeClock. Used by every InputLine (sim and sysfs).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Edge, Level } from './gpio.js';

export type EdgeListener = (value: Level) => void;

export interface DebouncerOptions {
  clock: Clock;
  debounceMs: number;
  /** Level the line is at when watching starts. */
  initial: Level;
  /** Read the line when the bounce has settled (real lines); without it the last raw level counts. */
  sample?: () => Promise<Level>;
  /** Where sampling errors go (they never reach the listeners). */
  onError?: (e: unknown) => void;
}

export function edgeMatches(edge: Edge, value: Level): boolean {
  return edge === 'both' || (edge === 'rising' ? value === 1 : value === 0);
}

export class EdgeDebouncer {
  readonly #clock: Clock;
  readonly #debounceMs: number;
  readonly #sample: (() => Promise<Level>) | undefined;
  readonly #onError: (e: unknown) => void;
  readonly #listeners = new Set<{ edge: Edge; fn: EdgeListener }>();
  #stable: Level;
  #lastRaw: Level;
  #timer: TimerHandle | undefined;
  #generation = 0;
  #closed = false;

  constructor(opts: DebouncerOptions) {
    this.#clock = opts.clock;
    this.#debounceMs = Math.max(0, opts.debounceMs);
    this.#sample = opts.sample;
    this.#onError = opts.onError ?? (() => undefined);
    this.#stable = opts.initial;
    this.#lastRaw = opts.initial;
  }

  get stable(): Level {
    return this.#stable;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  add(edge: Edge, fn: EdgeListener): () => void {
    const entry = { edge, fn };
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Feed one raw level observation (an interrupt, a poll result, a simulated change). */
  raw(value: Level): void {
    if (this.#closed) return;
    this.#lastRaw = value;
    if (this.#debounceMs === 0) {
      this.#settle(value);
      return;
    }
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#fire(), this.#debounceMs);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#sample === undefined) {
      this.#settle(this.#lastRaw);
      return;
    }
    const gen = ++this.#generation;
    this.#sample().then(
      (v) => {
        // A newer settle started meanwhile: its answer wins.
        if (gen === this.#generation && this.#timer === undefined) this.#settle(v);
      },
      (e: unknown) => this.#onError(e),
    );
  }

  #settle(value: Level): void {
    if (this.#closed || value === this.#stable) return;
    this.#stable = value;
    for (const l of [...this.#listeners]) {
      if (!edgeMatches(l.edge, value)) continue;
      try {
        l.fn(value);
      } catch (e) {
        this.#onError(e);
      }
    }
  }
}
