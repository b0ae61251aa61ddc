/**
 * A simulated GPIO chip behind the same `Gpio` interface as the sysfs driver: a scriptable device,
 * not a mock. Every line is observable (physical level, history of writes stamped by the Clock,
 * change events), inputs are driven by tests or the web simulator (set a level, press a button,
 * bounce a contact), an output can be wired to an input (loopback, or a panel's BUSY line
 * scripted from its RST), and the driver's failures can be scripted (a pin held by a kernel
 * driver, no permission, no sysfs) with the same errors the real driver gives.
 */
import type { Clock } from '../../core/clock.js';
import { TillqrError } from '../../core/errors.js';
import { EdgeDebouncer } from '../debounce.js';
import type { Edge, Gpio, InputLine, InputOptions, Level, OutputLine, OutputOptions } from '../gpio.js';
import { Listeners } from '../listeners.js';
import { gpioBusyInProcess, gpioBusyKernel, gpioIo, gpioNoLine, gpioPermission, gpioUnavailable } from './gpio-errors.js';

export interface SimWrite {
  readonly at: number;
  readonly pin: number;
  /** Logical value written (1 = asserted). */
  readonly value: Level;
  /** Physical level on the pin after the write (differs from `value` on active-low lines). */
  readonly level: Level;
}

export interface SimLevelChange {
  readonly at: number;
  readonly pin: number;
  readonly level: Level;
}

export interface SimGpioOptions {
  clock: Clock;
  /** Number of lines on the simulated header chip (the RP1 has 54). */
  lines?: number;
  /** Pins held by a kernel driver, e.g. `{ 8: 'spi0 CS0' }`: opening them fails with GPIO_BUSY. */
  kernelClaimed?: Readonly<Record<number, string>>;
  /** Make every open fail as if the user were not in the gpio group. */
  permissionDenied?: boolean;
  /** Make every open fail as if the kernel had no sysfs GPIO. */
  unavailable?: boolean;
  /** Writes kept in `writes` (oldest dropped first); default 10,000. */
  historyLimit?: number;
  /** Where listener errors go. */
  onError?: (e: unknown) => void;
}

interface SimLine {
  readonly pin: number;
  readonly direction: 'in' | 'out';
  readonly activeLow: boolean;
  debouncer?: EdgeDebouncer;
}

interface Wire {
  readonly to: number;
  readonly invert: boolean;
  readonly delayMs: number;
}

const flip = (v: Level): Level => (v === 1 ? 0 : 1);

export class SimGpio implements Gpio {
  readonly #clock: Clock;
  readonly #lines: number;
  readonly #kernelClaimed: Map<number, string>;
  readonly #onError: (e: unknown) => void;
  readonly #historyLimit: number;
  readonly #open = new Map<number, SimLine>();
  /** Physical levels; a pin that was never driven nor written has none. */
  readonly #levels = new Map<number, Level>();
  readonly #writes: SimWrite[] = [];
  readonly #wires = new Map<number, Wire[]>();
  readonly #faults = new Map<number, string>();
  readonly #writeListeners: Listeners<SimWrite>;
  readonly #levelListeners: Listeners<SimLevelChange>;
  permissionDenied: boolean;
  unavailable: boolean;

  constructor(opts: SimGpioOptions) {
    this.#clock = opts.clock;
    this.#lines = opts.lines ?? 54;
    this.#kernelClaimed = new Map(Object.entries(opts.kernelClaimed ?? {}).map(([k, v]) => [Number(k), v]));
    this.#onError = opts.onError ?? (() => undefined);
    this.#historyLimit = opts.historyLimit ?? 10_000;
    this.#writeListeners = new Listeners(this.#onError);
    this.#levelListeners = new Listeners(this.#onError);
    this.permissionDenied = opts.permissionDenied ?? false;
    this.unavailable = opts.unavailable ?? false;
  }

  // --- the Gpio interface -------------------------------------------------------------------

