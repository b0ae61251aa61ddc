/**
 * The daemon's side of systemd supervision (Type=notify, WatchdogSec=):
 *
 *  - READY=1 only once the display has drawn and the broker is connected. Until then the start
 *    is kept alive with EXTEND_TIMEOUT_USEC while the daemon's own checks pass, so a till whose
 *    shop network is down keeps running (showing its offline screen) instead of being killed by
 *    TimeoutStartSec, while a wedged start still times out.
 *  - WATCHDOG=1 every WatchdogSec/2, but only while the daemon's own health checks pass (event
 *    loop turning on time, plus whatever the host adds); a failing check stops the pings and
 *    systemd restarts the daemon.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { FleetHealth } from './ports.js';
import type { SdNotify } from './sd-notify.js';

export interface ServiceWatchdogOptions {
  readonly notify: SdNotify;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly health: () => FleetHealth;
  /** The daemon's own checks: undefined when fine, otherwise what is wrong. */
  readonly selfCheck: () => string | undefined;
  /** Ping interval when WATCHDOG_USEC is absent (only READY/extend are sent then). */
  readonly startupTickMs?: number;
  /** How much start-up time to ask for on each tick before READY. */
  readonly extendMs?: number;
}

export class ServiceWatchdog {
  readonly #o: ServiceWatchdogOptions;
  #timer: TimerHandle | undefined;
  #ready = false;
  #stopped = false;
  #lastProblem: string | undefined;

  constructor(o: ServiceWatchdogOptions) {
    this.#o = o;
  }

  get ready(): boolean {
    return this.#ready;
  }

  start(): void {
    if (!this.#o.notify.enabled) return;
    this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    await this.#o.notify.stopping().catch(() => false);
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const problem = this.#o.selfCheck();
    if (problem !== this.#lastProblem) {
      if (problem !== undefined) this.#o.logger.error('a health check fails; the systemd watchdog is no longer fed', { problem });
      else if (this.#lastProblem !== undefined) this.#o.logger.info('health checks pass again');
      this.#lastProblem = problem;
    }
    const send = (p: Promise<boolean>): void => void p.catch((e: unknown) => this.#o.logger.warn('sd_notify failed', { error: e }));
    if (!this.#ready) {
      const h = this.#o.health();
      if (problem === undefined && h.brokerConnected && h.displayDrawn) {
        this.#ready = true;
        send(this.#o.notify.ready('display drawn, broker connected'));
      } else if (problem === undefined) {
        send(
          this.#o.notify.notify(
            `EXTEND_TIMEOUT_USEC=${Math.round((this.#o.extendMs ?? 60_000) * 1000)}`,
            `STATUS=waiting for ${[h.displayDrawn ? '' : 'the display', h.brokerConnected ? '' : 'the broker'].filter((x) => x !== '').join(' and ')}`,
          ),
        );
      }
    } else if (problem === undefined) {
      send(this.#o.notify.watchdog());
    }
    const interval = this.#o.notify.watchdogIntervalMs();
    const next = this.#ready ? (interval ?? undefined) : Math.min(interval ?? Infinity, this.#o.startupTickMs ?? 1000);
    if (next !== undefined && Number.isFinite(next)) this.#timer = this.#o.clock.setTimeout(() => this.#tick(), next);
  }
}

/** An event-loop check: a timer that should fire every `periodMs` must not be later than `limitMs`. */
export class EventLoopCheck {
  readonly #clock: Clock;
  readonly #periodMs: number;
  readonly #limitMs: number;
  #expected = 0;
  #worstLag = 0;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, periodMs = 1000, limitMs = 10_000) {
    this.#clock = clock;
    this.#periodMs = periodMs;
    this.#limitMs = limitMs;
  }

  start(): void {
    this.#expected = this.#clock.now() + this.#periodMs;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), this.#periodMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
  }

  /** undefined while the loop keeps time; a sentence when it lagged past the limit since the last check. */
  check(): string | undefined {
    const lag = Math.max(this.#worstLag, this.#clock.now() - this.#expected);
    this.#worstLag = 0;
    return lag > this.#limitMs ? `the event loop lagged ${lag} ms` : undefined;
  }

  #fire(): void {
    const lag = this.#clock.now() - this.#expected;
    if (lag > this.#worstLag) this.#worstLag = lag;
    this.start();
  }
}
