/**
 * The real GPIO driver: sysfs GPIO (/sys/class/gpio) with the run-time chip base of current
 * kernels. Lines are exported, configured and written by this file under a configurable root, so
 * numbering, export and every error path run unchanged against a fake tree in tests; edge
 * interrupts come from `onoff` (epoll) on a Pi, or from polling (see edge-sources.ts and
 * docs/decisions/0004-gpio.md). Active-low is done here, not with sysfs `active_low`, so the
 * simulated twin behaves the same; `active_low` is reset to 0 so a line left inverted by another
 * program does not flip our levels.
 */
import type { Clock } from '../../core/clock.js';
import { isTillqrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Gpio, InputLine, InputOptions, Level, OutputLine, OutputOptions } from '../gpio.js';
import { onoffEdges, pollEdges, type EdgeSourceFactory } from './edge-sources.js';
import { DEFAULT_GPIO_ROOT, findHeaderChip, sysfsNumber, type GpioChipInfo } from './gpio-chips.js';
import { errnoCode, gpioBusyExported, gpioBusyInProcess, gpioBusyKernel, gpioIo, gpioNoLine, gpioPermission, gpioUnavailable } from './gpio-errors.js';
import { SysfsInputLine, SysfsOutputLine, unexport, writeAttr, type Claim } from './sysfs-gpio-lines.js';
import { nodeSysfsFs, whenUdevDone, type SysfsFs } from './sysfs-fs.js';

export interface SysfsGpioOptions {
  clock: Clock;
  logger: Logger;
  /** Default /sys/class/gpio; tests pass a temp dir. */
  root?: string;
  fs?: SysfsFs;
  /** Use the chip with this label instead of the known header chips. */
  chipLabel?: string;
  /** Edge source: onoff (epoll) on the real root, polling elsewhere; `auto` picks by root. */
  edges?: 'auto' | 'onoff' | 'poll';
  /** Poll period when polling (ms). */
  pollMs?: number;
  /** How long to wait for udev to give the gpio group access to a newly exported line (ms). */
  udevWaitMs?: number;
  /** Take over a line already exported (e.g. left by a crashed run) instead of failing with GPIO_BUSY. */
  reuseExported?: boolean;
}

const flip = (v: Level): Level => (v === 1 ? 0 : 1);
const UDEV_STEP_MS = 25;

export class SysfsGpio implements Gpio {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #root: string;
  readonly #fs: SysfsFs;
  readonly #chipLabel: string | undefined;
  readonly #edges: EdgeSourceFactory;
  readonly #fallbackEdges: EdgeSourceFactory;
  readonly #udevWaitMs: number;
  readonly #reuseExported: boolean;
  #chip: Promise<GpioChipInfo> | undefined;
  /** Pins claimed by this instance (reserved before any await, so two opens cannot race). */
  readonly #pins = new Map<number, { close(): Promise<void> } | 'opening'>();

  constructor(opts: SysfsGpioOptions) {
    this.#clock = opts.clock;
    this.#log = opts.logger;
    this.#root = opts.root ?? DEFAULT_GPIO_ROOT;
    this.#fs = opts.fs ?? nodeSysfsFs;
    this.#chipLabel = opts.chipLabel;
    this.#fallbackEdges = pollEdges(opts.pollMs ?? 10);
    const mode = opts.edges ?? 'auto';
    this.#edges = mode === 'onoff' || (mode === 'auto' && this.#root === DEFAULT_GPIO_ROOT) ? onoffEdges() : this.#fallbackEdges;
    this.#udevWaitMs = opts.udevWaitMs ?? 2000;
    this.#reuseExported = opts.reuseExported ?? true;
  }

