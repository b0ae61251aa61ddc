/**
 * The status LED: a green and a red line (amber = both), or an RGB LED (amber = red + green).
 * Active-low wiring is handled by the lines (opened with `activeLow`). Only lines whose level
 * changes are written, in a fixed order (green, red, blue), so a pattern's writes are exact and
 * cheap; after a failed write that line is written again next time.
 */
import type { Level, OutputLine } from './gpio.js';
import type { LedColour } from './patterns.js';

export interface Led {
  show(colour: LedColour): Promise<void>;
  close(): Promise<void>;
}

export interface LedLines {
  readonly green?: OutputLine | undefined;
  readonly red?: OutputLine | undefined;
  readonly blue?: OutputLine | undefined;
}

type Channel = 'green' | 'red' | 'blue';
const ORDER: readonly Channel[] = ['green', 'red', 'blue'];

const MIX: Readonly<Record<LedColour, Readonly<Record<Channel, Level>>>> = {
  off: { green: 0, red: 0, blue: 0 },
  green: { green: 1, red: 0, blue: 0 },
  red: { green: 0, red: 1, blue: 0 },
  amber: { green: 1, red: 1, blue: 0 },
};

export class LineLed implements Led {
  readonly #lines: LedLines;
  /** Last level written successfully per channel (lines open at 0); undefined after a failure. */
  readonly #known = new Map<Channel, Level | undefined>();

  constructor(lines: LedLines) {
    this.#lines = lines;
    for (const ch of ORDER) if (lines[ch] !== undefined) this.#known.set(ch, 0);
  }

  show(colour: LedColour): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const ch of ORDER) {
      const line = this.#lines[ch];
      if (line === undefined) continue;
      const want = MIX[colour][ch];
      if (this.#known.get(ch) === want) continue;
      this.#known.set(ch, want);
      writes.push(
        line.write(want).catch((e: unknown) => {
          this.#known.set(ch, undefined);
          throw e;
        }),
      );
    }
    return Promise.all(writes).then(() => undefined);
  }

  async close(): Promise<void> {
    const lines = ORDER.map((ch) => this.#lines[ch]).filter((l): l is OutputLine => l !== undefined);
    await Promise.allSettled(lines.map((l) => l.close()));
  }
}

/** No LED fitted (or it failed to open). */
export class NoLed implements Led {
  show(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
