/**
 * Before `current` switches to a new release, that release's own `tillqr config check --config
 * <live file>` runs as a child process (with the daemon's environment, so TILLQR_* overrides count
 * as they will at its start). A non-zero exit, a crash or a hang refuses the update: the new code
 * would not start on this device's configuration. Its output goes on the update status for the
 * operator, with every secret value of the configuration taken out first.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Schema } from '../core/schema.js';
import { ENTRY_POINT, type ReleaseDir } from './releases.js';
import type { HealthFacts } from './update-plan.js';

/** How the update agent reaches the live config file (src/fleet/fleet-agent.ts passes the store's). */
export interface ConfigFileAccess {
  readonly path: string;
  readonly env: NodeJS.ProcessEnv;
  /** Secret values of the configuration, kept out of the check's output. */
  readonly secrets: () => readonly string[];
  /** How long a release's `config check` may take (default 60 s). */
  readonly checkTimeoutMs?: number;
}

/** The release facts of a health window, gathered once when it starts. */
export type WindowFacts = Pick<HealthFacts, 'committed' | 'complete' | 'snapshots'>;

export async function windowFacts(releases: ReleaseDir, previous: string, withSnapshots: boolean): Promise<WindowFacts> {
  const committed = await releases.linkVersion('committed');
  const complete = new Set<string>();
  const snapshots = new Set<string>();
  for (const v of new Set([previous, ...(committed !== undefined ? [committed] : [])])) {
    if (await releases.isComplete(v)) complete.add(v);
    if (withSnapshots && (await releases.hasSnapshot(v))) snapshots.add(v);
  }
  return { committed, complete, snapshots };
}

/**
 * Run the unpacked release's own `config check` against the live file. Refused, the release
 * directory is removed again and UPDATE_REJECTED (reason config_rejected) says why, with its output.
 */
export async function checkNewRelease(releases: ReleaseDir, version: string, cf: ConfigFileAccess | undefined, log: Logger): Promise<void> {
  if (cf === undefined) return;
  const r = await checkReleaseConfig({
    releaseDir: releases.dirOf(version),
    configPath: cf.path,
    env: cf.env,
    secrets: cf.secrets(),
    timeoutMs: cf.checkTimeoutMs ?? 60_000,
  });
  if (r.ok) {
    log.info('the new release accepts the configuration', { version });
    return;
  }
  log.error('the new release refuses the configuration; the update is refused', { version, exit: r.exit, output: r.output });
  await releases.remove(version);
  throw new TillqrError('UPDATE_REJECTED', `${version} refuses this device's configuration (config check: ${r.exit}): ${r.output.slice(0, 320)}`, {
    reason: 'config_rejected',
    version,
  });
}

export interface ReleaseCheckOptions {
  readonly releaseDir: string;
  readonly configPath: string;
  readonly env: NodeJS.ProcessEnv;
  /** Values that must never appear in the output passed on (passwords, keys). */
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  readonly node?: string;
}

export interface ReleaseCheckResult {
  readonly ok: boolean;
  /** Exit code, or the signal / spawn error in words. */
  readonly exit: string;
  /** stdout and stderr, secrets replaced, at most 2,000 characters. */
  readonly output: string;
}

const MAX_OUTPUT = 65_536;

export function checkReleaseConfig(o: ReleaseCheckOptions): Promise<ReleaseCheckResult> {
  return new Promise((resolve) => {
    let out = '';
    const add = (d: Buffer): void => {
      if (out.length < MAX_OUTPUT) out += d.toString('utf8');
    };
    const child = spawn(o.node ?? process.execPath, [join(o.releaseDir, ENTRY_POINT), 'config', 'check', '--config', o.configPath], {
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const done = (ok: boolean, exit: string): void => {
      clearTimeout(timer);
      resolve({ ok, exit, output: scrub(out, o.secrets).trim().slice(0, 2000) });
    };
    child.on('error', (e) => done(false, `could not run: ${e.message}`));
    child.on('close', (code, signal) => {
      if (signal !== null) done(false, signal === 'SIGKILL' ? `no answer within ${Math.round(o.timeoutMs / 1000)} s` : `killed by ${signal}`);
      else done(code === 0, `exit ${code ?? '?'}`);
    });
  });
}

/** Replace every secret value (of four characters or more) in a text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let t = text;
  for (const s of [...secrets].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) t = t.split(s).join('[redacted]');
  return t;
}

/** The values of every key marked secret in a parsed configuration (and each line of a multi-line one). */
export function secretValues(schema: Schema<unknown>, value: unknown, out: string[] = []): string[] {
  if (value === undefined || value === null) return out;
  if (schema.meta.secret) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out.push(
      text,
      ...text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length >= 16 && !l.startsWith('-----')),
    );
    return out;
  }
  if (schema.shape !== undefined && typeof value === 'object') {
    for (const [k, s] of Object.entries(schema.shape)) secretValues(s, (value as Record<string, unknown>)[k], out);
  } else if (schema.item !== undefined && Array.isArray(value)) {
    for (const v of value) secretValues(schema.item, v, out);
  }
  return out;
}
