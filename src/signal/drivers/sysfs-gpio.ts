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
import { isTillqrError, type TillqrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { EdgeDebouncer } from '../debounce.js';
import type { Edge, Gpio, InputLine, InputOptions, Level, OutputLine, OutputOptions } from '../gpio.js';
import { onoffEdges, parseLevel, pollEdges, type EdgeSource, type EdgeSourceFactory } from './edge-sources.js';
import { DEFAULT_GPIO_ROOT, findHeaderChip, sysfsNumber, type GpioChipInfo } from './gpio-chips.js';
import { errnoCode, gpioBusyExported, gpioBusyInProcess, gpioBusyKernel, gpioIo, gpioNoLine, gpioPermission, gpioUnavailable } from './gpio-errors.js';
import { nodeSysfsFs, sleep, type SysfsFs } from './sysfs-fs.js';

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

interface Claim {
  readonly pin: number;
  readonly n: number;
  readonly dir: string;
}

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
        await this.#whenUdevDone(claim, async () => {
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
  async #whenUdevDone(c: Claim, fn: () => Promise<void>): Promise<void> {
    const deadline = this.#clock.now() + this.#udevWaitMs;
    for (;;) {
      try {
        await fn();
        return;
      } catch (e) {
        const retry = isTillqrError(e, 'GPIO_PERMISSION') || (isTillqrError(e, 'GPIO_IO') && errnoCode(e.cause) === 'ENOENT');
        if (!retry || this.#clock.now() >= deadline) throw e;
        await sleep(this.#clock, UDEV_STEP_MS);
      }
    }
  }

  async #writeAttr(c: Claim, attr: string, value: string): Promise<void> {
    await writeAttr(this.#fs, c, attr, value);
  }

  async #unexport(c: Claim): Promise<void> {
    await unexport(this.#fs, this.#root, c);
  }
}

async function writeAttr(fs: SysfsFs, c: Claim, attr: string, value: string): Promise<void> {
  const path = `${c.dir}/${attr}`;
  try {
    await fs.writeFile(path, value);
  } catch (e) {
    throw attrError(c, path, `cannot write ${attr}`, e);
  }
}

function attrError(c: Claim, path: string, what: string, e: unknown): TillqrError {
  const code = errnoCode(e);
  if (code === 'EACCES' || code === 'EPERM') return gpioPermission(c.pin, path, e);
  return gpioIo(c.pin, `${what} (${code ?? (e instanceof Error ? e.message : String(e))})`, e);
}

async function unexport(fs: SysfsFs, root: string, c: Claim): Promise<void> {
  try {
    await fs.writeFile(`${root}/unexport`, String(c.n));
  } catch {
    // Already unexported (EINVAL), or gone with the chip: nothing left to release.
  }
}

class SysfsOutputLine implements OutputLine {
  readonly pin: number;
  readonly #claim: Claim;
  readonly #activeLow: boolean;
  readonly #fs: SysfsFs;
  readonly #root: string;
  readonly #release: () => void;
  /** Writes to one line are queued so they reach the kernel in call order. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(claim: Claim, activeLow: boolean, fs: SysfsFs, root: string, release: () => void) {
    this.pin = claim.pin;
    this.#claim = claim;
    this.#activeLow = activeLow;
    this.#fs = fs;
    this.#root = root;
    this.#release = release;
  }

  write(value: Level): Promise<void> {
    if (this.#closed) return Promise.reject(gpioIo(this.pin, 'the line is closed'));
    const level = this.#activeLow ? flip(value) : value;
    const p = this.#queue.then(() => writeAttr(this.#fs, this.#claim, 'value', String(level)));
    this.#queue = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await unexport(this.#fs, this.#root, this.#claim);
    this.#release();
  }
}

interface InputDeps {
  activeLow: boolean;
  debounceMs: number;
  fs: SysfsFs;
  root: string;
  clock: Clock;
  log: Logger;
  edges: EdgeSourceFactory;
  fallbackEdges: EdgeSourceFactory;
  release: () => void;
}

/**
 * An input line. Its edge source starts when the line opens and runs until it closes, so the
 * debounced level is always current and an edge between opening and watching is never lost.
 */
class SysfsInputLine implements InputLine {
  readonly pin: number;
  readonly #claim: Claim;
  readonly #d: InputDeps;
  #debouncer: EdgeDebouncer | undefined;
  #source: EdgeSource | undefined;
  #closed = false;

  constructor(claim: Claim, deps: InputDeps) {
    this.pin = claim.pin;
    this.#claim = claim;
    this.#d = deps;
  }

  async init(): Promise<void> {
    const initial = await this.read();
    const debouncer = new EdgeDebouncer({
      clock: this.#d.clock,
      debounceMs: this.#d.debounceMs,
      initial,
      sample: () => this.read(),
      onError: (e) => this.#d.log.warn('GPIO input failed', { pin: this.pin, error: e }),
    });
    this.#debouncer = debouncer;
    this.#source = await this.#startSource(debouncer);
  }

  async read(): Promise<Level> {
    if (this.#closed) throw gpioIo(this.pin, 'the line is closed');
    const path = `${this.#claim.dir}/value`;
    let text: string;
    try {
      text = await this.#d.fs.readFile(path);
    } catch (e) {
      throw attrError(this.#claim, path, 'cannot read value', e);
    }
    const v = parseLevel(text);
    if (v === undefined) throw gpioIo(this.pin, `unexpected value ${JSON.stringify(text.slice(0, 8))}`);
    return this.#d.activeLow ? flip(v) : v;
  }

  watch(edge: Edge, listener: (value: Level) => void): () => void {
    if (this.#closed || this.#debouncer === undefined) throw gpioIo(this.pin, 'the line is closed');
    return this.#debouncer.add(edge, listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#debouncer?.close();
    await this.#source?.dispose().catch(() => undefined);
    this.#source = undefined;
    await unexport(this.#d.fs, this.#d.root, this.#claim);
    this.#d.release();
  }

  async #startSource(debouncer: EdgeDebouncer): Promise<EdgeSource> {
    const args = {
      sysfsNumber: this.#claim.n,
      valuePath: `${this.#claim.dir}/value`,
      fs: this.#d.fs,
      clock: this.#d.clock,
      onRaw: (level: Level) => debouncer.raw(this.#d.activeLow ? flip(level) : level),
      onError: (e: unknown) => this.#d.log.warn('GPIO edge watch failed', { pin: this.pin, error: e }),
    };
    let factory = this.#d.edges;
    try {
      await writeAttr(this.#d.fs, this.#claim, 'edge', 'both');
    } catch (e) {
      // Some lines have no interrupt (no `edge` file, or EIO): poll those.
      this.#d.log.warn('GPIO line has no edge interrupt; polling it', { pin: this.pin, error: e });
      factory = this.#d.fallbackEdges;
    }
    try {
      return await factory(args);
    } catch (e) {
      if (factory === this.#d.fallbackEdges) throw e;
      this.#d.log.warn('GPIO edge interrupts unavailable; polling instead', { pin: this.pin, error: e });
      return this.#d.fallbackEdges(args);
    }
  }
}
