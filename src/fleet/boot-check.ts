/**
 * The boot check: run before the daemon starts (systemd ExecStartPre, from the `committed`
 * release so that a new release cannot break its own rollback). It
 *
 *  - removes leftovers of interrupted unpacks and link switches;
 *  - repairs a `current` link that points nowhere usable (back to `committed`);
 *  - counts the starts of an uncommitted release and, past fleet.maxBootAttempts, switches
 *    `current` back to the previous release (a crash loop rolls back by itself);
 *  - settles a pending release whose switch never happened (killed mid-install).
 *
 * It never fails the start: whatever it finds, it leaves a startable `current` if one exists.
 */
import type { Logger } from '../core/logger.js';
import type { ReleaseDir } from './releases.js';
import { loadUpdateState, saveUpdateState, withOutcome, type UpdateStateData } from './update-state.js';

export interface BootCheckOptions {
  readonly releases: ReleaseDir;
  readonly stateDir: string;
  readonly maxBootAttempts: number;
  readonly nowSec: number;
  readonly logger: Logger;
}

export type BootAction = 'none' | 'counted' | 'rolled_back' | 'settled' | 'repaired' | 'no_release';

export interface BootCheckResult {
  readonly action: BootAction;
  /** The version `current` points to afterwards. */
  readonly current: string | undefined;
  readonly detail: string;
}

export async function bootCheck(o: BootCheckOptions): Promise<BootCheckResult> {
  const { releases, logger } = o;
  await releases.cleanTemps();
  let state: UpdateStateData = await loadUpdateState(o.stateDir, (why) => logger.error('the update state is unreadable; starting from an empty one', { why }));
  const current = await releases.linkVersion('current');
  const committed = await releases.linkVersion('committed');

  // 1. A `current` that cannot start: back to the committed release (or the pending one's previous).
  if (current === undefined || !(await releases.isComplete(current))) {
    const candidates = [committed, state.pending?.previous].filter((v): v is string => v !== undefined);
    for (const v of candidates) {
      if (await releases.isComplete(v)) {
        await releases.switchLink('current', v);
        logger.error('the current release link was broken; switched back', { was: current, now: v });
        if (state.pending !== undefined) {
          const p = state.pending;
          state = withOutcome(state, { jobId: p.jobId, version: p.version, state: 'rolled_back', reason: 'install_failed', detail: 'the new release was not startable', at: o.nowSec });
          delete state.pending;
          await saveUpdateState(o.stateDir, state);
        }
        return { action: 'repaired', current: v, detail: `current pointed to ${current ?? 'nothing'}; now ${v}` };
      }
    }
    return { action: 'no_release', current, detail: 'no complete release to start' };
  }

  const p = state.pending;
  if (p === undefined) return { action: 'none', current, detail: 'no pending release' };

  // 2. Pending, but `current` is not it: the switch never happened, or a rollback's bookkeeping was cut short.
  if (current !== p.version) {
    const outcome =
      p.attempts > 0
        ? { state: 'rolled_back' as const, reason: 'health_window' as const, detail: `${p.version} was rolled back to ${current} (recorded after a restart)` }
        : { state: 'failed' as const, reason: 'interrupted' as const, detail: `the install of ${p.version} stopped before the switch; ${current} still runs` };
    state = withOutcome(state, { jobId: p.jobId, version: p.version, ...outcome, at: o.nowSec });
    delete state.pending;
    await saveUpdateState(o.stateDir, state);
    logger.warn('settled a pending release that is not running', { pending: p.version, current, outcome: outcome.state });
    return { action: 'settled', current, detail: outcome.detail };
  }

  // 3. The new release is starting again: count, and give up past the limit.
  const attempts = p.attempts + 1;
  if (attempts <= o.maxBootAttempts) {
    state = { ...state, pending: { ...p, attempts } };
    await saveUpdateState(o.stateDir, state);
    return { action: 'counted', current, detail: `start ${attempts} of ${o.maxBootAttempts} for ${p.version}` };
  }
  const back = (await releases.isComplete(p.previous)) ? p.previous : committed !== undefined && (await releases.isComplete(committed)) ? committed : undefined;
  if (back === undefined) {
    logger.error('the new release keeps failing and there is no previous release to go back to', { version: p.version });
    return { action: 'no_release', current, detail: 'no previous release to roll back to' };
  }
  await releases.switchLink('current', back);
  state = withOutcome(state, { jobId: p.jobId, version: p.version, state: 'rolled_back', reason: 'crash_loop', detail: `${p.version} failed to start ${p.attempts} times; back to ${back}`, at: o.nowSec });
  delete state.pending;
  await saveUpdateState(o.stateDir, state);
  logger.error('crash loop: rolled back', { from: p.version, to: back, attempts: p.attempts });
  return { action: 'rolled_back', current: back, detail: `rolled back from ${p.version} to ${back}` };
}
