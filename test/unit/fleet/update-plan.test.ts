/**
 * The update agent's decisions over generated facts (fast-check): the health window (commit,
 * wait, roll back — never under a sale), the install steps (the new release's config check comes
 * before anything is switched), and what happens to an arriving job (never run twice, never
 * beside another), and what is downloaded (only a split artifact's application member, and only
 * when the device has the runtime from the very member the job signs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planFetch, planHealth, planInstall, planJob, type HealthFacts } from '../../../src/fleet/update-plan.js';

const VERSIONS = ['1.0.0', '1.1.0', '2.0.0'] as const;
const version = fc.constantFrom(...VERSIONS);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const healthFacts: fc.Arbitrary<HealthFacts> = fc
  .record({
    pending: maybe(
      fc.record({
        jobId: fc.constant('j1'),
        version,
        previous: version,
        rollback: fc.boolean(),
        attempts: fc.integer({ min: 0, max: 5 }),
        installedAt: fc.constant(0),
      }),
    ),
    running: version,
    broker: fc.boolean(),
    drawn: fc.boolean(),
    nowMs: fc.integer({ min: 0, max: 200_000 }),
    deadlineMs: fc.integer({ min: 0, max: 200_000 }),
    saleActive: fc.boolean(),
    committed: maybe(version),
    complete: fc.subarray([...VERSIONS]),
    snapshots: fc.subarray([...VERSIONS]),
    floor: maybe(version),
  })
  .map((r) => ({
    pending: r.pending,
    running: r.running,
    health: { brokerConnected: r.broker, displayDrawn: r.drawn },
    nowMs: r.nowMs,
    deadlineMs: r.deadlineMs,
    windowSec: 90,
    saleActive: r.saleActive,
    committed: r.committed,
    complete: new Set(r.complete),
    snapshots: new Set(r.snapshots),
    floor: r.floor,
  }));

describe('planHealth', () => {
  it('never rolls back while a sale is on screen', () => {
    fc.assert(
      fc.property(healthFacts, (f) => {
        fc.pre(f.saleActive);
        expect(planHealth(f).kind).not.toBe('rollback');
      }),
      { numRuns: 3000 },
    );
  });

  it('commits a healthy release at once, and only the release that is running and pending', () => {
    fc.assert(
      fc.property(healthFacts, (f) => {
        const d = planHealth(f);
        if (f.pending === undefined || f.pending.version !== f.running) expect(d.kind).toBe('none');
        else if (f.health.brokerConnected && f.health.displayDrawn) expect(d).toMatchObject({ kind: 'commit', version: f.running });
        else expect(d.kind).not.toBe('commit');
      }),
      { numRuns: 3000 },
    );
  });

  it('rolls back only past the deadline, to a complete release that is not the failing one, with its config when it has a snapshot', () => {
    fc.assert(
      fc.property(healthFacts, (f) => {
        const d = planHealth(f);
        if (d.kind !== 'rollback') return;
        expect(f.nowMs).toBeGreaterThanOrEqual(f.deadlineMs);
        expect(f.saleActive).toBe(false);
        if (d.to !== undefined) {
          expect(d.to).not.toBe(f.pending?.version);
          expect(f.complete.has(d.to)).toBe(true);
          expect(d.restoreConfig).toBe(f.snapshots.has(d.to));
          // The previous release when it is there, else the committed one.
          if (f.pending !== undefined && f.complete.has(f.pending.previous) && f.pending.previous !== f.pending.version) expect(d.to).toBe(f.pending.previous);
        } else {
          expect(d.restoreConfig).toBe(false);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('waits before the deadline with a recheck that never overshoots it', () => {
    fc.assert(
      fc.property(healthFacts, (f) => {
        const d = planHealth(f);
        if (d.kind === 'wait') {
          expect(f.nowMs).toBeLessThan(f.deadlineMs);
          expect(d.recheckMs).toBeGreaterThan(0);
          expect(d.recheckMs).toBeLessThanOrEqual(Math.min(1000, f.deadlineMs - f.nowMs));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a window run tick by tick ends in exactly one commit or one rollback, the rollback at an idle moment', () => {
    const tick = fc.record({ advance: fc.integer({ min: 1, max: 3000 }), broker: fc.boolean(), drawn: fc.boolean(), sale: fc.boolean() });
    fc.assert(
      fc.property(fc.array(tick, { minLength: 1, maxLength: 200 }), fc.boolean(), (ticks, everHealthy) => {
        let now = 0;
        const deadline = 90_000;
        const base: HealthFacts = {
          pending: { jobId: 'j', version: '2.0.0', previous: '1.0.0', rollback: false, attempts: 1, installedAt: 0 },
          running: '2.0.0',
          health: { brokerConnected: false, displayDrawn: false },
          nowMs: 0,
          deadlineMs: deadline,
          windowSec: 90,
          saleActive: false,
          committed: '1.0.0',
          complete: new Set(['1.0.0', '2.0.0']),
          snapshots: new Set(['1.0.0']),
          floor: '1.0.0',
        };
        const ends: string[] = [];
        for (const t of [...ticks, { advance: 100_000, broker: false, drawn: false, sale: false }]) {
          now += t.advance;
          const d = planHealth({
            ...base,
            nowMs: now,
            saleActive: t.sale,
            health: { brokerConnected: everHealthy && t.broker, displayDrawn: everHealthy && t.drawn },
          });
          if (d.kind === 'commit' || d.kind === 'rollback') {
            if (d.kind === 'rollback') expect(t.sale).toBe(false);
            ends.push(d.kind);
            break;
          }
        }
        expect(ends).toHaveLength(1);
        if (!everHealthy) expect(ends).toEqual(['rollback']);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('planInstall', () => {
  it("runs the new release's config check before anything is switched, and snapshots the running release's config", () => {
    fc.assert(
      fc.property(version, version, fc.boolean(), fc.boolean(), (target, running, rollback, hasConfigFile) => {
        const steps = planInstall({ job: { jobId: 'j1', version: target, rollback }, running, nowSec: 7, hasConfigFile });
        const kinds = steps.map((s) => s.kind);
        expect(kinds.at(-1)).toBe('restart');
        const iSwitch = kinds.indexOf('record-and-switch');
        expect(iSwitch).toBeGreaterThan(kinds.indexOf('wait-idle'));
        if (hasConfigFile) {
          expect(kinds.indexOf('check-config')).toBe(0);
          expect(steps[0]).toEqual({ kind: 'check-config', version: target });
          expect(steps.find((s) => s.kind === 'snapshot-config')).toEqual({ kind: 'snapshot-config', version: running });
          expect(kinds.indexOf('snapshot-config')).toBeLessThan(iSwitch);
        } else {
          expect(kinds).not.toContain('check-config');
        }
        expect(steps[iSwitch]).toMatchObject({ pending: { version: target, previous: running, rollback, attempts: 0 } });
      }),
    );
  });
});

describe('planJob', () => {
  const jobFacts = fc.record({
    job: fc.record({ jobId: fc.constantFrom('a', 'b', 'c'), version }),
    running: version,
    done: fc.subarray(['a', 'b', 'c']),
    activeJobId: maybe(fc.constantFrom('a', 'b', 'c')),
    pendingJobId: maybe(fc.constantFrom('a', 'b', 'c')),
    problem: maybe(fc.constant({ reason: 'downgrade' as const, detail: 'lower' })),
  });

  it('never runs a job it has finished or is running, and never runs one beside another', () => {
    fc.assert(
      fc.property(jobFacts, (f) => {
        const d = planJob(f);
        if (d.kind === 'run') {
          expect(f.done).not.toContain(f.job.jobId);
          expect(f.activeJobId).toBeUndefined();
          expect(f.pendingJobId).toBeUndefined();
          expect(f.problem).toBeUndefined();
          expect(f.job.version).not.toBe(f.running);
        }
        if (f.done.includes(f.job.jobId)) expect(d.kind).toBe('ignore');
      }),
      { numRuns: 2000 },
    );
  });

  it('fetches the application member only when the device has the signed runtime member, else the whole artifact', () => {
    const sha = fc.constantFrom('a'.repeat(64), 'b'.repeat(64));
    const rid = fc.constantFrom('node-22.23.5-linux-arm64', 'node-24.1.0-linux-arm64');
    fc.assert(
      fc.property(
        fc.record({ size: fc.integer({ min: 2, max: 10 ** 8 }), app: fc.integer({ min: 1, max: 10 ** 8 }), split: fc.boolean(), id: rid, sha }),
        maybe(fc.record({ id: rid, sha256: sha })),
        (j, installed) => {
          const appSize = Math.min(j.app, j.size - 1);
          const job = {
            size: j.size,
            sha256: 'f'.repeat(64),
            ...(j.split
              ? { app: { size: appSize, sha256: 'e'.repeat(64) }, runtime: { kind: 'bundled' as const, nodeAbi: 127, id: j.id, sha256: j.sha } }
              : { runtime: { kind: 'bundled' as const, nodeAbi: 127 } }),
          };
          const p = planFetch(job, installed);
          const reuse = j.split && installed?.id === j.id && installed.sha256 === j.sha;
          if (reuse) {
            expect(p).toEqual({ size: appSize, sha256: 'e'.repeat(64), layout: { kind: 'app', runtime: { id: j.id, sha256: j.sha } }, reuses: j.id });
            expect(p.size).toBeLessThan(j.size);
          } else {
            expect(p.size).toBe(j.size);
            expect(p.sha256).toBe('f'.repeat(64));
            expect(p.layout).toEqual(j.split ? { kind: 'split', appBytes: appSize, runtime: { id: j.id, sha256: j.sha } } : { kind: 'whole' });
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
