/**
 * The GPIO layer's interface. Pins are always BCM numbers; the driver maps them to whatever the
 * kernel wants (sysfs numbers with a chip base on kernels >= 6.6). The real driver (onoff) and the
 * simulated one implement the same interface; so do the e-paper control lines and the button.
 */
export type Level = 0 | 1;
export type Edge = 'rising' | 'falling' | 'both';

export interface OutputLine {
  readonly pin: number;
  /** Logical level: 1 = on/asserted, whatever the wiring's active level. */
  write(value: Level): Promise<void>;
  close(): Promise<void>;
}

export interface InputLine {
  readonly pin: number;
  read(): Promise<Level>;
  /** Call `listener` on each (debounced) edge; returns a function that stops watching. */
  watch(edge: Edge, listener: (value: Level) => void): () => void;
  close(): Promise<void>;
}

export interface OutputOptions {
  activeLow?: boolean;
  initial?: Level;
}

export interface InputOptions {
  activeLow?: boolean;
  debounceMs?: number;
}

export interface Gpio {
  output(pin: number, opts?: OutputOptions): Promise<OutputLine>;
  input(pin: number, opts?: InputOptions): Promise<InputLine>;
  /** Release every line this instance opened. */
  close(): Promise<void>;
}
