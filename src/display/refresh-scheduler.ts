/**
 * Puts frames on the panel without ever making anyone wait for it. `submit()` returns at once; a
 * frame submitted while the panel is busy replaces any frame still waiting (latest wins: no queue
 * of stale frames) and is drawn as soon as the panel is free. "Screen changed" flags of replaced
 * frames carry over, so a countdown tick that supersedes a new screen still gets its full refresh.
 * The refresh policy is `refresh-policy.ts`. Panel errors never escape: they are logged, emitted as
 * 'panel-error' and kept in `lastError`, and the next frame is drawn with a full refresh.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import { toTillqrError, type TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Frame } from './frame.js';
import type { Panel, RefreshMode } from './panel.js';
import { DEFAULT_LARGE_CHANGE_RATIO, decideRefresh, type RefreshHistory, type RefreshReason } from './refresh-policy.js';

export interface RefreshSchedulerOptions {
  panel: Panel;
  clock: Clock;
  logger: Logger;
  partialRefreshLimit: number;
  largeChangeRatio?: number;
}

export interface RefreshedEvent {
  readonly mode: RefreshMode;
  readonly reason: RefreshReason;
  readonly durationMs: number;
  readonly frame: Frame;
}

export interface SchedulerStats {
  submitted: number;
  /** Frames replaced by a newer one before they were drawn. */
  superseded: number;
  /** Frames identical to what the panel shows. */
  unchanged: number;
  full: number;
  partial: number;
  errors: number;
}

export class RefreshScheduler extends EventEmitter<{ refreshed: [RefreshedEvent]; 'panel-error': [TillqrError] }> {
  readonly stats: SchedulerStats = { submitted: 0, superseded: 0, unchanged: 0, full: 0, partial: 0, errors: 0 };
  readonly #panel: Panel;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #policy: { partialRefreshLimit: number; largeChangeRatio: number };
  #history: RefreshHistory = { lastFrame: undefined, partialsSinceFull: 0, lastFailed: false };
  #pending: Frame | undefined;
  #pendingScreenChanged = false;
  #running = false;
  #closed = false;
  #lastError: TillqrError | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(opts: RefreshSchedulerOptions) {
    super();
    this.#panel = opts.panel;
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#policy = { partialRefreshLimit: opts.partialRefreshLimit, largeChangeRatio: opts.largeChangeRatio ?? DEFAULT_LARGE_CHANGE_RATIO };
  }

  /** Draw `frame` when the panel is free. Never blocks, never throws. */
  submit(frame: Frame, opts: { screenChanged?: boolean } = {}): void {
    if (this.#closed) {
      this.#logger.debug('frame submitted after close; dropped');
      return;
    }
    this.stats.submitted++;
    if (this.#pending !== undefined) this.stats.superseded++;
    // A copy: the caller may reuse its buffer while the panel is still busy.
    this.#pending = { ...frame, data: frame.data.slice() };
    this.#pendingScreenChanged ||= opts.screenChanged ?? false;
    if (!this.#running) {
      this.#running = true;
      // Start on the microtask queue: frames submitted in the same tick coalesce into one refresh.
      queueMicrotask(() => void this.#pump());
    }
  }

  /** A refresh is in progress. */
  get refreshing(): boolean {
    return this.#running;
  }

  /** A frame is waiting for the panel. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** The error of the last refresh, cleared by the next successful one. */
  get lastError(): TillqrError | undefined {
    return this.#lastError;
  }

  /** The frame the panel shows (undefined before the first refresh and after a failed one). */
  get shown(): Frame | undefined {
    return this.#history.lastFailed ? undefined : this.#history.lastFrame;
  }

  /** Resolves when no refresh is running and no frame is waiting. */
  idle(): Promise<void> {
    if (!this.#running && this.#pending === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stop taking frames, drop the waiting one, wait for the refresh in progress. Does not close the panel. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pending = undefined;
    await this.idle();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#pending !== undefined) {
        const frame = this.#pending;
        const screenChanged = this.#pendingScreenChanged;
        this.#pending = undefined;
        this.#pendingScreenChanged = false;
        await this.#draw(frame, screenChanged);
      }
    } finally {
      this.#running = false;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async #draw(frame: Frame, screenChanged: boolean): Promise<void> {
    const decision = decideRefresh(this.#panel.info, this.#history, frame, screenChanged, this.#policy);
    if (decision.mode === 'skip') {
      this.stats.unchanged++;
      return;
    }
    const mode = decision.mode;
    const started = this.#clock.now();
    try {
      await this.#panel.show(frame, mode);
    } catch (e) {
      const err = toTillqrError(e, 'PANEL_IO');
      this.#history = { ...this.#history, lastFailed: true };
      this.#lastError = err;
      this.stats.errors++;
      this.#logger.error('panel refresh failed', { panel: this.#panel.info.id, mode, code: err.code, error: err.message });
      this.#emit('panel-error', err);
      return;
    }
    this.#history = { lastFrame: frame, partialsSinceFull: mode === 'full' ? 0 : this.#history.partialsSinceFull + 1, lastFailed: false };
    this.#lastError = undefined;
    this.stats[mode]++;
    const durationMs = this.#clock.now() - started;
    this.#logger.debug(() => `${mode} refresh (${decision.reason}) in ${durationMs} ms`);
    this.#emit('refreshed', { mode, reason: decision.reason, durationMs, frame });
  }

  /** An observer that throws must not break the scheduler. */
  #emit<K extends 'refreshed' | 'panel-error'>(event: K, value: K extends 'refreshed' ? RefreshedEvent : TillqrError): void {
    try {
      (this.emit as (e: string, v: unknown) => boolean)(event, value);
    } catch (e) {
      this.#logger.warn('a display listener threw', { event, error: e });
    }
  }
}
