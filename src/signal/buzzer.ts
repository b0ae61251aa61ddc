/**
 * The buzzer: an active one (it has its own oscillator; a GPIO line switches it on and off, any
 * tone sounds at its fixed pitch) or a passive one (a piezo driven with a square wave through a
 * PWM channel, so each step can have its own note). Loudness "low" shortens the duty cycle of a
 * passive buzzer; an active buzzer has one loudness. Unchanged states are not written again.
 */
import type { OutputLine } from './gpio.js';
import type { PwmChannel } from './pwm.js';

export type Loudness = 'normal' | 'low';

export interface Buzzer {
  /** Sound `hz` (0 = silence). */
  sound(hz: number, loudness: Loudness): Promise<void>;
  close(): Promise<void>;
}

export class ActiveBuzzer implements Buzzer {
  readonly #line: OutputLine;
  #known: 0 | 1 | undefined = 0;

  constructor(line: OutputLine) {
    this.#line = line;
  }

  sound(hz: number): Promise<void> {
    const want = hz > 0 ? 1 : 0;
    if (this.#known === want) return Promise.resolve();
    this.#known = want;
    return this.#line.write(want).catch((e: unknown) => {
      this.#known = undefined;
      throw e;
    });
  }

  close(): Promise<void> {
    return this.#line.close();
  }
}

/** Duty cycle fractions: 50 % is the loudest square wave; 5 % is clearly quieter on a piezo. */
export const DUTY: Readonly<Record<Loudness, number>> = { normal: 0.5, low: 0.05 };

export function toneToPwm(hz: number, loudness: Loudness): { periodNs: number; dutyNs: number } {
  const periodNs = Math.round(1e9 / hz);
  return { periodNs, dutyNs: Math.round(periodNs * DUTY[loudness]) };
}

export class PassiveBuzzer implements Buzzer {
  readonly #pwm: PwmChannel;
  #known: string | undefined = 'off';

  constructor(pwm: PwmChannel) {
    this.#pwm = pwm;
  }

  sound(hz: number, loudness: Loudness): Promise<void> {
    const want = hz > 0 ? `${hz}/${loudness}` : 'off';
    if (this.#known === want) return Promise.resolve();
    this.#known = want;
    const forget = (e: unknown): never => {
      this.#known = undefined;
      throw e;
    };
    if (hz <= 0) return this.#pwm.enable(false).catch(forget);
    const { periodNs, dutyNs } = toneToPwm(hz, loudness);
    // Both calls are queued by the channel in this order; no await in between, so nothing blocks.
    return Promise.all([this.#pwm.configure(periodNs, dutyNs), this.#pwm.enable(true)])
      .then(() => undefined)
      .catch(forget);
  }

  close(): Promise<void> {
    return this.#pwm.close();
  }
}

/** No buzzer fitted (or it failed to open). */
export class NoBuzzer implements Buzzer {
  sound(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
