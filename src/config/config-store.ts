/**
 * The device's configuration as a live, persisted value: the console (`set KEY VALUE`), a
 * provisioning bundle and fleet desired config all change it through here. A change is validated
 * whole before anything is written; the file is rewritten atomically; listeners learn which keys
 * changed and whether any of them needs a restart to apply.
 */
import { isTillqrError, TillqrError, toTillqrError } from '../core/errors.js';
import type { Schema } from '../core/schema.js';
import type { Logger } from '../core/logger.js';
import { cleanStaleTemps, writeJsonAtomic } from '../store/atomic-file.js';
import { applyEnvOverrides, coerceText, getPath, schemaAt, setPath } from './env-overrides.js';
import { compatWarnings, MAX_CONFIG_DEPTH, nestedDeeperThan, readRawConfig, validateConfig, withoutUnknownKeys } from './load.js';
import { backupPath, migrateConfig, MIGRATIONS, type Migration, type MigrationStep } from './migrations.js';
import { REDACTED, redactConfig } from './redact.js';
import { configSchema, type Config } from './schema.js';

export interface ConfigChange {
  readonly config: Config;
  readonly previous: Config;
  /** Leaf key paths whose value changed. */
  readonly changed: readonly string[];
  /** The changed keys that apply only after a restart. */
  readonly restartRequired: readonly string[];
}

export type ConfigListener = (change: ConfigChange) => void;

/** How far this release understands the file it opened (docs/decisions/0008-config-across-releases.md). */
export interface ConfigCompat {
  /** The file's format, and whether a newer release wrote it. */
  readonly fileVersion: number;
  readonly newer: boolean;
  /** Keys this release does not know: not in `current`, kept in the file through every write. */
  readonly ignored: readonly string[];
  /** Migrations run when the file was opened (the original is kept as `<file>.v<N>.bak`). */
  readonly migrated: readonly MigrationStep[];
  /**
   * Opened degraded (OpenOptions.degradeOnInvalid): the problems of the file. `current` then holds
   * only the sections that are valid on their own (the rest at their defaults): enough for the
   * console, never for payments. Empty once a change makes the whole file valid.
   */
  readonly invalid: readonly string[];
}

export interface OpenOptions {
  /** The migrations to run (tests give their own). */
  readonly migrations?: readonly Migration[];
  readonly target?: number;
  /** An invalid known key does not throw: the store opens degraded (ConfigCompat.invalid). */
  readonly degradeOnInvalid?: boolean;
}

/** Every leaf path whose value differs between two config objects. */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => changedPaths(a[k], b[k], prefix === '' ? k : `${prefix}.${k}`));
  }
  return a === b || JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** Does changing this key path need a restart? (any schema on the way down marked restart) */
export function needsRestart(path: string): boolean {
  let s: Schema<unknown> | undefined = configSchema;
  for (const seg of path.split('.')) {
    if (s === undefined) return true;
    if (s.meta.restart) return true;
    s = s.shape?.[seg];
  }
  return s?.meta.restart ?? true;
}

