/**
 * Growing delays after wrong passphrases: after the n-th failure in a row no attempt is checked
 * for base * 2^(n-1) ms (capped). One per device, not per session, so unplugging the cable
 * does not reset it. Time comes from the Clock.
 */
import type { Clock } from '../core/clock.js';

export interface LockoutPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { baseMs: 1000, maxMs: 15 * 60_000 };

export function lockoutDelay(failures: number, policy: LockoutPolicy = DEFAULT_LOCKOUT): number {
  if (failures <= 0) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
}

export class Lockout {
  readonly #clock: Clock;
  readonly #policy: LockoutPolicy;
  #failures = 0;
  #until = 0;

  constructor(clock: Clock, policy: LockoutPolicy = DEFAULT_LOCKOUT) {
    this.#clock = clock;
    this.#policy = policy;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Milliseconds until the next attempt may be checked; 0 when it may be now. */
  retryAfterMs(): number {
    return Math.max(0, this.#until - this.#clock.now());
  }

  /** Record a wrong passphrase; returns the delay now imposed. */
  fail(): number {
    this.#failures++;
    const delay = lockoutDelay(this.#failures, this.#policy);
    this.#until = this.#clock.now() + delay;
    return delay;
  }

  succeed(): void {
    this.#failures = 0;
    this.#until = 0;
  }
}
