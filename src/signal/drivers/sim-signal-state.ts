/**
 * What a person at the simulated till would see and hear: the LED colour and the buzzer state,
 * decoded from the simulated GPIO pins and PWM channel exactly as the wiring in the config says
 * (pins, active-low), so the web simulator and tests observe the same signal a real device gives.
 */
import type { Clock } from '../../core/clock.js';
import type { SignalConfig } from '../config.js';
import type { Level } from '../gpio.js';
import { Listeners } from '../listeners.js';
import type { LedColour } from '../patterns.js';
import type { SimGpio } from './sim-gpio.js';
import type { SimPwm } from './sim-pwm.js';

/** `other` is a mix no pattern uses (e.g. blue on an RGB LED). */
export type SimLedState = LedColour | 'other';

export interface SimSignalSnapshot {
  readonly at: number;
  readonly led: SimLedState;
  /** `hz` is the tone of a passive buzzer, null for an active one (it has its own pitch) or when silent. */
  readonly buzzer: { readonly on: boolean; readonly hz: number | null };
}

export interface SimSignalStateOptions {
  gpio: SimGpio;
  pwm?: SimPwm | undefined;
  clock: Clock;
  config: Pick<SignalConfig, 'led' | 'buzzer'>;
  onError?: (e: unknown) => void;
}

function same(a: SimSignalSnapshot, b: SimSignalSnapshot): boolean {
  return a.led === b.led && a.buzzer.on === b.buzzer.on && a.buzzer.hz === b.buzzer.hz;
}

export class SimSignalState {
  readonly #gpio: SimGpio;
  readonly #pwm: SimPwm | undefined;
  readonly #clock: Clock;
  readonly #config: Pick<SignalConfig, 'led' | 'buzzer'>;
  readonly #listeners: Listeners<SimSignalSnapshot>;
  readonly #unsubscribe: (() => void)[] = [];
  #last: SimSignalSnapshot;
  #pending: SimSignalSnapshot | undefined;
  #flushQueued = false;

  constructor(opts: SimSignalStateOptions) {
    this.#gpio = opts.gpio;
    this.#pwm = opts.pwm;
    this.#clock = opts.clock;
    this.#config = opts.config;
    this.#listeners = new Listeners(opts.onError ?? (() => undefined));
    this.#last = this.#compute();
    this.#unsubscribe.push(this.#gpio.onLevel(() => this.#update()));
    if (this.#pwm !== undefined) this.#unsubscribe.push(this.#pwm.onChange(() => this.#update()));
  }

  /** The state right now (after every write made so far). */
  snapshot(): SimSignalSnapshot {
    return this.#compute();
  }

  /**
   * Called once per visible change. The lines of one step are written one after another, so the
   * changes made at one clock time are merged: an observer sees amber -> off, never the red that
   * exists between the green and the red write. The state of a time is delivered when the clock
   * moves on or, at the latest, in a microtask.
   */
  onChange(fn: (s: SimSignalSnapshot) => void): () => void {
    return this.#listeners.on(fn);
  }

  /** Deliver a pending change now. */
  flush(): void {
    const p = this.#pending;
    this.#pending = undefined;
    if (p === undefined || same(p, this.#last)) return;
    this.#last = p;
    this.#listeners.emit(p);
  }

  close(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#listeners.clear();
    this.#pending = undefined;
  }

  #update(): void {
    const next = this.#compute();
    if (this.#pending !== undefined && this.#pending.at !== next.at) this.flush();
    this.#pending = next;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.flush();
      });
    }
  }

  #on(pin: number | undefined, activeLow: boolean): boolean {
    if (pin === undefined) return false;
    const level: Level | undefined = this.#gpio.level(pin);
    if (level === undefined) return false;
    return activeLow ? level === 0 : level === 1;
  }

  #led(): SimLedState {
    const c = this.#config.led;
    if (c.kind === 'none') return 'off';
    const g = this.#on(c.green, c.activeLow);
    const r = this.#on(c.red, c.activeLow);
    const b = c.kind === 'rgb' && this.#on(c.blue, c.activeLow);
    if (b) return 'other';
    if (g && r) return 'amber';
    if (g) return 'green';
    if (r) return 'red';
    return 'off';
  }

  #buzzer(): { on: boolean; hz: number | null } {
    const c = this.#config.buzzer;
    if (c.kind === 'active') return { on: this.#on(c.pin, c.activeLow), hz: null };
    if (c.kind === 'none' || this.#pwm === undefined) return { on: false, hz: null };
    const st = this.#pwm.find(c.pwmChannel, c.pwmChip);
    if (st === undefined || !st.enabled || st.dutyNs === 0 || st.periodNs === 0) return { on: false, hz: null };
    return { on: true, hz: Math.round(1e9 / st.periodNs) };
  }

  #compute(): SimSignalSnapshot {
    return { at: this.#clock.now(), led: this.#led(), buzzer: this.#buzzer() };
  }
}
