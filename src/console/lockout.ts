/**
 * Growing delays after wrong passphrases: after the n-th failure in a row no attempt is checked
 * for base * 2^(n-1) ms (capped). One per device, not per session, so unplugging the cable
 * does not reset it; and persisted (LockoutStore), so a power cycle does not either. Time comes
 * from the Clock; the deadline is wall-clock time, so it means the same after a restart.
 *
 * Invariant: the remaining delay is never more than the delay the failure count imposes (at most
 * policy.maxMs). A deadline further away than that (the clock jumped backwards, or a restored file
 * from a clock that ran ahead) is pulled in to now + that delay, so no clock can lock the console
 * for longer than one full delay from now.
 */
import type { Clock } from '../core/clock.js';

export interface LockoutPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { baseMs: 1000, maxMs: 15 * 60_000 };

/** What is persisted: failures in a row, and the wall-clock time (epoch ms) before which no attempt is checked. */
export interface LockoutState {
  readonly failures: number;
  readonly untilMs: number;
}

export const NO_LOCKOUT: LockoutState = { failures: 0, untilMs: 0 };

/** Where a Lockout keeps its state; `save` must not reject (it reports its own failures). */
export interface LockoutPersistence {
  save(state: LockoutState): Promise<void>;
}

export function lockoutDelay(failures: number, policy: LockoutPolicy = DEFAULT_LOCKOUT): number {
  if (failures <= 0) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
}

export class Lockout {
  readonly #clock: Clock;
  readonly #policy: LockoutPolicy;
  readonly #persistence: LockoutPersistence | undefined;
  #failures = 0;
  #until = 0;
  #saving: Promise<void> = Promise.resolve();
  #ready: Promise<void> = Promise.resolve();

  constructor(clock: Clock, policy: LockoutPolicy = DEFAULT_LOCKOUT, persistence?: LockoutPersistence) {
    this.#clock = clock;
    this.#policy = policy;
    this.#persistence = persistence;
  }

  get failures(): number {
    return this.#failures;
  }

  get state(): LockoutState {
    return { failures: this.#failures, untilMs: this.#until };
  }

  /** Take over a persisted state once it has been read; `ready()` resolves then. */
  restoreFrom(loading: Promise<LockoutState>): void {
    this.#ready = loading.then(
      (s) => this.restore(s),
      () => undefined,
    );
  }

  /** Resolves once a state being restored is in force: wait for it before judging an attempt. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Take over a persisted state (at start, before any attempt). */
  restore(state: LockoutState): void {
    this.#failures = Math.max(0, Math.floor(state.failures));
    this.#until = state.untilMs;
    this.#bound();
  }

  /** Milliseconds until the next attempt may be checked; 0 when it may be now. */
  retryAfterMs(): number {
    this.#bound();
    return Math.max(0, this.#until - this.#clock.now());
  }

  /** Record a wrong passphrase; returns the delay now imposed. */
  fail(): number {
    this.#failures++;
    const delay = lockoutDelay(this.#failures, this.#policy);
    this.#until = this.#clock.now() + delay;
    this.#save();
    return delay;
  }

  succeed(): void {
    const had = this.#failures !== 0 || this.#until !== 0;
    this.#failures = 0;
    this.#until = 0;
    if (had) this.#save();
  }

  /** Forget every failure (factory reset, a new owner). */
  reset(): void {
    this.succeed();
  }

  /** Resolves once every change so far has been handed to the persistence and written (or reported). */
  saved(): Promise<void> {
    return this.#saving;
  }

  /** Pull a deadline that lies further ahead than the failure count allows back to now + that delay. */
  #bound(): void {
    const cap = lockoutDelay(this.#failures, this.#policy);
    const now = this.#clock.now();
    if (!Number.isFinite(this.#until) || this.#until - now > cap) {
      this.#until = now + cap;
      this.#save();
    }
  }

  #save(): void {
    const p = this.#persistence;
    if (p === undefined) return;
    const state = this.state;
    this.#saving = this.#saving.then(() => p.save(state)).catch(() => undefined);
  }
}
