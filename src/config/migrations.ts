/**
 * The config file's format version and its forward migrations (zigbee2mqtt's settings migration
 * is the model): `configVersion` at the top level says which format a file is in; a file without
 * it is format 1 (every file written before the key existed). Opening a file of an older format
 * runs each migration in order, one step per version, each logged; the file is backed up as
 * `<file>.v<N>.bak` before it is rewritten. A file of a *newer* format than this release knows is
 * never migrated or rewritten on load: the keys this release knows are used, the others are kept
 * in the file untouched (docs/decisions/0008-config-across-releases.md).
 *
 * Pure except for `backupPath`, which only names the file.
 */
import { TillqrError } from '../core/errors.js';

/** The format this release writes and understands. */
export const CONFIG_VERSION = 1;

/** A file without `configVersion` is in this format. */
export const IMPLICIT_VERSION = 1;

export interface Migration {
  /** The format it reads; it writes `from + 1`. */
  readonly from: number;
  /** One line for the log: what changes. */
  readonly describe: string;
  /** Change a copy of the raw file in place (keys may be renamed, moved or dropped). */
  readonly migrate: (raw: Record<string, unknown>) => void;
}

/**
 * Every migration, oldest first. Format 1 is the first format; a release that changes the meaning
 * or the place of a key adds `{ from: 1, ... }` here and raises CONFIG_VERSION to 2.
 */
export const MIGRATIONS: readonly Migration[] = [];

export interface MigrationStep {
  readonly from: number;
  readonly to: number;
  readonly describe: string;
}

export interface MigrationResult {
  /** The file's own format (IMPLICIT_VERSION when it has no `configVersion`). */
  readonly fileVersion: number;
  /** Written by a newer release: nothing was migrated, unknown keys are to be kept as they are. */
  readonly newer: boolean;
  /** The raw config after the migrations (the input itself when none ran). */
  readonly raw: Record<string, unknown>;
  /** The steps that ran, in order; empty when the file is current or newer. */
  readonly steps: readonly MigrationStep[];
}

/** The format of a raw config file; an invalid `configVersion` is left for the schema to report. */
export function fileVersionOf(raw: Record<string, unknown>): number | undefined {
  const v = raw.configVersion;
  if (v === undefined) return IMPLICIT_VERSION;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : undefined;
}

/** Bring a raw config to `target` step by step. Throws CONFIG_INVALID when a step is missing. */
export function migrateConfig(raw: Record<string, unknown>, migrations: readonly Migration[] = MIGRATIONS, target = CONFIG_VERSION): MigrationResult {
  const fileVersion = fileVersionOf(raw);
  if (fileVersion === undefined) return { fileVersion: IMPLICIT_VERSION, newer: false, raw, steps: [] };
  if (fileVersion >= target) return { fileVersion, newer: fileVersion > target, raw, steps: [] };
  const out = structuredClone(raw);
  const steps: MigrationStep[] = [];
  for (let v = fileVersion; v < target; v++) {
    const m = migrations.find((x) => x.from === v);
    if (m === undefined)
      throw new TillqrError('CONFIG_INVALID', `configVersion ${v}: this release has no migration from format ${v} to ${v + 1}`, {
        problems: [`configVersion: no migration from ${v}`],
      });
    m.migrate(out);
    out.configVersion = v + 1;
    steps.push({ from: v, to: v + 1, describe: m.describe });
  }
  return { fileVersion, newer: false, raw: out, steps };
}

/** Where the file is backed up before a migration from format `version` rewrites it. */
export function backupPath(configPath: string, version: number): string {
  return `${configPath}.v${version}.bak`;
}