export class ConfigStore {
  readonly path: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #log: Logger;
  #raw: Record<string, unknown>;
  #config: Config;
  #compat: ConfigCompat;
  readonly #listeners = new Set<ConfigListener>();
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, env: NodeJS.ProcessEnv, log: Logger, raw: Record<string, unknown>, config: Config, compat: ConfigCompat) {
    this.path = path;
    this.#env = env;
    this.#log = log;
    this.#raw = raw;
    this.#config = config;
    this.#compat = compat;
  }

  /**
   * Open the config file (a missing one is an unprovisioned device). An older format is migrated
   * (backed up first, each step logged); keys this release does not know are left out of the
   * configuration with a warning and kept in the file; invalid known keys throw CONFIG_INVALID.
   */
  static async open(path: string, env: NodeJS.ProcessEnv, log: Logger, opts: OpenOptions = {}): Promise<ConfigStore> {
    // A write cut short by a crash leaves its temp file beside the config: remove it.
    await cleanStaleTemps(path);
    const original = await readRawConfig(path, true);
    const m = migrateConfig(original, opts.migrations ?? MIGRATIONS, opts.target);
    const ignored: string[] = [];
    const known = withoutUnknownKeys(configSchema, m.raw, ignored) as Record<string, unknown>;
    let config: Config;
    let invalid: string[] = [];
    try {
      const withEnv = structuredClone(known);
      applyEnvOverrides(configSchema, withEnv, env);
      config = validateConfig(withEnv, path);
    } catch (e) {
      if (opts.degradeOnInvalid !== true || !isTillqrError(e, 'CONFIG_INVALID')) throw e;
      invalid = problemsOf(e);
      config = validSections(known);
      log.error('the configuration is not valid: opened degraded (console only)', { problems: invalid });
    }
    if (m.steps.length > 0 && invalid.length === 0) await writeMigrated(path, original, m.raw, m.fileVersion, m.steps, log);
    const compat: ConfigCompat = { fileVersion: m.fileVersion, newer: m.newer, ignored, migrated: m.steps, invalid };
    for (const w of compatWarnings(compat)) log.warn('configuration read in part', { problem: w });
    return new ConfigStore(path, env, log, m.raw, config, compat);
  }

  get current(): Config {
    return this.#config;
  }

  /** What of the file this release did not understand, and what it migrated. */
  get compat(): ConfigCompat {
    return this.#compat;
  }

  /** The environment the overrides come from (a release's `config check` runs with the same). */
  get env(): NodeJS.ProcessEnv {
    return this.#env;
  }

  /** The value at a key path as it may be shown (secrets redacted). */
  get(key: string): unknown {
    const segs = key.split('.');
    const schema = schemaAt(configSchema, segs);
    if (schema === undefined) throw new TillqrError('CONFIG_UNKNOWN_KEY', `${key}: is not a configuration key`, { key });
    const value = getPath(this.#config, segs);
    return value === undefined ? undefined : schema.meta.secret ? REDACTED : redactConfig(schema, value);
  }

  /** The whole configuration with secrets redacted. */
  redacted(): unknown {
    return redactConfig(configSchema, this.#config);
  }

  onChange(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Set one key from text (as typed on the console: strings as they are, others as JSON). */
  setText(key: string, text: string, actor: string): Promise<ConfigChange> {
    const segs = key.split('.');
    const schema = schemaAt(configSchema, segs);
    if (schema === undefined) return Promise.reject(new TillqrError('CONFIG_UNKNOWN_KEY', `${key}: is not a configuration key`, { key }));
    let value: unknown;
    try {
      value = coerceText(schema, text, key);
    } catch (e) {
      return Promise.reject(toTillqrError(e, 'CONFIG_INVALID'));
    }
    if (nestedDeeperThan(value, MAX_CONFIG_DEPTH)) return Promise.reject(tooDeep(key));
    return this.update((raw) => setPath(raw, segs, value), actor);
  }

  /** Merge a partial configuration (provisioning bundle, fleet desired config) over the file. */
  merge(partial: Record<string, unknown>, actor: string): Promise<ConfigChange> {
    if (nestedDeeperThan(partial, MAX_CONFIG_DEPTH)) return Promise.reject(tooDeep('the partial configuration'));
    return this.update((raw) => deepMerge(raw, partial), actor);
  }

  /** Replace the whole file (factory reset writes `{}`). */
  replace(raw: Record<string, unknown>, actor: string): Promise<ConfigChange> {
    if (nestedDeeperThan(raw, MAX_CONFIG_DEPTH)) return Promise.reject(tooDeep('the new configuration'));
    return this.update((cur) => {
      for (const k of Object.keys(cur)) delete cur[k];
      Object.assign(cur, structuredClone(raw));
    }, actor);
  }

  /** Apply an edit to a copy of the raw file, validate the result whole, write it, then tell listeners. */
  update(edit: (raw: Record<string, unknown>) => void, actor: string): Promise<ConfigChange> {
    const run = async (): Promise<ConfigChange> => {
      const nextRaw = structuredClone(this.#raw);
      edit(nextRaw);
      // Keys a newer release left in the file pass through untouched; a new unknown key is refused.
      const tolerated = new Set(this.#compat.ignored);
      const ignored: string[] = [];
      const withEnv = withoutUnknownKeys(configSchema, nextRaw, ignored, (p) => tolerated.has(p)) as Record<string, unknown>;
      applyEnvOverrides(configSchema, withEnv, this.#env);
      const next = validateConfig(withEnv, 'the new configuration');
      const previous = this.#config;
      const changed = changedPaths(previous, next);
      if (changed.length > 0) await writeJsonAtomic(this.path, nextRaw);
      this.#raw = nextRaw;
      this.#config = next;
      // A degraded store made whole again: everything it changed applies at the next start.
      const wasDegraded = this.#compat.invalid.length > 0;
      this.#compat = { ...this.#compat, ignored, invalid: [] };
      const change: ConfigChange = { config: next, previous, changed, restartRequired: wasDegraded ? changed : changed.filter(needsRestart) };
      if (changed.length > 0) {
        this.#log.info('configuration changed', { actor, keys: changed, restartRequired: change.restartRequired });
        for (const l of this.#listeners) {
          try {
            l(change);
          } catch (e) {
            this.#log.error('configuration listener failed', { error: e });
          }
        }
      }
      return change;
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }
}

function problemsOf(e: TillqrError): string[] {
  const p = e.context.problems;
  return Array.isArray(p) ? p.map(String) : [e.message];
}

/** The top-level sections that are valid on their own (the environment left out), the rest at their defaults. */
function validSections(known: Record<string, unknown>): Config {
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(known)) {
    try {
      validateConfig({ [k]: v });
      kept[k] = v;
    } catch {
      // this section stays at its defaults
    }
  }
  return validateConfig(kept, 'the valid sections');
}

/** Back the file up as it was, then write the migrated one; a file that cannot be written still runs migrated. */
async function writeMigrated(
  path: string,
  original: Record<string, unknown>,
  migrated: Record<string, unknown>,
  from: number,
  steps: readonly MigrationStep[],
  log: Logger,
): Promise<void> {
  try {
    await writeJsonAtomic(backupPath(path, from), original);
    for (const s of steps) log.info('migrating the configuration', { from: s.from, to: s.to, step: s.describe });
    await writeJsonAtomic(path, migrated);
    log.info('migrated the configuration', { from, to: steps.at(-1)?.to, backup: backupPath(path, from) });
  } catch (e) {
    log.error('could not write the migrated configuration; running with it in memory', { error: e });
  }
}

/** Far deeper input than any key would overflow the stack while being copied. */
function tooDeep(what: string): TillqrError {
  return new TillqrError('CONFIG_INVALID', `${what}: is nested deeper than ${MAX_CONFIG_DEPTH} levels; no configuration key is`);
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
      deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      target[k] = structuredClone(v);
    }
  }
}
