/**
 * A simulated panel behind the Panel interface, for the simulator web page, the scheduler tests and
 * the fleet benchmark: it keeps the last frame, takes as long as a real refresh (on the Clock),
 * counts full/partial refreshes and frame bytes, and emits 'frame' after every refresh. Like the
 * real e-paper drivers it skips a partial refresh that changes nothing and, on a BUSY timeout,
 * resets and retries once with a full refresh before reporting PANEL_BUSY_TIMEOUT.
 *
 * Tests script what the next refreshes do with `script('ok', 'stuck', 'fail', { ms: 5000 })`:
 * 'stuck' never releases BUSY (a timeout after `busyTimeoutMs`), 'fail' is an SPI error.
 * Calling show() while a refresh is in flight is a bug in the caller and throws.
 *
 * Like a real panel it can be missing: `unplug()` (until `plugIn()`) or `unplug(n)` (for the next n
 * attempts) makes `open()`, the simulator's panel opener, fail with PANEL_NOT_FOUND as a missing
 * /dev/spidev0.0 or framebuffer would; `openAttempts` counts the tries.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../core/clock.js';
import { TillqrError, toTillqrError } from '../../core/errors.js';
import type { Frame } from '../frame.js';
import type { Panel, PanelInfo, RefreshMode } from '../panel.js';
import { checkFrame } from './frame-check.js';
import { changedWindow } from './ram-window.js';

export type SimOutcome = 'ok' | 'stuck' | 'fail' | { readonly ms: number };

export interface SimPanelOptions {
  clock: Clock;
  /** Refresh durations (defaults: e-paper 2000/300 ms, LCD 20 ms). */
  timing?: { fullMs?: number; partialMs?: number };
  busyTimeoutMs?: number;
}

export interface SimFrameEvent {
  readonly seq: number;
  readonly at: number;
  readonly mode: RefreshMode;
  /** A copy: later changes to the submitted frame do not show here. */
  readonly frame: Frame;
}

export interface SimPanelCounts {
  full: number;
  partial: number;
  unchanged: number;
  resets: number;
  busyTimeouts: number;
  failures: number;
  sleeps: number;
}

export class SimPanel extends EventEmitter<{ frame: [SimFrameEvent]; 'refresh-start': [{ mode: RefreshMode; at: number }] }> implements Panel {
  readonly info: PanelInfo;
  readonly counts: SimPanelCounts = { full: 0, partial: 0, unchanged: 0, resets: 0, busyTimeouts: 0, failures: 0, sleeps: 0 };
  readonly bytes = { total: 0, last: 0 };
  readonly #clock: Clock;
  readonly #fullMs: number;
  readonly #partialMs: number;
  readonly #busyTimeoutMs: number;
  readonly #script: SimOutcome[] = [];
  #last: SimFrameEvent | undefined;
  #seq = 0;
  #inFlight = false;
  #asleep = true;
  #closed = false;
  /** Open attempts still to fail: 0 = connected, Infinity = until plugIn(). */
  #absentFor = 0;
  #openAttempts = 0;

  constructor(info: PanelInfo, opts: SimPanelOptions) {
    super();
    this.info = info;
    this.#clock = opts.clock;
    const lcd = info.kind === 'lcd';
    this.#fullMs = opts.timing?.fullMs ?? (lcd ? 20 : 2000);
    this.#partialMs = opts.timing?.partialMs ?? (lcd ? 20 : 300);
    this.#busyTimeoutMs = opts.busyTimeoutMs ?? 30_000;
  }

  /** The last frame drawn and how, or undefined before the first one. */
  get last(): SimFrameEvent | undefined {
    return this.#last;
  }

  get refreshing(): boolean {
    return this.#inFlight;
  }

  get asleep(): boolean {
    return this.#asleep;
  }

  /** The panel is missing: the next `attempts` opens fail (default: every one until plugIn()). */
  unplug(attempts = Infinity): void {
    if (!(attempts >= 0)) throw new RangeError(`attempts must be 0 or more, got ${attempts}`);
    this.#absentFor = attempts;
  }

  /** The panel is connected again: the next open succeeds. */
  plugIn(): void {
    this.#absentFor = 0;
  }

  get plugged(): boolean {
    return this.#absentFor === 0;
  }

