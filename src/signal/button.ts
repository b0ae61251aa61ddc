/**
 * The optional push button. It reads an InputLine (opened with the config's activeLow and
 * debounce, so logical 1 = pressed) and emits `short` when released before `longPressMs`, or
 * `long` as soon as it has been held that long (the technician gets the status screen while still
 * holding; the release that follows emits nothing). A button already held when watching starts
 * (stuck, or held through a restart) is ignored until released. What a press means is the
 * Device's business: short = cancel the pending sale or show the last payment, long = status.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { InputLine, Level } from './gpio.js';
import { Listeners } from './listeners.js';

export type ButtonEvent = 'short' | 'long';

export interface ButtonOptions {
  line: InputLine;
  clock: Clock;
  logger: Logger;
  longPressMs: number;
}

export class Button {
  readonly #line: InputLine;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #longPressMs: number;
  readonly #listeners: Record<ButtonEvent, Listeners<void>>;
  #unwatch: (() => void) | undefined;
  #pressed = false;
  /** Set while a press is being timed; cleared once `long` fired or on release. */
  #longTimer: TimerHandle | undefined;
  #ignoreUntilRelease = false;
  #closed = false;

  constructor(opts: ButtonOptions) {
    this.#line = opts.line;
    this.#clock = opts.clock;
    this.#log = opts.logger;
    this.#longPressMs = opts.longPressMs;
    const onError = (e: unknown): void => this.#log.error('button listener failed', { error: e });
    this.#listeners = { short: new Listeners(onError), long: new Listeners(onError) };
  }

  get pin(): number {
    return this.#line.pin;
  }

  /** Start watching the line; resolves once the starting level is known. */
  async start(): Promise<void> {
    if (this.#unwatch !== undefined || this.#closed) return;
    this.#unwatch = this.#line.watch('both', (v) => this.#edge(v));
    const level = await this.#line.read();
    if (level === 1 && !this.#pressed) {
      this.#pressed = true;
      this.#ignoreUntilRelease = true;
      this.#log.warn('button is held at start; ignoring it until released', { pin: this.#line.pin });
    }
  }

  on(event: ButtonEvent, fn: () => void): () => void {
    return this.#listeners[event].on(fn);
  }

  get pressed(): boolean {
    return this.#pressed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (this.#longTimer !== undefined) this.#clock.clearTimeout(this.#longTimer);
    this.#longTimer = undefined;
    this.#listeners.short.clear();
    this.#listeners.long.clear();
    await this.#line.close();
  }

  #edge(value: Level): void {
    if (this.#closed) return;
    if (value === 1) {
      if (this.#pressed) return;
      this.#pressed = true;
      if (this.#ignoreUntilRelease) return;
      this.#longTimer = this.#clock.setTimeout(() => {
        this.#longTimer = undefined;
        this.#log.info('button long press', { pin: this.#line.pin });
        this.#listeners.long.emit();
      }, this.#longPressMs);
      return;
    }
    if (!this.#pressed) return;
    this.#pressed = false;
    if (this.#ignoreUntilRelease) {
      this.#ignoreUntilRelease = false;
      return;
    }
    if (this.#longTimer !== undefined) {
      this.#clock.clearTimeout(this.#longTimer);
      this.#longTimer = undefined;
      this.#log.info('button short press', { pin: this.#line.pin });
      this.#listeners.short.emit();
    }
  }
}
