/**
 * The success signal as the benchmarks time it (bench/latency.ts, bench/voice.ts): the real
 * PatternIndicator on the simulated GPIO, armed by play('paid'); the first GPIO write after that
 * is the signal reaching the pins. The charge starts the "waiting" pattern with a short green
 * chirp; a real customer takes seconds to pay, so each payment is sent once the chirp is over
 * (the green LED written off).
 */
import type { SimGpio } from '../src/signal/drivers/sim-gpio.js';
import type { Indicator, SignalEvent } from '../src/signal/indicator.js';
import type { Signals } from '../src/signal/open-signals.js';

export interface Waiter<T> {
  readonly promise: Promise<T>;
  readonly resolve: (v: T) => void;
}

export function waiter<T>(): Waiter<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export class SuccessProbe {
  readonly indicator: Indicator;
  #armed = false;
  #signal = waiter<number>();
  #chirp = waiter<void>();

  constructor(signals: Signals, gpio: SimGpio, greenPin: number) {
    gpio.onWrite((w) => {
      if (w.pin === greenPin && w.value === 0) this.#chirp.resolve();
      if (!this.#armed) return;
      this.#armed = false;
      this.#signal.resolve(performance.now());
    });
    this.indicator = {
      play: (e: SignalEvent) => {
        if (e === 'paid') this.#armed = true;
        signals.indicator.play(e);
      },
      stop: () => signals.indicator.stop(),
      close: () => signals.indicator.close(),
    };
  }

  /** From now on: resolves with performance.now() at the first GPIO write after the next play('paid'). */
  expectSuccess(): Promise<number> {
    this.#signal = waiter();
    return this.#signal.promise;
  }

  /** From now on: resolves when the green LED is next written off (the charge's chirp is over). */
  expectChirpEnd(): Promise<void> {
    this.#chirp = waiter();
    return this.#chirp.promise;
  }
}
