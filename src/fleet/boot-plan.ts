/**
 * The boot check's decision as a pure function of the facts (balena-supervisor's plan, then
 * apply): what the links point to, which releases are complete, which have a config snapshot, the
 * update state and the limits go in; the steps to take and the outcome come out. boot-check.ts
 * gathers the facts and applies the steps in order; test/unit/fleet/boot-plan.test.ts checks the
 * rules over generated facts.
 *
 * Rules, in order:
 *  1. `current` missing or not a complete release: back to `committed` (else the pending one's
 *     previous), with that release's config; a pending release is recorded as rolled back.
 *  2. No pending release: nothing to do.
 *  3. The pending release is already `committed` (the commit's bookkeeping was cut short): it
 *     succeeded; a committed release is never rolled back.
 *  4. `current` is not the pending release: the switch never happened (failed, interrupted) or a
 *     rollback's bookkeeping was cut short (rolled back, and its config restored again).
 *  5. The pending release starts again: count it; past maxBootAttempts, its config is put back and
 *     `current` goes back to the previous release (else `committed`) — a crash loop ends on a
 *     release that ran before.
 * Restoring a config always comes before the switch, so a power cut between them is repaired by
 * rule 4 (or 5) at the next start.
 */
import { compareVersions } from './semver.js';
import { withOutcome, type PendingRelease, type UpdateStateData } from './update-state.js';

export interface BootFacts {
  readonly current: string | undefined;
  readonly committed: string | undefined;
  /** Versions whose directory is a complete release. */
  readonly complete: ReadonlySet<string>;
  /** Versions with a config snapshot. */
  readonly snapshots: ReadonlySet<string>;
  readonly state: UpdateStateData;
  readonly maxBootAttempts: number;
  readonly nowSec: number;
  /** Why the live config file does not load with this (the committed) release, if it does not. */
  readonly liveConfigProblem?: string | undefined;
  /** Versions whose snapshot loads with this release. */
  readonly loadableSnapshots?: ReadonlySet<string>;
}

export type BootStep =
  | { readonly kind: 'restore-config'; readonly version: string }
  | { readonly kind: 'switch-current'; readonly to: string }
  | { readonly kind: 'save-state'; readonly state: UpdateStateData }
  | { readonly kind: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly msg: string; readonly fields: Readonly<Record<string, unknown>> };

export type BootAction = 'none' | 'counted' | 'rolled_back' | 'settled' | 'repaired' | 'no_release';

export interface BootPlan {
  readonly action: BootAction;
  /** The version `current` points to once the steps are applied. */
  readonly current: string | undefined;
  readonly detail: string;
  readonly steps: readonly BootStep[];
}

/** Go back to `to`: its config first (when it has a snapshot), then the link. */
function backTo(f: BootFacts, to: string): BootStep[] {
  return [
    ...(f.snapshots.has(to) ? [{ kind: 'restore-config', version: to } as const] : []),
    ...(f.current === to ? [] : [{ kind: 'switch-current', to } as const]),
  ];
}

function cleared(s: UpdateStateData): UpdateStateData {
  const next = { ...s };
  delete next.pending;
  return next;
}

/**
 * The decision, then one repair: a config file the committed release cannot load (a value only a
 * newer release accepts, a torn or hand-broken file) while `current` ends on the committed release
 * is replaced by that release's snapshot when the snapshot loads — the daemon would refuse the
 * file and no console would come up. Never while another release runs (it may accept the file).
 */
export function planBoot(f: BootFacts): BootPlan {
  const plan = decide(f);
  const to = plan.current;
  if (plan.action === 'no_release' || f.liveConfigProblem === undefined || to === undefined || to !== f.committed || !(f.loadableSnapshots?.has(to) ?? false))
    return plan;
  if (plan.steps.some((s) => s.kind === 'restore-config')) return plan;
  const steps: BootStep[] = [
    { kind: 'restore-config', version: to },
    {
      kind: 'log',
      level: 'error',
      msg: 'the config file does not load; put back the one the committed release last ran with',
      fields: { version: to, problem: f.liveConfigProblem },
    },
    ...plan.steps,
  ];
  return { ...plan, action: plan.action === 'none' ? 'repaired' : plan.action, detail: `${plan.detail}; config restored from the snapshot of ${to}`, steps };
}