  output(pin: number, opts: OutputOptions = {}): Promise<OutputLine> {
    try {
      const line = this.#claim(pin, 'out', opts.activeLow ?? false);
      this.#setLevel(pin, this.#physical(line, opts.initial ?? 0));
      return Promise.resolve(this.#outputLine(line));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  input(pin: number, opts: InputOptions = {}): Promise<InputLine> {
    try {
      const line = this.#claim(pin, 'in', opts.activeLow ?? false);
      // An undriven input rests at its inactive level (the pull resistor a button needs).
      if (!this.#levels.has(pin)) this.#levels.set(pin, this.#physical(line, 0));
      line.debouncer = new EdgeDebouncer({ clock: this.#clock, debounceMs: opts.debounceMs ?? 0, initial: this.#logical(line), onError: this.#onError });
      return Promise.resolve(this.#inputLine(line));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  close(): Promise<void> {
    for (const line of this.#open.values()) line.debouncer?.close();
    this.#open.clear();
    return Promise.resolve();
  }

  // --- observing ------------------------------------------------------------------------------

  /** Physical level of a pin, or undefined if nothing ever set it. */
  level(pin: number): Level | undefined {
    return this.#levels.get(pin);
  }

  /** Logical level of an open line (1 = asserted). */
  value(pin: number): Level | undefined {
    const line = this.#open.get(pin);
    const level = this.#levels.get(pin);
    if (line === undefined || level === undefined) return undefined;
    return line.activeLow ? flip(level) : level;
  }

  direction(pin: number): 'in' | 'out' | undefined {
    return this.#open.get(pin)?.direction;
  }

  isOpen(pin: number): boolean {
    return this.#open.has(pin);
  }

  /** Every write on every line, in order. */
  get writes(): readonly SimWrite[] {
    return this.#writes;
  }

  history(pin: number): SimWrite[] {
    return this.#writes.filter((w) => w.pin === pin);
  }

  clearHistory(): void {
    this.#writes.length = 0;
  }

  onWrite(fn: (w: SimWrite) => void): () => void {
    return this.#writeListeners.on(fn);
  }

  /** Any change of a physical level (output writes and driven inputs). */
  onLevel(fn: (c: SimLevelChange) => void): () => void {
    return this.#levelListeners.on(fn);
  }

  // --- driving --------------------------------------------------------------------------------

  /** Drive the physical level of a pin (an input, or a pin nothing opened yet). */
  setLevel(pin: number, level: Level): void {
    const line = this.#open.get(pin);
    if (line?.direction === 'out') throw new TillqrError('USAGE', `SimGpio: BCM ${pin} is an output; only inputs can be driven`, { pin });
    this.#setLevel(pin, level);
  }

  /** Assert an input (logical 1: the button is pressed, the BUSY line is busy). */
  press(pin: number): void {
    this.setLevel(pin, this.#physicalFor(pin, 1));
  }

  release(pin: number): void {
    this.setLevel(pin, this.#physicalFor(pin, 0));
  }

  /** Hold an input asserted for `ms`, then release it (timed by the Clock). */
  pressFor(pin: number, ms: number): void {
    this.press(pin);
    this.#clock.setTimeout(() => this.release(pin), ms);
  }

  /** A bouncing contact: `toggles` alternating changes `intervalMs` apart, ending at `logical`. */
  bounce(pin: number, logical: Level, toggles = 5, intervalMs = 2): void {
    const seq: Level[] = [];
    for (let i = toggles; i >= 0; i--) seq.push(i % 2 === 0 ? logical : flip(logical));
    seq.forEach((v, i) => {
      if (i === 0) this.setLevel(pin, this.#physicalFor(pin, v));
      else this.#clock.setTimeout(() => this.setLevel(pin, this.#physicalFor(pin, v)), i * intervalMs);
    });
  }

  /** Connect an output pin to an input pin: the input follows the output's physical level. */
  wire(from: number, to: number, opts: { invert?: boolean; delayMs?: number } = {}): () => void {
    const wire: Wire = { to, invert: opts.invert ?? false, delayMs: opts.delayMs ?? 0 };
    const list = this.#wires.get(from) ?? [];
    list.push(wire);
    this.#wires.set(from, list);
    return () => {
      const l = this.#wires.get(from);
      if (l !== undefined)
        this.#wires.set(
          from,
          l.filter((w) => w !== wire),
        );
    };
  }

  /** Script a fault on a line: its writes and reads fail with GPIO_IO (`undefined` clears it). */
  fault(pin: number, what: string | undefined): void {
    if (what === undefined) this.#faults.delete(pin);
    else this.#faults.set(pin, what);
  }

  /** Script a kernel driver taking (or, with undefined, freeing) a pin. */
  claimByKernel(pin: number, owner: string | undefined): void {
    if (owner === undefined) this.#kernelClaimed.delete(pin);
    else this.#kernelClaimed.set(pin, owner);
  }

  // --- internals ------------------------------------------------------------------------------

  #claim(pin: number, direction: 'in' | 'out', activeLow: boolean): SimLine {
    if (this.unavailable) throw gpioUnavailable('the simulated chip was set unavailable', { pin });
    if (!Number.isInteger(pin) || pin < 0 || pin >= this.#lines) throw gpioNoLine(pin, `the chip has lines 0 to ${this.#lines - 1}`);
    if (this.permissionDenied) throw gpioPermission(pin, 'sim');
    const owner = this.#kernelClaimed.get(pin);
    if (owner !== undefined) throw gpioBusyKernel(pin, owner);
    if (this.#open.has(pin)) throw gpioBusyInProcess(pin);
    const line: SimLine = { pin, direction, activeLow };
    this.#open.set(pin, line);
    return line;
  }

  #physical(line: SimLine, logical: Level): Level {
    return line.activeLow ? flip(logical) : logical;
  }

  #physicalFor(pin: number, logical: Level): Level {
    const line = this.#open.get(pin);
    return line === undefined ? logical : this.#physical(line, logical);
  }

  #logical(line: SimLine): Level {
    const level = this.#levels.get(line.pin) ?? 0;
    return line.activeLow ? flip(level) : level;
  }

  #setLevel(pin: number, level: Level): void {
    const before = this.#levels.get(pin);
    this.#levels.set(pin, level);
    if (before === level) return;
    const at = this.#clock.now();
    this.#levelListeners.emit({ at, pin, level });
    const line = this.#open.get(pin);
    if (line?.direction === 'in') line.debouncer?.raw(this.#logical(line));
    for (const w of this.#wires.get(pin) ?? []) {
      const target = w.invert ? flip(level) : level;
      if (w.delayMs > 0) this.#clock.setTimeout(() => this.#driveWired(w.to, target), w.delayMs);
      else this.#driveWired(w.to, target);
    }
  }

  #driveWired(pin: number, level: Level): void {
    if (this.#open.get(pin)?.direction === 'out') return; // two outputs wired together: the input side wins nothing
    this.#setLevel(pin, level);
  }

  #outputLine(line: SimLine): OutputLine {
    let closed = false;
    return {
      pin: line.pin,
      write: (value: Level): Promise<void> => {
        if (closed || this.#open.get(line.pin) !== line) return Promise.reject(gpioIo(line.pin, 'the line is closed'));
        const fault = this.#faults.get(line.pin);
        if (fault !== undefined) return Promise.reject(gpioIo(line.pin, fault));
        const level = this.#physical(line, value);
        const w: SimWrite = { at: this.#clock.now(), pin: line.pin, value, level };
        this.#writes.push(w);
        if (this.#writes.length > this.#historyLimit) this.#writes.splice(0, this.#writes.length - this.#historyLimit);
        this.#setLevel(line.pin, level);
        this.#writeListeners.emit(w);
        return Promise.resolve();
      },
      close: (): Promise<void> => {
        closed = true;
        if (this.#open.get(line.pin) === line) this.#open.delete(line.pin);
        return Promise.resolve();
      },
    };
  }

  #inputLine(line: SimLine): InputLine {
    let closed = false;
    const debouncer = line.debouncer;
    if (debouncer === undefined) throw new TillqrError('INTERNAL', 'input line without debouncer');
    return {
      pin: line.pin,
      read: (): Promise<Level> => {
        if (closed || this.#open.get(line.pin) !== line) return Promise.reject(gpioIo(line.pin, 'the line is closed'));
        const fault = this.#faults.get(line.pin);
        if (fault !== undefined) return Promise.reject(gpioIo(line.pin, fault));
        return Promise.resolve(this.#logical(line));
      },
      watch: (edge: Edge, listener: (value: Level) => void): (() => void) => {
        if (closed || this.#open.get(line.pin) !== line) throw gpioIo(line.pin, 'the line is closed');
        return debouncer.add(edge, listener);
      },
      close: (): Promise<void> => {
        closed = true;
        debouncer.close();
        if (this.#open.get(line.pin) === line) this.#open.delete(line.pin);
        return Promise.resolve();
      },
    };
  }
}
