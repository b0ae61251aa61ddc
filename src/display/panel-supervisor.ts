/**
 * A panel that may not be there yet, behind the Panel interface. Opening a real panel can fail for
 * reasons a restart does not fix (SPI disabled, no /dev/spidev0.0, a native module that does not
 * load, no framebuffer), so opening must never end the daemon: the supervisor tries the opener
 * once at `start()`, and after a failure again with exponential back-off on the Clock (1 s, 2 s,
 * 4 s ... capped at 60 s) until it succeeds. Each failure is emitted as 'open-failed' (a
 * PANEL_UNAVAILABLE error naming the cause and the next attempt), the success as 'opened';
 * DisplayService turns them into the `display` fault and draws the current screen once open.
 *
 * While no panel is open, `show()` refuses at once with PANEL_UNAVAILABLE (it never waits for the
 * panel to appear), `sleep()` does nothing. Invariant: at most one open attempt runs at a time, and
 * a panel that opens after `close()` is closed again at once.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError, toTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Frame } from './frame.js';
import type { Panel, PanelInfo, RefreshMode } from './panel.js';

/** Opens the fitted panel (lazy driver load, device open); rejects when it cannot. */
export type PanelOpener = () => Promise<Panel>;

export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_PANEL_RETRY: RetryPolicy = { initialMs: 1000, maxMs: 60_000, factor: 2 };

/** The wait before the next attempt after `failures` failed ones (1, 2, ...): exponential, capped. */
export function retryDelayMs(failures: number, p: RetryPolicy = DEFAULT_PANEL_RETRY): number {
  const n = Math.max(1, Math.floor(failures));
  return Math.min(p.maxMs, p.initialMs * p.factor ** (n - 1));
}

export interface PanelSupervisorOptions {
  /** What the panel will be (known from the config before it opens). */
  readonly info: PanelInfo;
  readonly open: PanelOpener;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
}

export interface OpenFailure {
  readonly error: TillqrError;
  /** Failed attempts so far in this run of failures. */
  readonly attempt: number;
  /** Clock ms of the next attempt. */
  readonly retryAt: number;
}

export class PanelSupervisor extends EventEmitter<{ opened: [Panel]; 'open-failed': [OpenFailure] }> implements Panel {
  readonly info: PanelInfo;
  readonly #open: PanelOpener;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #retry: RetryPolicy;
  #panel: Panel | undefined;
  #lastError: TillqrError | undefined;
  #failures = 0;
  #timer: TimerHandle | undefined;
  #attempt: Promise<void> | undefined;
  #started = false;
  #closed = false;

  constructor(o: PanelSupervisorOptions) {
    super();
    this.info = o.info;
    this.#open = o.open;
    this.#clock = o.clock;
    this.#log = o.logger;
    this.#retry = o.retry ?? DEFAULT_PANEL_RETRY;
  }

  /** A panel is open and takes frames. */
  get isOpen(): boolean {
    return this.#panel !== undefined;
  }

  /** The opened panel (the real driver), or undefined while absent. */
  get panel(): Panel | undefined {
    return this.#panel;
  }

  /** Why the panel is not open (undefined once open, and before the first attempt). */
  get lastError(): TillqrError | undefined {
    return this.#panel === undefined ? this.#lastError : undefined;
  }

  /** Failed attempts since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Make the first attempt; resolves when it has succeeded or failed (a failure schedules the next). */
  start(): Promise<void> {
    if (this.#started) return this.#attempt ?? Promise.resolve();
    this.#started = true;
    return this.#tryOpen();
  }

  show(frame: Frame, mode: RefreshMode): Promise<void> {
    const panel = this.#panel;
    if (panel === undefined) return Promise.reject(this.#unavailable());
    return panel.show(frame, mode);
  }

  sleep(): Promise<void> {
    return this.#panel?.sleep() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#attempt;
    const panel = this.#panel;
    this.#panel = undefined;
    await panel?.close();
  }

  #tryOpen(): Promise<void> {
    this.#timer = undefined;
    const run = (async () => {
      let panel: Panel;
      try {
        panel = await this.#open();
      } catch (e) {
        if (!this.#closed) this.#failed(e);
        return;
      }
      if (this.#closed) {
        await panel.close().catch(() => undefined);
        return;
      }
      this.#panel = panel;
      if (this.#failures > 0) this.#log.info('the panel is open now', { panel: this.info.id, afterFailures: this.#failures });
      this.#failures = 0;
      this.#lastError = undefined;
      this.#emit('opened', panel);
    })().finally(() => {
      if (this.#attempt === run) this.#attempt = undefined;
    });
    this.#attempt = run;
    return run;
  }

  #failed(e: unknown): void {
    const cause = toTillqrError(e, 'PANEL_IO');
    this.#failures++;
    const waitMs = retryDelayMs(this.#failures, this.#retry);
    const retryAt = this.#clock.now() + waitMs;
    const error = new TillqrError(
      'PANEL_UNAVAILABLE',
      `${this.info.id} cannot be opened: ${cause.message}; next attempt in ${Math.round(waitMs / 1000)} s`,
      { panel: this.info.id, cause: cause.code, attempt: this.#failures, retryInMs: waitMs },
      { cause },
    );
    const changed = this.#lastError?.context.cause !== cause.code || this.#failures === 1;
    this.#lastError = error;
    // Once per kind of failure at warn (then debug), so a panel missing for days does not flood the journal.
    if (changed)
      this.#log.warn('the panel cannot be opened; retrying with back-off', { panel: this.info.id, code: cause.code, error: cause.message, retryInMs: waitMs });
    else this.#log.debug(() => `panel open attempt ${this.#failures} failed (${cause.code}); next in ${waitMs} ms`);
    this.#timer = this.#clock.setTimeout(() => void this.#tryOpen(), waitMs);
    this.#emit('open-failed', { error, attempt: this.#failures, retryAt });
  }

  #unavailable(): TillqrError {
    return this.#lastError ?? new TillqrError('PANEL_UNAVAILABLE', `${this.info.id} is not open yet`, { panel: this.info.id });
  }

  /** A listener that throws must not stop the retries. */
  #emit<K extends 'opened' | 'open-failed'>(event: K, value: K extends 'opened' ? Panel : OpenFailure): void {
    try {
      (this.emit as (e: string, v: unknown) => boolean)(event, value);
    } catch (e) {
      this.#log.warn('a panel listener threw', { event, error: e });
    }
  }
}