function decide(f: BootFacts): BootPlan {
  const { current, committed, state } = f;
  const p: PendingRelease | undefined = state.pending;

  // 1. A `current` that cannot start.
  if (current === undefined || !f.complete.has(current)) {
    const to = [committed, p?.previous].find((v): v is string => v !== undefined && f.complete.has(v));
    if (to === undefined)
      return {
        action: 'no_release',
        current,
        detail: 'no complete release to start',
        steps: [{ kind: 'log', level: 'error', msg: 'no complete release to start', fields: { current, committed } }],
      };
    const steps: BootStep[] = [
      ...backTo(f, to),
      { kind: 'log', level: 'error', msg: 'the current release link was broken; switched back', fields: { was: current, now: to } },
    ];
    if (p !== undefined) {
      steps.push({
        kind: 'save-state',
        state: cleared(
          withOutcome(state, {
            jobId: p.jobId,
            version: p.version,
            state: 'rolled_back',
            reason: 'install_failed',
            detail: 'the new release was not startable',
            at: f.nowSec,
          }),
        ),
      });
    }
    return { action: 'repaired', current: to, detail: `current pointed to ${current ?? 'nothing'}; now ${to}`, steps };
  }

  // 2. Nothing pending.
  if (p === undefined) return { action: 'none', current, detail: 'no pending release', steps: [] };

  // 3. Already committed: the commit was cut short after the link, before the state.
  if (committed === p.version && current === p.version) {
    const floor = p.rollback || state.floor === undefined || compareVersions(p.version, state.floor) > 0 ? p.version : state.floor;
    return {
      action: 'settled',
      current,
      detail: `${p.version} was committed (recorded after a restart)`,
      steps: [
        { kind: 'save-state', state: cleared(withOutcome({ ...state, floor }, { jobId: p.jobId, version: p.version, state: 'succeeded', at: f.nowSec })) },
        { kind: 'log', level: 'warn', msg: 'settled a pending release that was already committed', fields: { version: p.version } },
      ],
    };
  }

  // 4. Pending, but `current` is not it.
  if (current !== p.version) {
    const rolledBack = p.attempts > 0;
    const outcome = rolledBack
      ? { state: 'rolled_back' as const, reason: 'health_window' as const, detail: `${p.version} was rolled back to ${current} (recorded after a restart)` }
      : { state: 'failed' as const, reason: 'interrupted' as const, detail: `the install of ${p.version} stopped before the switch; ${current} still runs` };
    return {
      action: 'settled',
      current,
      detail: outcome.detail,
      steps: [
        ...(rolledBack ? backTo(f, current) : []),
        { kind: 'save-state', state: cleared(withOutcome(state, { jobId: p.jobId, version: p.version, ...outcome, at: f.nowSec })) },
        { kind: 'log', level: 'warn', msg: 'settled a pending release that is not running', fields: { pending: p.version, current, outcome: outcome.state } },
      ],
    };
  }

  // 5. The pending release starts again.
  const attempts = p.attempts + 1;
  if (attempts <= f.maxBootAttempts) {
    return {
      action: 'counted',
      current,
      detail: `start ${attempts} of ${f.maxBootAttempts} for ${p.version}`,
      steps: [{ kind: 'save-state', state: { ...state, pending: { ...p, attempts } } }],
    };
  }
  const to = [p.previous, committed].find((v): v is string => v !== undefined && v !== p.version && f.complete.has(v));
  if (to === undefined) {
    return {
      action: 'no_release',
      current,
      detail: 'no previous release to roll back to',
      steps: [
        { kind: 'log', level: 'error', msg: 'the new release keeps failing and there is no previous release to go back to', fields: { version: p.version } },
      ],
    };
  }
  return {
    action: 'rolled_back',
    current: to,
    detail: `rolled back from ${p.version} to ${to}`,
    steps: [
      ...backTo(f, to),
      {
        kind: 'save-state',
        state: cleared(
          withOutcome(state, {
            jobId: p.jobId,
            version: p.version,
            state: 'rolled_back',
            reason: 'crash_loop',
            detail: `${p.version} failed to start ${p.attempts} times; back to ${to}`,
            at: f.nowSec,
          }),
        ),
      },
      {
        kind: 'log',
        level: 'error',
        msg: 'crash loop: rolled back',
        fields: { from: p.version, to, attempts: p.attempts, configRestored: f.snapshots.has(to) },
      },
    ],
  };
}
