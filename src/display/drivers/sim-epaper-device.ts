/**
 * A simulated Waveshare e-paper HAT: the controller end of the SPI bus plus its RST/DC/BUSY/PWR
 * pins on a SimGpio. It implements SpiBus, so the real drivers run against it unchanged. It
 * decodes commands and data by the DC level, keeps the controller's RAM planes and registers
 * (`sim-ssd168x-model.ts`, `sim-uc8179-model.ts`), drives BUSY for scripted durations on the
 * Clock, shows what a real panel would show (`screen`, 1 = ink), and records:
 * - `transcript`: reset pulses, commands with their data, BUSY phases, in order;
 * - `transfers`: the size of every SPI transfer;
 * - `violations`: protocol errors a real panel would punish (traffic while BUSY, in reset or in
 *   deep sleep, unknown commands, RAM writes outside the window, a refresh without a waveform).
 * `stickBusy(n)` makes the next n BUSY phases never end (until a hardware reset), to test timeouts.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { TillqrError } from '../../core/errors.js';
import type { Level } from '../../signal/gpio.js';
import type { SimGpio, SimWrite } from '../../signal/drivers/sim-gpio.js';
import type { EpaperPins } from './epaper-base.js';
import { SsdModel } from './sim-ssd168x-model.js';
import { UcModel } from './sim-uc8179-model.js';
import type { SpiBus } from './spi.js';

export type SimController = 'ssd1680' | 'ssd1683' | 'uc8179';

/** What a BUSY phase is for. */
export type BusyKind = 'reset' | 'sw-reset' | 'power' | 'refresh' | 'other';

export interface SimEpaperTiming {
  /** BUSY after the RST pulse ends. */
  resetMs: number;
  /** BUSY after SSD168x software reset (0x12). */
  swResetMs: number;
  fullMs: number;
  partialMs: number;
  /** BUSY after UC8179 power on/off. */
  powerMs: number;
}

export interface SimEpaperOptions {
  gpio: SimGpio;
  clock: Clock;
  pins: EpaperPins;
  controller: SimController;
  /** RAM geometry (the panel's native size). */
  width: number;
  height: number;
  /** SSD168x: does the OTP hold a partial waveform (false for the Waveshare 2.9" V2). */
  otpPartialWaveform?: boolean;
  /** UC8179: does the OTP hold the fast partial waveform (selected with 0xE0/0xE5); false for earlier batches. Default true. */
  fastPartialInOtp?: boolean;
  timing?: Partial<SimEpaperTiming>;
  /** SPI clock: when set, every transfer takes bytes x 8 / spiHz on the Clock (default: instant). */
  spiHz?: number;
}

export type SimOp = { op: 'cmd'; cmd: number; data: number[] } | { op: 'rst'; level: Level } | { op: 'pwr'; level: Level } | { op: 'busy'; stuck: boolean };

/** What a controller model may ask of the device. */
export interface SimHost {
  readonly timing: SimEpaperTiming;
  busy(ms: number, kind: BusyKind): void;
  violation(message: string): void;
  deepSleep(): void;
  /** `kind`: the whole panel or a window; `waveform`: which waveform drove it. */
  refreshed(kind: 'full' | 'partial', waveform: 'full' | 'partial'): void;
}

export interface SimModel {
  /** BUSY level while busy. */
  readonly busyLevel: Level;
  readonly screen: Uint8Array;
  command(cmd: number): void;
  data(byte: number): void;
  /** Registers back to their reset values (RAM kept). */
  reset(): void;
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');

export class SimEpaperDevice implements SpiBus {
  readonly transcript: SimOp[] = [];
  readonly transfers: number[] = [];
  readonly violations: string[] = [];
  readonly refreshes = { full: 0, partial: 0 };
  /** Every refresh: whole panel or a window, the waveform that drove it, its BUSY time and when it started (Clock ms). */
  readonly refreshLog: { kind: 'full' | 'partial'; waveform: 'full' | 'partial'; busyMs: number; at: number }[] = [];
  readonly timing: SimEpaperTiming;
  readonly #gpio: SimGpio;
  readonly #clock: Clock;
  readonly #pins: EpaperPins;
  readonly #model: SimModel;
  readonly #spiHz: number | undefined;
  readonly #unsubscribe: () => void;
  #busy = false;
  #busyTimer: TimerHandle | undefined;
  #stuck: { n: number; on: BusyKind | 'any' } = { n: 0, on: 'any' };
  #inReset = false;
  #asleep = true;
  #closed = false;
  #current: { op: 'cmd'; cmd: number; data: number[] } | undefined;

