/**
 * What every Waveshare e-paper driver shares: the RST/DC/BUSY(/PWR) lines, commands and data over
 * SPI in chunks of at most 4096 bytes, BUSY waited on without blocking (edge interrupt plus a slow
 * poll, bounded by a timeout), a hardware reset to wake, deep sleep after every update, and the
 * recovery rule: on PANEL_BUSY_TIMEOUT reset and retry once with a full refresh, then report the
 * error upward. Controllers (SSD1680/SSD1683/UC8179) supply the command sequences.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { TillqrError, toTillqrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Gpio, InputLine, Level, OutputLine } from '../../signal/gpio.js';
import type { Frame } from '../frame.js';
import type { Panel, PanelInfo, RefreshMode } from '../panel.js';
import { checkFrame } from './frame-check.js';
import { changedWindow, type RamWindow } from './ram-window.js';
import { SPI_MAX_TRANSFER, chunks, type SpiBus } from './spi.js';

export interface EpaperPins {
  readonly rst: number;
  readonly dc: number;
  readonly busy: number;
  /** Power switch of newer Waveshare HATs (BCM 18); absent on older boards. */
  readonly pwr?: number | undefined;
}

export interface EpaperDeps {
  spi: SpiBus;
  gpio: Gpio;
  clock: Clock;
  logger: Logger;
  pins: EpaperPins;
  busyTimeoutMs: number;
  /** BUSY is also polled at this interval, in case an edge is missed (default 20 ms). */
  busyPollMs?: number;
  /**
   * Use the controller's fast differential partial waveform where the driver has one (UC8179: the
   * OTP waveform selected with 0xE0/0xE5); false for panel batches without it. Default true.
   */
  fastPartial?: boolean | undefined;
}

export interface EpaperStats {
  full: number;
  partial: number;
  /** Partial requests with nothing changed: no refresh needed. */
  unchanged: number;
  bytesSent: number;
  /** SPI bytes (commands and data) of the last show(), a retry included. */
  lastShowBytes: number;
  busyTimeouts: number;
  resets: number;
}

interface Lines {
  rst: OutputLine;
  dc: OutputLine;
  busy: InputLine;
  pwr: OutputLine | undefined;
}

export abstract class EpaperPanel implements Panel {
  readonly info: PanelInfo;
  readonly stats: EpaperStats = { full: 0, partial: 0, unchanged: 0, bytesSent: 0, lastShowBytes: 0, busyTimeouts: 0, resets: 0 };
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  /** Bytes per RAM row. */
  protected readonly stride: number;
  /** Level of the BUSY pin while the controller is busy. */
  protected abstract readonly busyLevel: Level;

  readonly #spi: SpiBus;
  readonly #gpio: Gpio;
  readonly #pins: EpaperPins;
  readonly #busyTimeoutMs: number;
  readonly #busyPollMs: number;
  #lines: Lines | undefined;
  #dcLevel: Level | undefined;
  /** What the panel shows and its RAM holds (1 = ink); undefined when unknown. */
  #onScreen: Uint8Array | undefined;
  #awake = false;
  #showing = false;
  #closed = false;

  constructor(info: PanelInfo, deps: EpaperDeps) {
    if (info.kind !== 'epaper') throw new TillqrError('PANEL_UNKNOWN', `${info.id} is not an e-paper panel`, { panel: info.id });
    this.info = info;
    this.stride = Math.ceil(info.width / 8);
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.#spi = deps.spi;
    this.#gpio = deps.gpio;
    this.#pins = deps.pins;
    this.#busyTimeoutMs = deps.busyTimeoutMs;
    this.#busyPollMs = deps.busyPollMs ?? 20;
  }

  // --- the controller's part ------------------------------------------------------------------

