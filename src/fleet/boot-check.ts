/**
 * The boot check: run before the daemon starts (systemd ExecStartPre, from the `committed`
 * release so that a new release cannot break its own rollback). It
 *
 *  - removes leftovers of interrupted unpacks and link switches;
 *  - repairs a `current` link that points nowhere usable (back to `committed`);
 *  - counts the starts of an uncommitted release and, past fleet.maxBootAttempts, switches
 *    `current` back to the previous release (a crash loop rolls back by itself);
 *  - settles a pending release whose switch never happened (killed mid-install);
 *  - puts back the config file a release last ran with when `current` goes back to it.
 *
 * The decisions are boot-plan.ts (pure); this file gathers the facts and applies the steps.
 * It never fails the start: whatever it finds, it leaves a startable `current` if one exists.
 */
import { configPath as configPathOf, loadConfig, readRawConfig, validateConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { planBoot, type BootAction, type BootFacts, type BootStep } from './boot-plan.js';
import { ReleaseDir } from './releases.js';
import { loadUpdateState, saveUpdateState } from './update-state.js';

export type { BootAction } from './boot-plan.js';

export interface BootCheckOptions {
  readonly releases: ReleaseDir;
  readonly stateDir: string;
  readonly maxBootAttempts: number;
  readonly nowSec: number;
  readonly logger: Logger;
  /** The live config file: restored from the snapshot of the release `current` goes back to. */
  readonly configPath?: string;
  /** The environment its TILLQR_* overrides come from. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface BootCheckResult {
  readonly action: BootAction;
  /** The version `current` points to afterwards. */
  readonly current: string | undefined;
  readonly detail: string;
}

/** Gather the facts the plan depends on (reads only). */
export async function bootFacts(o: BootCheckOptions): Promise<BootFacts> {
  const { releases, logger } = o;
  const state = await loadUpdateState(o.stateDir, (why) => logger.error('the update state is unreadable; starting from an empty one', { why }));
  const current = await releases.linkVersion('current');
  const committed = await releases.linkVersion('committed');
  const candidates = [...new Set([current, committed, state.pending?.previous, state.pending?.version].filter((v): v is string => v !== undefined))];
  const complete = new Set<string>();
  const snapshots = new Set<string>();
  for (const v of candidates) {
    if (await releases.isComplete(v)) complete.add(v);
    if (o.configPath !== undefined && (await releases.hasSnapshot(v))) snapshots.add(v);
  }
  const loadableSnapshots = new Set<string>();
  let liveConfigProblem: string | undefined;
  if (o.configPath !== undefined) {
    liveConfigProblem = await loadProblem(o.configPath, o.env ?? {}, true);
    if (
      liveConfigProblem !== undefined &&
      committed !== undefined &&
      snapshots.has(committed) &&
      (await loadProblem(releases.snapshotOf(committed), o.env ?? {}, false)) === undefined
    )
      loadableSnapshots.add(committed);
  }
  return { current, committed, complete, snapshots, state, maxBootAttempts: o.maxBootAttempts, nowSec: o.nowSec, liveConfigProblem, loadableSnapshots };
}

/** Why a config file does not load with this release (undefined: it loads). */
async function loadProblem(path: string, env: NodeJS.ProcessEnv, allowMissing: boolean): Promise<string | undefined> {
  try {
    await loadConfig({ path, env, allowMissing });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n').slice(0, 4).join(' ') : String(e);
  }
}

/** Apply the steps in order; a step that fails stops the rest (the next start plans again). */
export async function applyBootSteps(o: BootCheckOptions, steps: readonly BootStep[]): Promise<void> {
  for (const step of steps) {
    switch (step.kind) {
      case 'restore-config':
        if (o.configPath !== undefined && (await o.releases.restoreConfig(step.version, o.configPath)))
          o.logger.warn('restored the config file the release last ran with', { version: step.version, config: o.configPath });
        break;
      case 'switch-current':
        await o.releases.switchLink('current', step.to);
        break;
      case 'save-state':
        await saveUpdateState(o.stateDir, step.state);
        break;
      case 'log':
        o.logger[step.level](step.msg, step.fields);
        break;
    }
  }
}

export async function bootCheck(o: BootCheckOptions): Promise<BootCheckResult> {
  await o.releases.cleanTemps();
  const plan = planBoot(await bootFacts(o));
  await applyBootSteps(o, plan.steps);
  return { action: plan.action, current: plan.current, detail: plan.detail };
}

/**
 * What the boot check needs of the config (the state dir and the fleet keys). A config the daemon
 * would refuse must not stop the boot check (ExecStartPre) too, or no release would start and no
 * console come up: the two sections are read on their own, then the defaults.
 */
async function bootConfig(path: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<Pick<Config, 'stateDir' | 'fleet'>> {
  try {
    return (await loadConfig({ path, env, allowMissing: true })).config;
  } catch (e) {
    logger.error('the config file is not valid; the boot check reads what it can of it', { error: e instanceof Error ? e.message : String(e) });
  }
  const raw: Record<string, unknown> = await readRawConfig(path, true).catch(() => ({}));
  for (const part of [{ stateDir: raw.stateDir, fleet: raw.fleet }, { stateDir: raw.stateDir }, {}]) {
    try {
      return validateConfig(part);
    } catch {
      // the next, smaller part
    }
  }
  return validateConfig({});
}

/** `tillqr fleet boot-check`: never throws, so the start goes on whatever it finds. */
export async function runBootCheck(o: {
  configPath?: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  nowSec: number;
}): Promise<BootCheckResult | undefined> {
  try {
    const path = configPathOf({ path: o.configPath, env: o.env });
    const c = await bootConfig(path, o.env, o.logger);
    const r = await bootCheck({
      releases: new ReleaseDir(c.fleet.releaseRoot),
      stateDir: c.stateDir,
      maxBootAttempts: c.fleet.maxBootAttempts,
      nowSec: o.nowSec,
      logger: o.logger,
      configPath: path,
      env: o.env,
    });
    o.logger.info(`boot check: ${r.action}`, { current: r.current, detail: r.detail });
    return r;
  } catch (e) {
    o.logger.error('the boot check failed; starting whatever current points to', { error: e });
    return undefined;
  }
}
