/**
 * The boot check's rules over generated facts (fast-check), the way the sale machine is tested:
 * links pointing anywhere (or nowhere), releases complete or not, snapshots or not, any pending
 * release with any attempt count. A little simulator applies a plan's steps to the facts, so a
 * sequence of starts (a crash loop) can be run through the plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBoot, type BootFacts, type BootPlan } from '../../../src/fleet/boot-plan.js';
import type { UpdateStateData } from '../../../src/fleet/update-state.js';

const VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '2.0.0'] as const;
const version = fc.constantFrom(...VERSIONS);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const pending = fc.record({
  jobId: fc.constantFrom('j1', 'j2'),
  version,
  previous: version,
  rollback: fc.boolean(),
  attempts: fc.integer({ min: 0, max: 12 }),
  installedAt: fc.constant(0),
});

const facts: fc.Arbitrary<BootFacts> = fc
  .record({
    current: maybe(version),
    committed: maybe(version),
    complete: fc.subarray([...VERSIONS]),
    snapshots: fc.subarray([...VERSIONS]),
    pending: maybe(pending),
    floor: maybe(version),
    maxBootAttempts: fc.integer({ min: 1, max: 10 }),
    liveConfigProblem: maybe(fc.constant('display.rotation: 45 is not one of 0, 90, 180, 270')),
    loadable: fc.subarray([...VERSIONS]),
  })
  .map((r) => ({
    current: r.current,
    committed: r.committed,
    complete: new Set(r.complete),
    snapshots: new Set(r.snapshots),
    state: { done: [], ...(r.pending !== undefined ? { pending: r.pending } : {}), ...(r.floor !== undefined ? { floor: r.floor } : {}) },
    maxBootAttempts: r.maxBootAttempts,
    nowSec: 1000,
    liveConfigProblem: r.liveConfigProblem,
    loadableSnapshots: new Set(r.loadable.filter((v) => r.snapshots.includes(v))),
  }));

/** Apply a plan to the facts: what the next start would see. */
function apply(f: BootFacts, plan: BootPlan): BootFacts & { restored: string[] } {
  let current = f.current;
  let state: UpdateStateData = f.state;
  const restored: string[] = [];
  for (const s of plan.steps) {
    if (s.kind === 'switch-current') current = s.to;
    else if (s.kind === 'save-state') state = s.state;
    else if (s.kind === 'restore-config') restored.push(s.version);
  }
  return { ...f, current, state, restored };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe('planBoot', () => {
  it('never leaves current pointing at a missing release when a complete one it may go back to exists', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const plan = planBoot(f);
        const after = apply(f, plan);
        expect(after.current).toBe(plan.current);
        const reachable = [f.current, f.committed, f.state.pending?.previous].some((v) => v !== undefined && f.complete.has(v));
        if (plan.action !== 'no_release') expect(f.complete.has(after.current ?? '')).toBe(true);
        if (plan.action === 'no_release') expect(plan.steps.every((s) => s.kind === 'log')).toBe(true);
        if (f.current !== undefined && f.complete.has(f.current) && plan.action === 'no_release') expect(reachable).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is a pure function of the facts: same plan twice, the facts untouched', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const frozen = deepFreeze(structuredClone({ ...f, complete: [...f.complete], snapshots: [...f.snapshots] }));
        const a = planBoot({ ...frozen, complete: new Set(frozen.complete), snapshots: new Set(frozen.snapshots) });
        const b = planBoot(f);
        expect(a).toEqual(b);
      }),
      { numRuns: 1000 },
    );
  });

  it('never rolls back a committed release, and never switches away from a running committed one', () => {
    fc.assert(
      fc.property(facts, (f) => {
        fc.pre(f.current !== undefined && f.current === f.committed && f.complete.has(f.current));
        const plan = planBoot(f);
        expect(plan.steps.filter((s) => s.kind === 'switch-current')).toEqual([]);
        // Its config comes back only when a rollback *to* it was cut short (the pending release is another one).
        // (or when the file does not load and its snapshot does: the repair).
        if ((f.state.pending === undefined || f.state.pending.version === f.committed) && f.liveConfigProblem === undefined)
          expect(plan.steps.filter((s) => s.kind === 'restore-config')).toEqual([]);
        const last = apply(f, plan).state.last;
        if (f.state.pending?.version === f.committed) expect(last).toMatchObject({ version: f.committed, state: 'succeeded' });
      }),
      { numRuns: 3000 },
    );
  });

  it('counts each start of a pending release exactly once, or settles it; the state never keeps a stale pending', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const plan = planBoot(f);
        const p = f.state.pending;
        const after = apply(f, plan).state;
        if (plan.action === 'counted') expect(after.pending).toEqual({ ...p, attempts: (p?.attempts ?? 0) + 1 });
        else if (plan.action !== 'no_release' && plan.action !== 'none') expect(after.pending).toBeUndefined();
        if (p !== undefined && after.pending === undefined) expect(after.done).toContain(p.jobId);
      }),
      { numRuns: 3000 },
    );
  });

  it('restores a config only for the release current ends on, only when it has a snapshot, and before the switch', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const plan = planBoot(f);
        const after = apply(f, plan);
        for (const v of after.restored) {
          expect(v).toBe(after.current);
          expect(f.snapshots.has(v)).toBe(true);
        }
        const iRestore = plan.steps.findIndex((s) => s.kind === 'restore-config');
        const iSwitch = plan.steps.findIndex((s) => s.kind === 'switch-current');
        if (iRestore >= 0 && iSwitch >= 0) expect(iRestore).toBeLessThan(iSwitch);
        // Going back to a release with a snapshot always brings its config back.
        if ((plan.action === 'rolled_back' || plan.action === 'repaired') && after.current !== undefined && f.snapshots.has(after.current))
          expect(after.restored).toEqual([after.current]);
      }),
      { numRuns: 3000 },
    );
  });

  it('replaces a config file that does not load only on the committed release, from a snapshot that loads', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const plan = planBoot(f);
        const after = apply(f, plan);
        const repaired = plan.steps.some((s) => s.kind === 'log' && s.msg.startsWith('the config file does not load'));
        if (repaired) {
          expect(f.liveConfigProblem).toBeDefined();
          expect(after.current).toBe(f.committed);
          expect(f.loadableSnapshots?.has(after.current ?? '')).toBe(true);
          expect(after.restored).toEqual([after.current]);
        }
        if (f.liveConfigProblem === undefined) expect(repaired).toBe(false);
        if (
          plan.action !== 'no_release' &&
          f.liveConfigProblem !== undefined &&
          after.current === f.committed &&
          after.current !== undefined &&
          f.loadableSnapshots?.has(after.current) === true
        )
          expect(after.restored).toContain(after.current);
      }),
      { numRuns: 3000 },
    );
  });

  it('a crash loop past maxBootAttempts always ends on the release that ran before, with its config', () => {
    const loop = fc.record({
      previous: fc.constantFrom('1.0.0', '1.1.0'),
      committedIsPrevious: fc.boolean(),
      previousComplete: fc.boolean(),
      snapshot: fc.boolean(),
      max: fc.integer({ min: 1, max: 10 }),
    });
    fc.assert(
      fc.property(loop, ({ previous, committedIsPrevious, previousComplete, snapshot, max }) => {
        const committed = committedIsPrevious ? previous : '1.0.0';
        const complete = new Set(['2.0.0', committed, ...(previousComplete ? [previous] : [])]);
        let f: BootFacts = {
          current: '2.0.0',
          committed,
          complete,
          snapshots: new Set(snapshot ? [previous, committed] : []),
          state: { done: [], pending: { jobId: 'j1', version: '2.0.0', previous, rollback: false, attempts: 0, installedAt: 0 } },
          maxBootAttempts: max,
          nowSec: 1,
        };
        // Each start of 2.0.0 crashes before its health window: the boot check runs again.
        for (let start = 1; start <= max; start++) {
          const plan = planBoot(f);
          expect(plan.action).toBe('counted');
          f = apply(f, plan);
          expect(f.current).toBe('2.0.0');
        }
        const plan = planBoot(f);
        const after = apply(f, plan);
        const expected = previousComplete ? previous : committed;
        expect(plan.action).toBe('rolled_back');
        expect(after.current).toBe(expected);
        expect(after.state.pending).toBeUndefined();
        expect(after.state.last).toMatchObject({ version: '2.0.0', state: 'rolled_back', reason: 'crash_loop' });
        expect(after.restored).toEqual(snapshot ? [expected] : []);
        // And the start after that changes nothing.
        expect(planBoot(after).action).toBe('none');
      }),
      { numRuns: 500 },
    );
  });

  it('settles a commit whose bookkeeping was cut short as succeeded, with the floor raised', () => {
    const plan = planBoot({
      current: '2.0.0',
      committed: '2.0.0',
      complete: new Set(['1.0.0', '2.0.0']),
      snapshots: new Set(['1.0.0']),
      state: { done: [], floor: '1.0.0', pending: { jobId: 'j9', version: '2.0.0', previous: '1.0.0', rollback: false, attempts: 3, installedAt: 0 } },
      maxBootAttempts: 3,
      nowSec: 5,
    });
    expect(plan.action).toBe('settled');
    const saved = plan.steps.find((s) => s.kind === 'save-state');
    expect(saved).toMatchObject({ state: { floor: '2.0.0', last: { jobId: 'j9', state: 'succeeded' } } });
  });
});