  get openAttempts(): number {
    return this.#openAttempts;
  }

  /** The simulator's panel opener (a PanelOpener): this panel, or PANEL_NOT_FOUND while unplugged. */
  open(): Promise<SimPanel> {
    this.#openAttempts++;
    if (this.#absentFor > 0) {
      this.#absentFor--;
      return Promise.reject(new TillqrError('PANEL_NOT_FOUND', `${this.info.id}: simulated panel not connected`, { panel: this.info.id }));
    }
    return Promise.resolve(this);
  }

  /** Queue what the next refresh attempts do (a retry after 'stuck' takes the next entry). */
  script(...outcomes: SimOutcome[]): void {
    this.#script.push(...outcomes);
  }

  async show(frame: Frame, mode: RefreshMode): Promise<void> {
    this.#checkOpen();
    checkFrame(this.info, frame);
    if (this.#inFlight)
      throw new TillqrError('INTERNAL', `${this.info.id}: show() while a refresh is in flight; the scheduler must serialise refreshes`, {
        panel: this.info.id,
      });
    this.#inFlight = true;
    this.#asleep = false;
    try {
      await this.#show(frame, mode);
    } finally {
      this.#inFlight = false;
      this.#asleep = true; // like the e-paper drivers: deep sleep after every update
    }
  }

  sleep(): Promise<void> {
    this.#checkOpen();
    this.counts.sleeps++;
    this.#asleep = true;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  async #show(frame: Frame, requested: RefreshMode): Promise<void> {
    const data = frame.data.slice(0, frame.stride * frame.height);
    const prev = this.#last?.frame;
    let mode: RefreshMode = requested === 'partial' && this.info.partial && prev !== undefined ? 'partial' : 'full';
    let bytes = data.length;
    if (mode === 'partial' && prev !== undefined) {
      const w = changedWindow(prev.data, data, frame.width, frame.height);
      if (w === undefined) {
        this.counts.unchanged++;
        return;
      }
      bytes = w.bytes * w.rows;
    }
    try {
      await this.#attempt(mode);
    } catch (e) {
      this.#last = undefined;
      const err = toTillqrError(e, 'PANEL_IO');
      if (err.code !== 'PANEL_BUSY_TIMEOUT') throw err;
      this.counts.busyTimeouts++;
      this.counts.resets++;
      mode = 'full';
      bytes = data.length;
      try {
        await this.#attempt('full');
      } catch (e2) {
        const err2 = toTillqrError(e2, 'PANEL_IO');
        if (err2.code === 'PANEL_BUSY_TIMEOUT') this.counts.busyTimeouts++;
        throw new TillqrError(err2.code, `${err2.message} (after a reset and one retry)`, { ...err2.context, retried: true }, { cause: err2 });
      }
    }
    this.counts[mode]++;
    this.bytes.total += bytes;
    this.bytes.last = bytes;
    const copy: Frame = { width: frame.width, height: frame.height, stride: frame.stride, data, ...(frame.palette ? { palette: frame.palette } : {}) };
    this.#last = { seq: ++this.#seq, at: this.#clock.now(), mode, frame: copy };
    this.emit('frame', this.#last);
  }

  async #attempt(mode: RefreshMode): Promise<void> {
    const outcome = this.#script.shift() ?? 'ok';
    this.emit('refresh-start', { mode, at: this.#clock.now() });
    if (outcome === 'fail') {
      this.counts.failures++;
      throw new TillqrError('PANEL_IO', `${this.info.id}: simulated SPI failure`, { panel: this.info.id });
    }
    if (outcome === 'stuck') {
      await this.#delay(this.#busyTimeoutMs);
      throw new TillqrError('PANEL_BUSY_TIMEOUT', `${this.info.id}: BUSY still set ${this.#busyTimeoutMs} ms after ${mode} refresh`, {
        panel: this.info.id,
        timeoutMs: this.#busyTimeoutMs,
      });
    }
    await this.#delay(outcome === 'ok' ? (mode === 'full' ? this.#fullMs : this.#partialMs) : outcome.ms);
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.setTimeout(resolve, ms));
  }

  #checkOpen(): void {
    if (this.#closed) throw new TillqrError('PANEL_IO', `${this.info.id} is closed`, { panel: this.info.id });
  }
}
