/**
 * The technician console on a serial port, for the life of the daemon: opens the port, runs a
 * session on it, and when the port goes away (cable unplugged, USB adapter gone, gadget host
 * gone) or cannot be opened, tries again with growing delays. A /dev/serial/by-id path names
 * the same adapter after a replug. Nothing about the port can stop the daemon.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.js';
import { toTillqrError } from '../core/errors.js';
import { Lockout, type LockoutPolicy } from './lockout.js';
import { LockoutStore } from './lockout-store.js';
import type { ScryptParams } from './passphrase.js';
import { Provisioner } from './provisioner.js';
import { serialPortOpener, type ConsolePort, type PortOpener } from './serial-port.js';
import { ConsoleSession, type SessionOptions } from './session.js';

export interface SerialConsoleOptions extends Omit<SessionOptions, 'write' | 'drain' | 'provisioner' | 'lockout' | 'bootId'> {
  /** Default: random, new for every SerialConsole (that is, every daemon start). */
  readonly bootId?: string;
  /** Default: config console.port. */
  readonly path?: string;
  /** Default: config console.baudRate. */
  readonly baudRate?: number;
  /** Where provisioning writes TLS material (beside the config file: /etc/tillqr/tls). */
  readonly tlsDir: string;
  /** The daemon's state directory: the lockout persists in <stateDir>/console/lockout.json. */
  readonly stateDir: string;
  /** The daemon's release root (fleet.releaseRoot): a factory reset removes the config snapshots kept there. */
  readonly releaseRoot?: string;
  /** Default: the real serialport package. */
  readonly openPort?: PortOpener;
  readonly retry?: { readonly minMs: number; readonly maxMs: number };
  readonly lockoutPolicy?: LockoutPolicy;
  /** scrypt cost for new passphrase hashes (tests use a cheap one). */
  readonly scrypt?: ScryptParams;
}

export type ConsoleState = 'stopped' | 'opening' | 'open' | 'waiting';

export class SerialConsole {
  readonly #o: SerialConsoleOptions;
  readonly #clock: Clock;
  readonly #openPort: PortOpener;
  readonly lockout: Lockout;
  readonly provisioner: Provisioner;
  readonly bootId: string;
  #state: ConsoleState = 'stopped';
  #port: ConsolePort | undefined;
  #session: ConsoleSession | undefined;
  #timer: TimerHandle | undefined;
  #attempt = 0;
  #opens = 0;
  #waiters: (() => void)[] = [];
  readonly #lockoutStore: LockoutStore;
  #lockoutLoaded = false;

  constructor(opts: SerialConsoleOptions) {
    this.#o = opts;
    this.#clock = opts.clock;
    this.#openPort = opts.openPort ?? serialPortOpener();
    this.bootId = opts.bootId ?? randomBytes(6).toString('hex');
    this.#lockoutStore = new LockoutStore({ stateDir: opts.stateDir, logger: opts.logger.child('lockout') });
    this.lockout = new Lockout(opts.clock, opts.lockoutPolicy, this.#lockoutStore);
    this.provisioner = new Provisioner({
      store: opts.store,
      tlsDir: opts.tlsDir,
      stateDir: opts.stateDir,
      ...(opts.releaseRoot !== undefined ? { releaseRoot: opts.releaseRoot } : {}),
      network: opts.network,
      logger: opts.logger,
      ...(opts.scrypt ? { scrypt: opts.scrypt } : {}),
    });
  }

  get state(): ConsoleState {
    return this.#state;
  }

  /** How many times the port has been opened. */
  get opens(): number {
    return this.#opens;
  }

  get session(): ConsoleSession | undefined {
    return this.#session;
  }

  get path(): string {
    return this.#o.path ?? this.#o.store.current.console.port;
  }

  start(): void {
    if (this.#state !== 'stopped') return;
    // Read once per daemon start; a login waits for it (Lockout.ready), the port does not.
    if (!this.#lockoutLoaded) this.lockout.restoreFrom(this.#lockoutStore.load());
    this.#lockoutLoaded = true;
    this.#state = 'opening';
    void this.#open();
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    // Not awaited: a `restart` or `factory-reset` in flight is what stops the console.
    void this.#session?.dispose();
    this.#session = undefined;
    const port = this.#port;
    this.#port = undefined;
    await port?.close().catch(() => undefined);
  }

  /** Resolves once the port is open (now, if it is). */
  whenOpen(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async #open(): Promise<void> {
    const path = this.path;
    const baud = this.#o.baudRate ?? this.#o.store.current.console.baudRate;
    let port: ConsolePort;
    try {
      port = await this.#openPort(path, baud);
    } catch (e) {
      if (this.#state === 'stopped') return;
      const log = this.#attempt === 0 ? this.#o.logger.warn.bind(this.#o.logger) : this.#o.logger.debug.bind(this.#o.logger);
      log('console port not available; will retry', { path, error: toTillqrError(e).message });
      this.#retry();
      return;
    }
    if (this.#state === 'stopped') {
      await port.close().catch(() => undefined);
      return;
    }
    this.#port = port;
    this.#state = 'open';
    this.#attempt = 0;
    this.#opens++;
    const session = new ConsoleSession({
      ...this.#o,
      bootId: this.bootId,
      provisioner: this.provisioner,
      lockout: this.lockout,
      write: (b) => void port.write(b),
      drain: () => port.drain(),
    });
    this.#session = session;
    port.onData((chunk) => session.feed(chunk));
    port.onClose((err) => this.#lost(port, session, err));
    this.#o.logger.info('console port open', { path, baudRate: baud });
    session.start();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #lost(port: ConsolePort, session: ConsoleSession, err: Error | undefined): void {
    void session.dispose();
    if (this.#port !== port) return;
    this.#port = undefined;
    this.#session = undefined;
    if (this.#state === 'stopped') return;
    this.#o.logger.warn('console port lost; will reopen', { path: this.path, error: err?.message });
    this.#retry();
  }

  #retry(): void {
    const { minMs, maxMs } = this.#o.retry ?? { minMs: 250, maxMs: 10_000 };
    const delay = Math.min(maxMs, minMs * 2 ** Math.min(this.#attempt, 20));
    this.#attempt++;
    this.#state = 'waiting';
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#state !== 'waiting') return;
      this.#state = 'opening';
      void this.#open();
    }, delay);
  }
}
