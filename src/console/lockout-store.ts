/**
 * The console lockout on disk: `<stateDir>/console/lockout.json`, written atomically on every
 * change, so a power cycle does not reset a brute-force delay. The deadline is wall-clock time
 * (ISO 8601). A missing file is no failures; a file that cannot be read or does not parse is
 * also no failures, with a warning naming the file (the next change overwrites it). A write that
 * fails is logged and leaves the lockout working in memory; nothing here throws.
 * Factory reset deletes the file at `lockoutStatePath(stateDir)`.
 */
import { join } from 'node:path';
import { toTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readJsonFile, writeJsonAtomic } from '../store/atomic-file.js';
import { NO_LOCKOUT, type LockoutPersistence, type LockoutState } from './lockout.js';

export const LOCKOUT_FILE_VERSION = 1;
/** More failures than anyone can make within the delays; a larger count is a corrupt file. */
const MAX_FAILURES = 1_000_000;

/** The one place the lockout file lives (factory reset removes it). */
export function lockoutStatePath(stateDir: string): string {
  return join(stateDir, 'console', 'lockout.json');
}

interface LockoutFile {
  readonly version: typeof LOCKOUT_FILE_VERSION;
  readonly failures: number;
  /** Wall-clock time before which no attempt is checked; absent when none is pending. */
  readonly lockedUntil?: string;
}

/** The file's content as a state, or a sentence saying what is wrong with it. */
export function decodeLockoutFile(raw: unknown): LockoutState | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'is not a JSON object';
  const r = raw as Record<string, unknown>;
  if (r.version !== LOCKOUT_FILE_VERSION) return `has version ${JSON.stringify(r.version) ?? 'undefined'}, not ${LOCKOUT_FILE_VERSION}`;
  const f = r.failures;
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 0 || f > MAX_FAILURES) return `has failures ${JSON.stringify(f) ?? 'undefined'}, not a count`;
  if (r.lockedUntil === undefined) return { failures: f, untilMs: 0 };
  const until = typeof r.lockedUntil === 'string' ? Date.parse(r.lockedUntil) : NaN;
  if (!Number.isFinite(until)) return `has lockedUntil ${JSON.stringify(r.lockedUntil)}, not an ISO 8601 time`;
  return { failures: f, untilMs: until };
}

export function encodeLockoutFile(s: LockoutState): LockoutFile {
  return s.untilMs > 0
    ? { version: LOCKOUT_FILE_VERSION, failures: s.failures, lockedUntil: new Date(s.untilMs).toISOString() }
    : { version: LOCKOUT_FILE_VERSION, failures: s.failures };
}

export class LockoutStore implements LockoutPersistence {
  readonly path: string;
  readonly #log: Logger;

  constructor(opts: { readonly stateDir: string; readonly logger: Logger }) {
    this.path = lockoutStatePath(opts.stateDir);
    this.#log = opts.logger;
  }

  /** The persisted state; no failures when there is none or it is unusable (logged). */
  async load(): Promise<LockoutState> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.path);
    } catch (e) {
      this.#log.warn('console lockout state unreadable; starting from zero failures', { path: this.path, error: toTillqrError(e).message });
      return NO_LOCKOUT;
    }
    if (raw === undefined) {
      this.#log.info('no console lockout state; starting from zero failures', { path: this.path });
      return NO_LOCKOUT;
    }
    const s = decodeLockoutFile(raw);
    if (typeof s === 'string') {
      this.#log.warn('console lockout state corrupt; starting from zero failures', { path: this.path, problem: s });
      return NO_LOCKOUT;
    }
    if (s.failures > 0)
      this.#log.info('console lockout restored', {
        path: this.path,
        failures: s.failures,
        ...(s.untilMs > 0 ? { lockedUntil: new Date(s.untilMs).toISOString() } : {}),
      });
    return s;
  }

  async save(state: LockoutState): Promise<void> {
    try {
      await writeJsonAtomic(this.path, encodeLockoutFile(state));
    } catch (e) {
      this.#log.warn('could not persist the console lockout; it holds until the next restart only', { path: this.path, error: toTillqrError(e).message });
    }
  }
}