  /** After a hardware reset: initialise, write `ink` (1 = ink) to RAM, refresh the whole panel. */
  protected abstract fullUpdate(ink: Uint8Array): Promise<void>;
  /** After a hardware reset: initialise, write window `w` of `prev` and `ink`, refresh with the partial waveform. */
  protected abstract partialUpdate(ink: Uint8Array, prev: Uint8Array, w: RamWindow): Promise<void>;
  /** Power off and enter deep sleep; only a hardware reset wakes the controller again. */
  protected abstract deepSleep(): Promise<void>;

  // --- Panel ----------------------------------------------------------------------------------

  async show(frame: Frame, mode: RefreshMode): Promise<void> {
    this.#checkOpen();
    checkFrame(this.info, frame);
    if (this.#showing)
      throw new TillqrError('INTERNAL', `${this.info.id}: show() while an update is in progress; the scheduler must serialise updates`, {
        panel: this.info.id,
      });
    this.#showing = true;
    try {
      await this.#showOnce(frame.data.slice(0, this.stride * this.info.height), mode);
    } finally {
      this.#showing = false;
    }
  }

  async #showOnce(ink: Uint8Array, mode: RefreshMode): Promise<void> {
    const before = this.stats.bytesSent;
    try {
      await this.#update(ink, mode);
    } catch (e) {
      this.#onScreen = undefined;
      const err = toTillqrError(e, 'PANEL_IO');
      if (err.code !== 'PANEL_BUSY_TIMEOUT') throw err;
      this.stats.busyTimeouts++;
      this.logger.warn('panel BUSY timed out; resetting and retrying once with a full refresh', { panel: this.info.id, ...err.context });
      try {
        await this.#update(ink, 'full');
      } catch (e2) {
        this.#onScreen = undefined;
        const err2 = toTillqrError(e2, 'PANEL_IO');
        if (err2.code === 'PANEL_BUSY_TIMEOUT') this.stats.busyTimeouts++;
        throw new TillqrError(err2.code, `${err2.message} (after a reset and one retry)`, { ...err2.context, retried: true }, { cause: err2 });
      }
    } finally {
      this.stats.lastShowBytes = this.stats.bytesSent - before;
    }
  }

  async sleep(): Promise<void> {
    this.#checkOpen();
    if (!this.#awake) return;
    await this.deepSleep();
    this.#awake = false;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#awake && !this.#showing) {
      // Left awake by a failed update, maybe stuck BUSY: reset it, then put it to sleep.
      try {
        await this.#wake();
        await this.waitIdle('hardware reset');
        await this.deepSleep();
      } catch (e) {
        this.logger.warn('panel did not enter deep sleep on close', { panel: this.info.id, error: e });
      }
      this.#awake = false;
    }
    this.#closed = true;
    const lines = this.#lines;
    this.#lines = undefined;
    if (lines !== undefined) {
      if (lines.pwr !== undefined) await lines.pwr.write(0).catch(() => undefined);
      for (const l of [lines.rst, lines.dc, lines.busy, lines.pwr]) await l?.close().catch(() => undefined);
    }
    await this.#spi.close();
  }

  // --- helpers for the controllers ------------------------------------------------------------

  /** Send one command byte (DC low), then its data (DC high) in chunks of at most 4096 bytes. */
  protected async command(cmd: number, data?: ArrayLike<number>): Promise<void> {
    const l = await this.#open();
    await this.#setDc(l, 0);
    await this.#transfer(Uint8Array.of(cmd));
    if (data !== undefined && data.length > 0) await this.data(data instanceof Uint8Array ? data : Uint8Array.from(data));
  }

  protected async data(bytes: Uint8Array): Promise<void> {
    const l = await this.#open();
    await this.#setDc(l, 1);
    for (const part of chunks(bytes, SPI_MAX_TRANSFER)) await this.#transfer(part);
  }