  constructor(opts: SimEpaperOptions) {
    this.#gpio = opts.gpio;
    this.#clock = opts.clock;
    this.#pins = opts.pins;
    this.timing = { resetMs: 2, swResetMs: 5, fullMs: 2000, partialMs: 300, powerMs: 40, ...opts.timing };
    this.#spiHz = opts.spiHz;
    let lastBusyMs = 0;
    const host: SimHost = {
      timing: this.timing,
      busy: (ms, kind) => {
        lastBusyMs = ms;
        this.#startBusy(ms, kind);
      },
      violation: (m) => this.violations.push(m),
      deepSleep: () => this.#enterDeepSleep(),
      refreshed: (kind, waveform) => {
        this.refreshes[kind]++;
        this.refreshLog.push({ kind, waveform, busyMs: lastBusyMs, at: this.#clock.now() });
      },
    };
    this.#model =
      opts.controller === 'uc8179'
        ? new UcModel(host, opts.width, opts.height, opts.fastPartialInOtp ?? true)
        : new SsdModel(host, opts.width, opts.height, opts.controller, opts.otpPartialWaveform ?? true);
    // Unknown state at power-up: as if left in deep sleep; only a reset brings it back.
    this.#setBusyPin(this.#sleepLevel());
    this.#unsubscribe = opts.gpio.onWrite((w) => this.#onPin(w));
  }

  /** What the panel shows, 1 = ink, rows of ceil(width/8) bytes (a Frame's data). */
  get screen(): Uint8Array {
    return this.#model.screen;
  }

  get asleep(): boolean {
    return this.#asleep;
  }

  /** The next `n` BUSY phases (of kind `on`) never end by themselves; a hardware reset ends the current one. */
  stickBusy(n = 1, on: BusyKind | 'any' = 'any'): void {
    this.#stuck = { n, on };
  }

  /** The transcript as short lines: "rst 0", "busy", "cmd 01 27 01 00", "cmd 24 [4736 bytes]". */
  lines(maxBytes = 16): string[] {
    return this.transcript.map((o) => {
      if (o.op === 'rst' || o.op === 'pwr') return `${o.op} ${o.level}`;
      if (o.op === 'busy') return o.stuck ? 'busy stuck' : 'busy';
      return this.#cmdLine(o, maxBytes);
    });
  }

  #cmdLine(o: { cmd: number; data: number[] }, maxBytes: number): string {
    const head = `cmd ${hex(o.cmd)}`;
    if (o.data.length === 0) return head;
    if (o.data.length > maxBytes) return `${head} [${o.data.length} bytes]`;
    return `${head} ${o.data.map(hex).join(' ')}`;
  }

  clearRecords(): void {
    this.transcript.length = 0;
    this.transfers.length = 0;
    this.refreshLog.length = 0;
    this.#current = undefined;
  }

  // --- SpiBus ---------------------------------------------------------------------------------

  transfer(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new TillqrError('PANEL_IO', 'simulated SPI bus is closed'));
    this.transfers.push(bytes.length);
    if (this.#inReset) this.violations.push(`SPI transfer of ${bytes.length} bytes while RST is low`);
    else if (this.#asleep) this.violations.push(`SPI transfer of ${bytes.length} bytes while in deep sleep`);
    else if (this.#busy) this.violations.push(`SPI transfer of ${bytes.length} bytes while BUSY`);
    const dc = this.#gpio.level(this.#pins.dc) ?? 0;
    for (const b of bytes) {
      if (dc === 0) {
        this.#current = { op: 'cmd', cmd: b, data: [] };
        this.transcript.push(this.#current);
        if (!this.#inReset && !this.#asleep) this.#model.command(b);
      } else {
        if (this.#current === undefined) this.violations.push('data before any command');
        else this.#current.data.push(b);
        if (!this.#inReset && !this.#asleep) this.#model.data(b);
      }
    }
    if (this.#spiHz === undefined) return Promise.resolve();
    const ms = (bytes.length * 8 * 1000) / this.#spiHz;
    return new Promise((resolve) => this.#clock.setTimeout(resolve, ms));
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Stop listening to the pins (the device is unplugged). */
  detach(): void {
    this.#unsubscribe();
    if (this.#busyTimer !== undefined) this.#clock.clearTimeout(this.#busyTimer);
  }

  // --- internals ------------------------------------------------------------------------------

  #onPin(w: SimWrite): void {
    if (w.pin === this.#pins.pwr) this.transcript.push({ op: 'pwr', level: w.level });
    if (w.pin !== this.#pins.rst) return;
    this.transcript.push({ op: 'rst', level: w.level });
    if (w.level === 0) {
      this.#inReset = true;
      this.#asleep = false;
      this.#endBusy();
      this.#model.reset();
    } else if (this.#inReset) {
      this.#inReset = false;
      this.#startBusy(this.timing.resetMs, 'reset');
    }
  }

  #startBusy(ms: number, kind: BusyKind): void {
    this.#endBusy();
    this.#busy = true;
    this.#setBusyPin(this.#model.busyLevel);
    const stuck = this.#stuck.n > 0 && (this.#stuck.on === 'any' || this.#stuck.on === kind);
    this.transcript.push({ op: 'busy', stuck });
    if (stuck) {
      this.#stuck.n--;
      return;
    }
    this.#busyTimer = this.#clock.setTimeout(() => {
      this.#busyTimer = undefined;
      this.#busy = false;
      this.#setBusyPin(this.#idleLevel());
    }, ms);
  }

  #endBusy(): void {
    if (this.#busyTimer !== undefined) this.#clock.clearTimeout(this.#busyTimer);
    this.#busyTimer = undefined;
    this.#busy = false;
    this.#setBusyPin(this.#idleLevel());
  }

  #enterDeepSleep(): void {
    this.#asleep = true;
    this.#endBusy();
    this.#setBusyPin(this.#sleepLevel());
  }

  #idleLevel(): Level {
    return this.#model.busyLevel === 1 ? 0 : 1;
  }

  /** SSD168x: BUSY reads high in deep sleep. UC8179: it rests idle. */
  #sleepLevel(): Level {
    return this.#model.busyLevel === 1 ? 1 : this.#idleLevel();
  }

  #setBusyPin(level: Level): void {
    this.#gpio.setLevel(this.#pins.busy, level);
  }
}