  /** The header chip (found once; a failure is retried on the next call). */
  chip(): Promise<GpioChipInfo> {
    this.#chip ??= findHeaderChip(this.#fs, this.#root, this.#chipLabel).then(
      (c) => {
        this.#log.info('GPIO chip found', { chip: c.name, label: c.label, base: c.base, ngpio: c.ngpio });
        return c;
      },
      (e: unknown) => {
        this.#chip = undefined;
        throw e;
      },
    );
    return this.#chip;
  }

  async output(pin: number, opts: OutputOptions = {}): Promise<OutputLine> {
    const activeLow = opts.activeLow ?? false;
    const initial: Level = activeLow ? flip(opts.initial ?? 0) : (opts.initial ?? 0);
    const claim = await this.#claim(pin, initial === 1 ? 'high' : 'low');
    const line = new SysfsOutputLine(claim, activeLow, this.#fs, this.#root, () => this.#pins.delete(pin));
    this.#pins.set(pin, line);
    return line;
  }

  async input(pin: number, opts: InputOptions = {}): Promise<InputLine> {
    const claim = await this.#claim(pin, 'in');
    try {
      const line = new SysfsInputLine(claim, {
        activeLow: opts.activeLow ?? false,
        debounceMs: opts.debounceMs ?? 0,
        fs: this.#fs,
        root: this.#root,
        clock: this.#clock,
        log: this.#log,
        edges: this.#edges,
        fallbackEdges: this.#fallbackEdges,
        release: () => this.#pins.delete(pin),
      });
      await line.init();
      this.#pins.set(pin, line);
      return line;
    } catch (e) {
      await this.#unexport(claim);
      this.#pins.delete(pin);
      throw e;
    }
  }

  async close(): Promise<void> {
    const lines = [...this.#pins.values()].filter((l): l is { close(): Promise<void> } => l !== 'opening');
    await Promise.allSettled(lines.map((l) => l.close()));
  }

  async #claim(pin: number, direction: 'in' | 'high' | 'low'): Promise<Claim> {
    if (this.#pins.has(pin)) throw gpioBusyInProcess(pin);
    this.#pins.set(pin, 'opening');
    try {
      const chip = await this.chip();
      const n = sysfsNumber(chip, pin);
      const claim: Claim = { pin, n, dir: `${this.#root}/gpio${n}` };
      if (await this.#fs.exists(claim.dir)) {
        if (!this.#reuseExported) throw gpioBusyExported(pin, n, this.#root);
        this.#log.warn('GPIO line was already exported; taking it over', { pin, sysfsNumber: n });
      } else {
        await this.#export(claim);
      }
      try {
        await this.#whenUdevDone(async () => {
          await this.#writeAttr(claim, 'active_low', '0');
          await this.#writeAttr(claim, 'direction', direction);
        });
      } catch (e) {
        await this.#unexport(claim);
        throw e;
      }
      return claim;
    } catch (e) {
      this.#pins.delete(pin);
      throw e;
    }
  }

  async #export(c: Claim): Promise<void> {
    try {
      await this.#fs.writeFile(`${this.#root}/export`, String(c.n));
    } catch (e) {
      switch (errnoCode(e) ?? '') {
        case 'EBUSY':
          throw (await this.#fs.exists(c.dir).catch(() => false)) ? gpioBusyExported(c.pin, c.n, this.#root) : gpioBusyKernel(c.pin, undefined, e);
        case 'EACCES':
        case 'EPERM':
          throw gpioPermission(c.pin, `${this.#root}/export`, e);
        case 'EINVAL':
          throw gpioNoLine(c.pin, `the kernel refused sysfs number ${c.n}`);
        case 'ENOENT':
          throw gpioUnavailable(`${this.#root}/export is missing`, { root: this.#root });
        default:
          throw gpioIo(c.pin, `export failed: ${e instanceof Error ? e.message : String(e)}`, e);
      }
    }
  }

  /** After an export, udev needs a moment to hand the files to the gpio group: retry until then. */
  #whenUdevDone(fn: () => Promise<void>): Promise<void> {
    const retryable = (e: unknown): boolean => isTillqrError(e, 'GPIO_PERMISSION') || (isTillqrError(e, 'GPIO_IO') && errnoCode(e.cause) === 'ENOENT');
    return whenUdevDone(this.#clock, this.#udevWaitMs, UDEV_STEP_MS, retryable, fn);
  }

  async #writeAttr(c: Claim, attr: string, value: string): Promise<void> {
    await writeAttr(this.#fs, c, attr, value);
  }

  async #unexport(c: Claim): Promise<void> {
    await unexport(this.#fs, this.#root, c);
  }
}
