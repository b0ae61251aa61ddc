/**
 * The problems a technician must come for, as they stand now: one slot per part of the device
 * (the state directory, the panel), raised when the part fails and cleared when it works again.
 * The status topic carries their codes so an operator sees a till whose disk is full or whose
 * panel is stuck without reading its journal; the console `status` shows them with the message.
 * Pure: the parts report, listeners hear about changes.
 */
import type { ErrorCode } from './errors.js';

export const FAULT_PARTS = ['storage', 'display', 'fonts', 'config', 'audio', 'buzzer'] as const;
export type FaultPart = (typeof FAULT_PARTS)[number];

export interface Fault {
  readonly part: FaultPart;
  readonly code: ErrorCode;
  /** One line for a technician, no secrets (paths and errno only). */
  readonly message: string;
  /** Clock milliseconds when the part first failed in this run of failures. */
  readonly since: number;
}

export class Faults {
  readonly #now: () => number;
  readonly #active = new Map<FaultPart, Fault>();
  readonly #listeners = new Set<() => void>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The part failed with this error. Listeners hear of it only when the code changed. */
  raise(part: FaultPart, code: ErrorCode, message: string): void {
    const was = this.#active.get(part);
    this.#active.set(part, { part, code, message, since: was?.code === code ? was.since : this.#now() });
    if (was?.code !== code) this.#changed();
  }

  /** The part works (again). */
  clear(part: FaultPart): void {
    if (this.#active.delete(part)) this.#changed();
  }

  /** Active faults in the order of FAULT_PARTS. */
  list(): Fault[] {
    return FAULT_PARTS.flatMap((p) => {
      const f = this.#active.get(p);
      return f === undefined ? [] : [f];
    });
  }

  /** The codes for the status topic: unique, in part order. */
  codes(): ErrorCode[] {
    return [...new Set(this.list().map((f) => f.code))];
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
