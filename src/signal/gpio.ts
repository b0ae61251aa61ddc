/**
 * The GPIO layer's interface. Pins are always BCM numbers; the driver maps them to whatever the
 * kernel wants (sysfs numbers with a chip base on kernels >= 6.6). The real driver
 * (drivers/sysfs-gpio.ts, onoff for edge interrupts) and the simulated one (drivers/sim-gpio.ts)
 * implement it and pass the same contract suite; the LED, buzzer, button and the e-paper control
 * lines all use it.
 *
 * Errors are TillqrErrors saying what to do: GPIO_BUSY (pin held by a kernel driver, exported by
 * another program, or opened twice), GPIO_PERMISSION (not in the gpio group), GPIO_NO_LINE (no such
 * BCM pin), GPIO_UNAVAILABLE (no sysfs GPIO / no header chip), GPIO_IO (a read or write failed, or
 * the line is closed).
 */
export type Level = 0 | 1;
export type Edge = 'rising' | 'falling' | 'both';

export interface OutputLine {
  readonly pin: number;
  /**
   * Logical level: 1 = on/asserted, whatever the wiring's active level. Writes to one line reach
   * the pin in call order, so callers may fire them without awaiting each.
   */
  write(value: Level): Promise<void>;
  close(): Promise<void>;
}

export interface InputLine {
  readonly pin: number;
  read(): Promise<Level>;
  /**
   * Call `listener` on each (debounced) edge after this call; returns a function that stops
   * watching. The line follows its level from the moment it opens, so an edge between `input()`
   * and `watch()` is reflected by `read()` (check `read()` after watching when waiting for a level).
   */
  watch(edge: Edge, listener: (value: Level) => void): () => void;
  close(): Promise<void>;
}

export interface OutputOptions {
  activeLow?: boolean;
  /** Logical level set in the same step that makes the line an output (default 0). */
  initial?: Level;
}

export interface InputOptions {
  activeLow?: boolean;
  /** Quiet time before a change counts as an edge (default 0: every change). */
  debounceMs?: number;
}

export interface Gpio {
  output(pin: number, opts?: OutputOptions): Promise<OutputLine>;
  input(pin: number, opts?: InputOptions): Promise<InputLine>;
  /** Release every line this instance opened. */
  close(): Promise<void>;
}
