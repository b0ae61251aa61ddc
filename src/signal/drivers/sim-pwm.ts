/**
 * A simulated sysfs PWM controller behind the `Pwm` interface: channels keep period, duty cycle
 * and enable like the kernel does (and refuse a duty cycle longer than the period, as the kernel
 * does), every change is stamped by the Clock and observable, and failures can be scripted.
 */
import type { Clock } from '../../core/clock.js';
import { Listeners } from '../listeners.js';
import type { Pwm, PwmChannel, PwmOpenOptions } from '../pwm.js';
import { pwmIo, pwmPermission, pwmUnavailable } from './gpio-errors.js';

export interface SimPwmState {
  readonly at: number;
  readonly chip: number;
  readonly channel: number;
  readonly periodNs: number;
  readonly dutyNs: number;
  readonly enabled: boolean;
}

export interface SimPwmOptions {
  clock: Clock;
  /** Chips and their channel counts; default one chip 0 with 2 channels (a Pi 4 with the pwm overlay). */
  chips?: readonly { chip: number; npwm: number }[];
  permissionDenied?: boolean;
  /** Changes kept in `history` (oldest dropped first); default 10,000. */
  historyLimit?: number;
  onError?: (e: unknown) => void;
}

const key = (chip: number, channel: number): string => `${chip}/${channel}`;

export class SimPwm implements Pwm {
  readonly #clock: Clock;
  readonly #chips: { chip: number; npwm: number }[];
  readonly #state = new Map<string, SimPwmState>();
  readonly #open = new Set<string>();
  readonly #history: SimPwmState[] = [];
  readonly #listeners: Listeners<SimPwmState>;
  readonly #historyLimit: number;
  permissionDenied: boolean;

  constructor(opts: SimPwmOptions) {
    this.#clock = opts.clock;
    this.#chips = [...(opts.chips ?? [{ chip: 0, npwm: 2 }])];
    this.permissionDenied = opts.permissionDenied ?? false;
    this.#historyLimit = opts.historyLimit ?? 10_000;
    this.#listeners = new Listeners(opts.onError ?? (() => undefined));
  }

  open(opts: PwmOpenOptions): Promise<PwmChannel> {
    const chip = opts.chip === undefined ? this.#chips.find((c) => c.npwm > opts.channel) : this.#chips.find((c) => c.chip === opts.chip);
    if (chip === undefined || chip.npwm <= opts.channel) {
      const what = opts.chip === undefined ? `no pwmchip has a channel ${opts.channel}` : `pwmchip${opts.chip} has no channel ${opts.channel}`;
      return Promise.reject(pwmUnavailable(what, { chip: opts.chip, channel: opts.channel }));
    }
    if (this.permissionDenied) return Promise.reject(pwmPermission(`sim pwmchip${chip.chip}`));
    const k = key(chip.chip, opts.channel);
    if (this.#open.has(k))
      return Promise.reject(
        pwmUnavailable(`pwmchip${chip.chip} channel ${opts.channel} is already in use by tillqr`, { chip: chip.chip, channel: opts.channel }),
      );
    this.#open.add(k);
    this.#set(chip.chip, opts.channel, { periodNs: 0, dutyNs: 0, enabled: false });
    return Promise.resolve(this.#channel(chip.chip, opts.channel));
  }

  close(): Promise<void> {
    for (const k of this.#open) {
      const st = this.#state.get(k);
      if (st?.enabled === true) this.#set(st.chip, st.channel, { ...st, enabled: false });
    }
    this.#open.clear();
    return Promise.resolve();
  }

  state(chip: number, channel: number): SimPwmState | undefined {
    return this.#state.get(key(chip, channel));
  }

  /** The state of an open channel with this number (on `chip` when given). */
  find(channel: number, chip?: number): SimPwmState | undefined {
    for (const k of this.#open) {
      const st = this.#state.get(k);
      if (st !== undefined && st.channel === channel && (chip === undefined || st.chip === chip)) return st;
    }
    return undefined;
  }

  /** Every change on every channel, in order. */
  get history(): readonly SimPwmState[] {
    return this.#history;
  }

  clearHistory(): void {
    this.#history.length = 0;
  }

  onChange(fn: (s: SimPwmState) => void): () => void {
    return this.#listeners.on(fn);
  }

  #set(chip: number, channel: number, v: { periodNs: number; dutyNs: number; enabled: boolean }): void {
    const st: SimPwmState = { at: this.#clock.now(), chip, channel, ...v };
    this.#state.set(key(chip, channel), st);
    this.#history.push(st);
    if (this.#history.length > this.#historyLimit) this.#history.splice(0, this.#history.length - this.#historyLimit);
    this.#listeners.emit(st);
  }

  #channel(chip: number, channel: number): PwmChannel {
    const k = key(chip, channel);
    const current = (): SimPwmState | undefined => (this.#open.has(k) ? this.#state.get(k) : undefined);
    return {
      chip,
      channel,
      configure: (periodNs, dutyNs) => {
        const st = current();
        if (st === undefined) return Promise.reject(pwmIo('the channel is closed', { chip, channel }));
        if (!Number.isSafeInteger(periodNs) || !Number.isSafeInteger(dutyNs) || periodNs <= 0 || dutyNs < 0 || dutyNs > periodNs) {
          return Promise.reject(pwmIo(`period ${periodNs} ns / duty ${dutyNs} ns refused (the duty cycle must be 0 to the period)`, { chip, channel }));
        }
        if (st.periodNs !== periodNs || st.dutyNs !== dutyNs) this.#set(chip, channel, { periodNs, dutyNs, enabled: st.enabled });
        return Promise.resolve();
      },
      enable: (on) => {
        const st = current();
        if (st === undefined) return Promise.reject(pwmIo('the channel is closed', { chip, channel }));
        if (on && st.periodNs === 0) return Promise.reject(pwmIo('cannot enable a channel without a period', { chip, channel }));
        if (st.enabled !== on) this.#set(chip, channel, { periodNs: st.periodNs, dutyNs: st.dutyNs, enabled: on });
        return Promise.resolve();
      },
      close: () => {
        const st = current();
        if (st?.enabled === true) this.#set(chip, channel, { ...st, enabled: false });
        this.#open.delete(k);
        return Promise.resolve();
      },
    };
  }
}
