/**
 * The line objects of the sysfs GPIO driver (sysfs-gpio.ts opens them): an output that queues its
 * writes so they reach the kernel in call order, and an input whose edge source runs from open to
 * close so its debounced level is always current and an edge between opening and watching is
 * never lost.
 */
import type { Clock } from '../../core/clock.js';
import type { TillqrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { EdgeDebouncer } from '../debounce.js';
import type { Edge, InputLine, Level, OutputLine } from '../gpio.js';
import { parseLevel, type EdgeSource, type EdgeSourceFactory } from './edge-sources.js';
import { errnoCode, gpioIo, gpioPermission } from './gpio-errors.js';
import type { SysfsFs } from './sysfs-fs.js';

/** A line this process exported (or took over): BCM pin, sysfs number, its directory. */
export interface Claim {
  readonly pin: number;
  readonly n: number;
  readonly dir: string;
}

const flip = (v: Level): Level => (v === 1 ? 0 : 1);

export async function writeAttr(fs: SysfsFs, c: Claim, attr: string, value: string): Promise<void> {
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

export async function unexport(fs: SysfsFs, root: string, c: Claim): Promise<void> {
  try {
    await fs.writeFile(`${root}/unexport`, String(c.n));
  } catch {
    // Already unexported (EINVAL), or gone with the chip: nothing left to release.
  }
}

export class SysfsOutputLine implements OutputLine {
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

export interface InputDeps {
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

export class SysfsInputLine implements InputLine {
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
