/**
 * The LED's `fault` pattern on top of the device's own signals. While a fault is set (a part a
 * technician must come for: the panel cannot be opened), the ambient patterns the device asks for
 * (idle, waiting, offline, provisioning, updating) become `fault`; one-shot patterns (paid, failed,
 * expired, cancelled, test) still play whole, since a real payment confirmed meanwhile must still
 * be heard, and `fault` comes back when they end. When the fault clears, the last ambient pattern
 * asked for plays again. Time comes from the Clock; nothing here blocks.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Indicator, SignalEvent } from './indicator.js';
import { PATTERNS, patternDurationMs, type Pattern } from './patterns.js';

/** An indicator that says which pattern it is playing (PatternIndicator). */
export interface PlayingIndicator extends Indicator {
  status(): { readonly event: SignalEvent | undefined };
}

export interface FaultIndicatorOptions {
  readonly inner: PlayingIndicator;
  readonly clock: Clock;
  /** The patterns the inner indicator plays (to know which are one-shots); default PATTERNS. */
  readonly patterns?: Readonly<Record<SignalEvent, Pattern>>;
}

/** How often to look again whether a one-shot pattern has ended. */
const RECHECK_MS = 100;

export class FaultIndicator implements Indicator {
  readonly #inner: PlayingIndicator;
  readonly #clock: Clock;
  readonly #patterns: Readonly<Record<SignalEvent, Pattern>>;
  #fault = false;
  #ambient: SignalEvent = 'idle';
  #resume: TimerHandle | undefined;
  #closed = false;

  constructor(o: FaultIndicatorOptions) {
    this.#inner = o.inner;
    this.#clock = o.clock;
    this.#patterns = o.patterns ?? PATTERNS;
  }

  get fault(): boolean {
    return this.#fault;
  }

  setFault(on: boolean): void {
    if (on === this.#fault || this.#closed) return;
    this.#fault = on;
    this.#resumeNow();
  }

  play(event: SignalEvent): void {
    if (this.#closed) return;
    if (this.#isOneShot(event)) {
      this.#cancelResume();
      this.#inner.play(event);
      if (this.#fault) this.#resumeAfter(patternDurationMs(this.#patterns[event]) + 1);
      return;
    }
    if (event !== 'fault') this.#ambient = event;
    if (this.#fault) this.#resumeNow();
    else this.#inner.play(event);
  }

  stop(): void {
    this.#cancelResume();
    this.#inner.stop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelResume();
    await this.#inner.close();
  }

  /** Play what should be playing now: `fault` or the ambient pattern, once no one-shot is running. */
  #resumeNow(): void {
    this.#cancelResume();
    const playing = this.#inner.status().event;
    if (playing !== undefined && this.#isOneShot(playing)) {
      this.#resumeAfter(RECHECK_MS);
      return;
    }
    this.#inner.play(this.#fault ? 'fault' : this.#ambient);
  }

  #resumeAfter(ms: number): void {
    this.#cancelResume();
    this.#resume = this.#clock.setTimeout(() => {
      this.#resume = undefined;
      if (!this.#closed) this.#resumeNow();
    }, ms);
  }

  #cancelResume(): void {
    if (this.#resume !== undefined) this.#clock.clearTimeout(this.#resume);
    this.#resume = undefined;
  }

  #isOneShot(event: SignalEvent): boolean {
    const p = this.#patterns[event];
    return p.loopFrom === undefined && p.steps.length > 0;
  }
}
