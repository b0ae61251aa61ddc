/**
 * Load the device configuration: the file (JSON) from --config or TILLQR_CONFIG, then TILLQR_*
 * overrides, validated once into a frozen object. Every problem is reported with its key path,
 * value and expectation; the daemon then exits 78 (EX_CONFIG).
 */
import { readFile } from 'node:fs/promises';
import { TillqrError } from '../core/errors.js';
import { deepFreeze, type Schema } from '../core/schema.js';
import { applyEnvOverrides } from './env-overrides.js';
import { CONFIG_VERSION, migrateConfig, type MigrationStep } from './migrations.js';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/tillqr/config.json';

export interface LoadOptions {
  /** --config FILE; falls back to env.TILLQR_CONFIG, then DEFAULT_CONFIG_PATH. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** A missing file is an empty config (an unprovisioned device) rather than an error. */
  allowMissing?: boolean;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly path: string;
  /** Keys set from the environment. */
  readonly fromEnv: readonly string[];
  /** Keys in the file that this release does not know: left out of `config`, kept in the file. */
  readonly ignored: readonly string[];
  /** The file's format (`configVersion`), and whether a newer release wrote it. */
  readonly fileVersion: number;
  readonly newer: boolean;
  /** Migrations the daemon will run (and back up for) when it opens the file. */
  readonly migrations: readonly MigrationStep[];
}

export function configPath(opts: LoadOptions): string {
  return opts.path ?? opts.env?.TILLQR_CONFIG ?? DEFAULT_CONFIG_PATH;
}

export async function readRawConfig(path: string, allowMissing: boolean): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && allowMissing) return {};
    throw new TillqrError('CONFIG_UNREADABLE', `${path}: cannot be read (${code ?? (e as Error).message})`, { path });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TillqrError('CONFIG_UNREADABLE', `${path}: is not valid JSON (${(e as Error).message})`, { path });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TillqrError('CONFIG_INVALID', `${path}: the top level must be a JSON object`, { path });
  }
  if (nestedDeeperThan(raw, MAX_CONFIG_DEPTH)) {
    throw new TillqrError('CONFIG_INVALID', `${path}: is nested deeper than ${MAX_CONFIG_DEPTH} levels; no configuration key is`, { path });
  }
  return raw as Record<string, unknown>;
}

/** No key of the schema is deeper than a handful of levels; far deeper input would overflow the stack of structuredClone. */
export const MAX_CONFIG_DEPTH = 64;

/** Without recursion, so any depth is measured safely. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Validate a raw object into a frozen Config, or throw CONFIG_INVALID listing every problem. */
export function validateConfig(raw: unknown, source = 'config'): Config {
  const r = configSchema.safeParse(raw);
  if (!r.ok) {
    const lines = r.issues.map((i) => i.message);
    throw new TillqrError(
      'CONFIG_INVALID',
      `${source} has ${lines.length} problem${lines.length === 1 ? '' : 's'}:\n${lines.map((l) => `  ${l}`).join('\n')}`,
      {
        problems: lines,
      },
    );
  }
  return deepFreeze(r.value);
}

/**
 * A copy of a raw config without the keys the schema does not know (walking objects and list
 * items); `drop(path)` decides which unknown keys to leave out (the rest stay, for the schema to
 * report). The paths left out are pushed to `dropped`.
 */
export function withoutUnknownKeys(
  schema: Schema<unknown>,
  value: unknown,
  dropped: string[],
  drop: (path: string) => boolean = () => true,
  path = '',
): unknown {
  if (schema.kind === 'object' && schema.shape !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = path === '' ? k : `${path}.${k}`;
      const s = Object.prototype.hasOwnProperty.call(schema.shape, k) ? schema.shape[k] : undefined;
      if (s !== undefined) out[k] = withoutUnknownKeys(s, v, dropped, drop, p);
      else if (drop(p)) dropped.push(p);
      else out[k] = v;
    }
    return out;
  }
  if (schema.kind === 'array' && schema.item !== undefined && Array.isArray(value)) {
    const item = schema.item;
    return value.map((v, i) => withoutUnknownKeys(item, v, dropped, drop, `${path}[${i}]`));
  }
  return value;
}

/** The warnings a technician should see for a file this release reads only in part. */
export function compatWarnings(l: Pick<LoadedConfig, 'ignored' | 'fileVersion' | 'newer'>): string[] {
  const out: string[] = [];
  if (l.newer)
    out.push(
      `configVersion ${l.fileVersion}: written by a newer release (this release knows format ${CONFIG_VERSION}); the keys it knows are used, the file is kept as it is`,
    );
  for (const k of l.ignored) out.push(`${k}: is not a key this release knows; ignored (kept in the file)`);
  return out;
}

/**
 * Read, migrate (in memory), leave out the keys this release does not know, apply the
 * environment and validate: what the daemon will run with. Invalid known keys throw CONFIG_INVALID.
 */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const path = configPath(opts);
  const m = migrateConfig(await readRawConfig(path, opts.allowMissing ?? false));
  const ignored: string[] = [];
  const raw = withoutUnknownKeys(configSchema, m.raw, ignored) as Record<string, unknown>;
  const fromEnv = applyEnvOverrides(configSchema, raw, opts.env ?? {});
  return { config: validateConfig(raw, path), path, fromEnv, ignored, fileVersion: m.fileVersion, newer: m.newer, migrations: m.steps };
}

/** Is this configuration enough to take payments? (what the `unprovisioned` screen depends on) */
export function missingForService(c: Config): string[] {
  const missing: string[] = [];
  if (c.deviceId === undefined) missing.push('deviceId');
  if (c.merchant === undefined) missing.push('merchant');
  if (c.trust.backendKeys.length === 0) missing.push('trust.backendKeys');
  return missing;
}
