/**
 * Who may use a console session: locked while a passphrase is set and nobody has logged in;
 * login checks the scrypt hash unless the device's lockout says wait; a logged-in session is
 * logged out after `console.idleLogoutSec` without input. Every change is an audit line.
 * A login's reply waits until the lockout change is on disk: cutting the power on seeing "wrong"
 * cannot undo the failure.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError } from '../core/errors.js';
import type { LogFields } from '../core/logger.js';
import type { Lockout } from './lockout.js';
import { verifyPassphrase } from './passphrase.js';

export interface SessionAuthOptions {
  readonly store: ConfigStore;
  readonly lockout: Lockout;
  readonly clock: Clock;
  readonly audit: (action: string, fields?: LogFields) => void;
  /** Called after an idle logout (to tell the person). */
  readonly onIdleLogout: (afterSec: number) => void;
}

export class SessionAuth {
  readonly #o: SessionAuthOptions;
  #authed = false;
  #idle: TimerHandle | undefined;

  constructor(opts: SessionAuthOptions) {
    this.#o = opts;
  }

  get authed(): boolean {
    return this.#authed;
  }

  /** A passphrase is set and this session has not logged in. */
  get locked(): boolean {
    return this.#o.store.current.console.passphraseHash !== undefined && !this.#authed;
  }

  async login(pass: string): Promise<void> {
    const hash = this.#o.store.current.console.passphraseHash;
    if (hash === undefined) {
      this.#authed = true;
      return;
    }
    const { lockout } = this.#o;
    await lockout.ready();
    const waitMs = lockout.retryAfterMs();
    if (waitMs > 0) {
      const sec = Math.ceil(waitMs / 1000);
      throw new TillqrError('CONSOLE_LOCKED_OUT', `too many wrong passphrases; try again in ${sec} s`, { retryAfterSec: sec });
    }
    if (await verifyPassphrase(pass, hash)) {
      lockout.succeed();
      await lockout.saved();
      this.#authed = true;
      this.#o.audit('login');
      this.touch();
      return;
    }
    const sec = Math.ceil(lockout.fail() / 1000);
    await lockout.saved();
    this.#o.audit('login-failed', { failures: lockout.failures });
    throw new TillqrError('CONSOLE_AUTH_FAILED', `wrong passphrase; the next attempt is possible in ${sec} s`, { retryAfterSec: sec });
  }

  logout(): void {
    if (this.#authed) this.#o.audit('logout');
    this.#authed = false;
    this.#stopIdle();
  }

  /** This session has just set the passphrase itself (provisioning). */
  trust(): void {
    this.#authed = true;
    this.touch();
  }

  /** Input arrived: start the idle time again. */
  touch(): void {
    this.#stopIdle();
    if (!this.#authed) return;
    const sec = this.#o.store.current.console.idleLogoutSec;
    this.#idle = this.#o.clock.setTimeout(() => {
      this.#idle = undefined;
      if (!this.#authed) return;
      this.#authed = false;
      this.#o.audit('logout', { reason: 'idle' });
      this.#o.onIdleLogout(sec);
    }, sec * 1000);
  }

  dispose(): void {
    this.#stopIdle();
  }

  #stopIdle(): void {
    if (this.#idle !== undefined) this.#o.clock.clearTimeout(this.#idle);
    this.#idle = undefined;
  }
}