  /** Resolve once BUSY shows idle; PANEL_BUSY_TIMEOUT after busyTimeoutMs. Never blocks the event loop. */
  protected async waitIdle(what: string): Promise<void> {
    const { busy } = await this.#open();
    if ((await busy.read()) !== this.busyLevel) return;
    const started = this.clock.now();
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let poll: TimerHandle | undefined;
      const finish = (err?: TillqrError): void => {
        if (settled) return;
        settled = true;
        unwatch();
        this.clock.clearTimeout(timer);
        if (poll !== undefined) this.clock.clearTimeout(poll);
        if (err) reject(err);
        else resolve();
      };
      const tick = (): void => {
        busy.read().then(
          (v) => {
            if (v !== this.busyLevel) finish();
            else if (!settled) poll = this.clock.setTimeout(tick, this.#busyPollMs);
          },
          (e: unknown) => finish(toTillqrError(e, 'PANEL_IO')),
        );
      };
      const unwatch = busy.watch('both', (v) => {
        if (v !== this.busyLevel) finish();
      });
      const timer = this.clock.setTimeout(() => {
        finish(
          new TillqrError('PANEL_BUSY_TIMEOUT', `${this.info.id}: BUSY still set ${this.#busyTimeoutMs} ms after ${what}`, {
            panel: this.info.id,
            after: what,
            timeoutMs: this.#busyTimeoutMs,
          }),
        );
      }, this.#busyTimeoutMs);
      poll = this.clock.setTimeout(tick, this.#busyPollMs);
    });
    this.logger.debug(() => `${what}: busy for ${this.clock.now() - started} ms`);
  }

  protected delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  // --- internals ------------------------------------------------------------------------------

  async #update(ink: Uint8Array, mode: RefreshMode): Promise<void> {
    const prev = this.#onScreen;
    if (mode === 'partial' && this.info.partial && prev !== undefined) {
      const w = changedWindow(prev, ink, this.info.width, this.info.height);
      if (w === undefined) {
        this.stats.unchanged++;
        return;
      }
      await this.#wake();
      this.#onScreen = undefined;
      await this.partialUpdate(ink, prev, w);
      this.stats.partial++;
    } else {
      await this.#wake();
      this.#onScreen = undefined;
      await this.fullUpdate(ink);
      this.stats.full++;
    }
    this.#onScreen = ink;
    await this.deepSleep();
    this.#awake = false;
  }

  /** Hardware reset: the only way out of deep sleep, and the cure for a stuck controller. */
  async #wake(): Promise<void> {
    const l = await this.#open();
    await l.rst.write(1);
    await this.delay(20);
    await l.rst.write(0);
    await this.delay(2);
    await l.rst.write(1);
    await this.delay(20);
    this.stats.resets++;
    this.#awake = true;
  }

  async #open(): Promise<Lines> {
    this.#checkOpen();
    if (this.#lines !== undefined) return this.#lines;
    const opened: (OutputLine | InputLine)[] = [];
    try {
      const pwr = this.#pins.pwr === undefined ? undefined : await this.#gpio.output(this.#pins.pwr, { initial: 1 });
      if (pwr) opened.push(pwr);
      const rst = await this.#gpio.output(this.#pins.rst, { initial: 1 });
      opened.push(rst);
      const dc = await this.#gpio.output(this.#pins.dc, { initial: 0 });
      opened.push(dc);
      const busy = await this.#gpio.input(this.#pins.busy, { debounceMs: 0 });
      this.#lines = { rst, dc, busy, pwr };
      this.#dcLevel = 0;
      return this.#lines;
    } catch (e) {
      for (const l of opened) await l.close().catch(() => undefined);
      throw e;
    }
  }

  async #setDc(l: Lines, level: Level): Promise<void> {
    if (this.#dcLevel === level) return;
    await l.dc.write(level);
    this.#dcLevel = level;
  }

  async #transfer(bytes: Uint8Array): Promise<void> {
    try {
      await this.#spi.transfer(bytes);
    } catch (e) {
      throw toTillqrError(e, 'PANEL_IO');
    }
    this.stats.bytesSent += bytes.length;
  }

  #checkOpen(): void {
    if (this.#closed) throw new TillqrError('PANEL_IO', `${this.info.id} is closed`, { panel: this.info.id });
  }
}
