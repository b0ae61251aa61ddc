import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobProblem } from '../../../src/fleet/job-check.js';
import { compareVersions, fromAllows, isVersion } from '../../../src/fleet/semver.js';
import { planBatches, progressLine, runRollout } from '../../../src/fleet/operator/rollout.js';
import { updateJobSchema, type UpdateJob, type UpdateStatus } from '../../../src/link/contract-fleet.js';

describe('versions', () => {
  it('orders by SemVer precedence', () => {
    const ordered = ['0.9.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0'];
    for (let i = 0; i + 1 < ordered.length; i++) expect(compareVersions(ordered[i] ?? '', ordered[i + 1] ?? ''), `${ordered[i]} < ${ordered[i + 1]}`).toBe(-1);
    expect(isVersion('1.2')).toBe(false);
    expect(isVersion('01.2.3')).toBe(false);
    expect(isVersion('1.2.3/../x')).toBe(false);
  });

  it('is antisymmetric and transitive on generated versions', () => {
    const v = fc
      .tuple(fc.nat(20), fc.nat(20), fc.nat(20), fc.option(fc.constantFrom('alpha', 'beta.1', 'rc.2', '1')))
      .map(([a, b, c, p]) => `${a}.${b}.${c}${p === null ? '' : `-${p}`}`);
    fc.assert(
      fc.property(v, v, v, (a, b, c) => {
        // As a sum: for a === b the negation is -0, which toBe (Object.is) tells from 0.
        expect(compareVersions(a, b) + compareVersions(b, a)).toBe(0);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('is strict SemVer without build metadata, so two versions that compare equal are the same string (one directory)', () => {
    // Build metadata is ignored by precedence: 1.2.3+a and 1.2.3+b would be "equal" yet name two directories.
    for (const v of [
      '1.2.3+build.5',
      '1.0.0+x',
      '1.0.0-rc.1+sha.5114f85',
      '1.0.0-01',
      '1.0.0-rc.01',
      '1.0.0-alpha.007',
      '1.0.0-',
      '1.0.0-a..b',
      `1.0.0-${'a'.repeat(60)}`,
    ]) {
      expect(isVersion(v), v).toBe(false);
    }
    for (const v of ['0.0.0', '1.0.0-0', '1.0.0-0a', '1.0.0-01a', '1.0.0-alpha.0', '1.0.0-x-y.--', '1.0.0-rc.10', '999999999.0.0'])
      expect(isVersion(v), v).toBe(true);
    // Numeric identifiers beyond 2^53 still compare exactly.
    expect(compareVersions('1.0.0-9007199254740993', '1.0.0-9007199254740992')).toBe(1);
    expect(compareVersions('1.0.0-10', '1.0.0-9')).toBe(1);
    const part = fc.constantFrom('0', '1', '01', '9007199254740993', '9007199254740992', 'a', '0a', 'x-y', '+b', '+0');
    const v = fc
      .tuple(fc.constantFrom('1.0.0', '1.0.00', '2.0.0'), fc.array(part, { maxLength: 3 }), fc.option(fc.constantFrom('+b', '+1.2')))
      .map(([c, pre, build]) => `${c}${pre.length > 0 ? `-${pre.join('.')}` : ''}${build ?? ''}`);
    fc.assert(
      fc.property(v, v, (a, b) => {
        if (!isVersion(a) || !isVersion(b)) return;
        expect(compareVersions(a, b) === 0, `${a} vs ${b}`).toBe(a === b);
      }),
      { numRuns: 2000 },
    );
  });

  it('the update job schema takes only strict versions (version and from)', () => {
    const body = { typ: 'update', jobId: 'j1', version: '1.2.0', from: ['*'], size: 10, sha256: 'a'.repeat(64), url: 'https://x/y', iat: 0, exp: 10 };
    expect(updateJobSchema.safeParse(body).ok).toBe(true);
    for (const version of ['1.2.0+build', '1.2.0-01', '1.2.0-rc.01']) expect(updateJobSchema.safeParse({ ...body, version }).ok, version).toBe(false);
    for (const from of ['1.1.0+build', '1.1.0-01', 'garbage..', '1.x'])
      expect(updateJobSchema.safeParse({ ...body, from: [from] }).ok, from).toBe(from === '1.x');
  });

  it('the update job schema takes app, runtime.id and runtime.sha256 together, for a bundled runtime, app shorter than the artifact', () => {
    const body = { typ: 'update', jobId: 'j1', version: '1.2.0', from: ['*'], size: 100, sha256: 'a'.repeat(64), url: 'https://x/y', iat: 0, exp: 10 };
    const runtime = { kind: 'bundled', node: '22.23.5', nodeAbi: 127, id: 'node-22.23.5-linux-arm64', sha256: 'b'.repeat(64) };
    const app = { size: 40, sha256: 'c'.repeat(64) };
    expect(updateJobSchema.safeParse({ ...body, runtime, app }).ok).toBe(true);
    expect(updateJobSchema.safeParse({ ...body, runtime: { kind: 'bundled', node: '22.23.5', nodeAbi: 127 } }).ok).toBe(true);
    expect(updateJobSchema.safeParse({ ...body, runtime }).ok).toBe(false);
    expect(updateJobSchema.safeParse({ ...body, runtime: { ...runtime, sha256: undefined }, app }).ok).toBe(false);
    expect(updateJobSchema.safeParse({ ...body, runtime: { ...runtime, kind: 'system', nodeMajor: 20 }, app }).ok).toBe(false);
    expect(updateJobSchema.safeParse({ ...body, runtime, app: { ...app, size: 100 } }).ok).toBe(false);
    for (const id of ['../x', 'a/b', '.hidden', '', 'Node-22'])
      expect(updateJobSchema.safeParse({ ...body, runtime: { ...runtime, id }, app }).ok, id).toBe(false);
  });

  it('matches from-versions', () => {
    expect(fromAllows(['*'], '3.1.4')).toBe(true);
    expect(fromAllows(['1.2.x'], '1.2.9')).toBe(true);
    expect(fromAllows(['1.2.x'], '1.3.0')).toBe(false);
    expect(fromAllows(['1.x'], '1.9.0')).toBe(true);
    expect(fromAllows(['1.x'], '1.9.0-rc.1')).toBe(false);
    expect(fromAllows(['1.0.0', '1.0.1'], '1.0.1')).toBe(true);
  });
});

const job = (o: Partial<UpdateJob> = {}): UpdateJob => ({
  typ: 'update',
  jobId: 'j',
  version: '1.2.0',
  from: ['*'],
  size: 10,
  sha256: 'a'.repeat(64),
  url: 'https://x/y',
  rollback: false,
  iat: 0,
  exp: 10,
  ...o,
});

describe('job checks after the signature', () => {
  const ctx = { deviceId: 'd1', current: '1.1.0', floor: '1.1.0', updates: true, maxBytes: 100, host: { arch: 'arm64', systemNodeAbi: 115 } } as const;
  it('anti-rollback: lower than the highest committed version only when signed as a rollback', () => {
    expect(jobProblem(job({ version: '1.0.0' }), ctx)?.reason).toBe('downgrade');
    expect(jobProblem(job({ version: '1.0.0', rollback: true }), ctx)).toBeUndefined();
    // The floor counts even when the running version is lower (after a signed rollback it is lowered by the commit, not before).
    expect(jobProblem(job({ version: '1.1.5' }), { ...ctx, current: '1.0.0', floor: '1.2.0' })?.reason).toBe('downgrade');
    expect(jobProblem(job({ version: '1.2.0' }), ctx)).toBeUndefined();
  });
  it('audience, updates off, from-version, size', () => {
    expect(jobProblem(job({ aud: ['d2'] }), ctx)?.reason).toBe('wrong_audience');
    expect(jobProblem(job({ aud: ['d1'] }), ctx)).toBeUndefined();
    expect(jobProblem(job(), { ...ctx, updates: false })?.reason).toBe('updates_disabled');
    expect(jobProblem(job({ from: ['1.0.x'] }), ctx)?.reason).toBe('wrong_from_version');
    expect(jobProblem(job({ size: 101 }), ctx)?.reason).toBe('too_large');
  });
});

describe('rollout', () => {
  it('plans batches by percentage, at least one device each', () => {
    expect(planBatches(['a', 'b', 'c', 'd', 'e'], 40).map((b) => b.length)).toEqual([2, 2, 1]);
    expect(planBatches(['a', 'b', 'c'], 1).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(planBatches([], 10)).toEqual([]);
  });

  function fakeIo(outcome: (id: string) => UpdateStatus['state']) {
    let cb: ((id: string, s: UpdateStatus) => void) | undefined;
    const published: string[] = [];
    let t = 0;
    return {
      published,
      io: {
        publishJob: (id: string) => {
          published.push(id);
          queueMicrotask(() => cb?.(id, { jobId: 'j', version: '1.2.0', state: outcome(id), current: '1.1.0', at: 0 }));
          return Promise.resolve();
        },
        onStatus: (f: (id: string, s: UpdateStatus) => void) => {
          cb = f;
          return () => (cb = undefined);
        },
        sleep: () => new Promise<void>((r) => setTimeout(r, 1)),
        now: () => (t += 100),
      },
    };
  }

  it('goes batch by batch and stops when the failures pass the threshold', async () => {
    const devices = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const f = fakeIo((id) => (id === 'd0' || id === 'd1' || id === 'd2' ? 'rolled_back' : 'succeeded'));
    const lines: string[] = [];
    const r = await runRollout(job(), devices, {
      batchPercent: 20,
      abortPercent: 20,
      batchTimeoutMs: 10_000,
      io: f.io,
      progress: (p) => lines.push(progressLine(p)),
    });
    expect(r.aborted).toBe(true);
    expect(f.published).toEqual(['d0', 'd1']);
    expect(r.skipped).toHaveLength(8);
    expect(r.failed.map((x) => x.why)).toEqual(['rolled_back', 'rolled_back']);
    expect(lines.at(-1)).toMatch(/^batch 1\/5 \[/);
  });

  it('completes when failures stay under the threshold, and counts a silent device as failed after the batch timeout', async () => {
    const devices = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const f = fakeIo((id) => (id === 'd9' ? 'downloading' : 'succeeded'));
    const r = await runRollout(job(), devices, { batchPercent: 50, abortPercent: 20, batchTimeoutMs: 1000, io: f.io, progress: () => undefined });
    expect(r.aborted).toBe(false);
    expect(r.succeeded).toHaveLength(9);
    expect(r.failed).toEqual([{ deviceId: 'd9', why: 'timed out while downloading' }]);
  });
});

describe('job checks: architecture and runtime, before anything is downloaded', () => {
  const ctx = { deviceId: 'd1', current: '1.1.0', floor: '1.1.0', updates: true, maxBytes: 100, host: { arch: 'arm64', systemNodeAbi: 115 } } as const;
  it('refuses a job for another architecture, saying which artifact to take', () => {
    const p = jobProblem(job({ arch: 'armhf' }), ctx);
    expect(p?.reason).toBe('incompatible');
    expect(p?.detail).toMatch(/the release is for armhf; this device is arm64 \(take tillqr-<version>-linux-arm64\.tar\.gz\)/);
    expect(jobProblem(job({ arch: 'arm64' }), ctx)).toBeUndefined();
  });
  it('refuses a system-runtime job whose ABI /usr/bin/node does not have; a bundled runtime needs none', () => {
    expect(jobProblem(job({ arch: 'arm64', runtime: { kind: 'system', nodeMajor: 20, nodeAbi: 115 } }), ctx)).toBeUndefined();
    expect(jobProblem(job({ runtime: { kind: 'system', nodeMajor: 22, nodeAbi: 127 } }), ctx)?.detail).toMatch(
      /built for the system Node\.js 22 \(ABI 127\); \/usr\/bin\/node here has ABI 115/,
    );
    expect(
      jobProblem(job({ runtime: { kind: 'system', nodeMajor: 20, nodeAbi: 115 } }), { ...ctx, host: { arch: 'arm64', systemNodeAbi: undefined } })?.detail,
    ).toMatch(/this device has none/);
    expect(
      jobProblem(job({ runtime: { kind: 'bundled', node: '22.23.5', nodeAbi: 127 } }), { ...ctx, host: { arch: 'arm64', systemNodeAbi: undefined } }),
    ).toBeUndefined();
  });
  it('takes a job that names neither (a development tree)', () => {
    expect(jobProblem(job(), ctx)).toBeUndefined();
  });
});
