/**
 * Shared runtimes over a real Mosquitto (decision 0009): a till installed by device/install.sh
 * from a split artifact keeps its runtime in runtimes/<id>; an update with the same runtime
 * fetches only the application member over the chunked transfer (and over HTTPS with a Range
 * request); one with another runtime fetches everything; a rollback finds the runtime the
 * release it goes back to needs; and a runtime is removed once no kept release uses it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { bootCheck } from '../../../src/fleet/boot-check.js';
import { OperatorClient } from '../../../src/fleet/operator/operator-client.js';
import { signJob } from '../../../src/fleet/operator/sign.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { StreamServer } from '../../../src/fleet/stream-server.js';
import { streamRequestSchema, type UpdateJob } from '../../../src/link/contract-fleet.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { until } from '../../helpers/payment-kit.js';
import { ArtifactServer } from './https-server.js';
import { makeKey, Observer, startAgent, tempDir, TestHost, type DeviceSetup, type RunningAgent } from './fleet-kit.js';
import { makeSplitArtifact, type SplitArtifact } from './split-artifact.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
const BLOCK = 16_384;
const R1 = 'node-22.23.5-linux-test';
const R2 = 'node-24.11.0-linux-test';

interface Status {
  state: string;
  jobId?: string;
  version?: string;
  percent?: number;
  reason?: string;
  fetch?: { bytes: number; of: number; artifact: number; blocks?: number; runtime?: string };
}

describe('runtimes shared by the releases that use them', () => {
  let broker: Mosquitto;
  let https: ArtifactServer;
  let obs: Observer;
  let op: OperatorClient;
  let server: StreamServer;
  const release = makeKey();
  const running: RunningAgent[] = [];
  /** Blocks asked for, per device. */
  const asked = new Map<string, number[]>();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    https = await ArtifactServer.start();
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update/status']);
    op = await OperatorClient.connect({ url: broker.url });
    server = new StreamServer({ prefix: 'tillqr/v1', publish: (t, p) => void op.publish(t, p, false).catch(() => undefined) });
    op.onMessage((t, p) => {
      const r = streamRequestSchema.safeParse(JSON.parse(p.toString('utf8')));
      const id = t.split('/')[2] ?? '';
      if (r.ok) asked.set(id, [...(asked.get(id) ?? []), ...r.value.blocks]);
      server.handle(t, p);
    });
    await op.subscribe([server.subscription]);
  });
  afterAll(async () => {
    for (const r of running) await r.stop().catch(() => undefined);
    await op?.close();
    await obs?.close();
    await https?.close();
    await broker?.close();
  });

  /** A till installed by device/install.sh (into a fake root) from the split artifact `first`. */
  async function till(id: string, first: SplitArtifact, fleet: Record<string, unknown> = {}): Promise<DeviceSetup> {
    const root = await tempDir('tillqr-root-');
    await mkdir(join(root, 'boot/firmware'), { recursive: true });
    await writeFile(join(root, 'boot/firmware/config.txt'), '');
    await run('bash', [join(REPO, 'device/install.sh'), first.path], { env: { ...process.env, ROOT: root } });
    return {
      deviceId: id,
      url: broker.url,
      stateDir: await tempDir(),
      releaseRoot: join(root, 'opt/tillqr'),
      releaseKeys: [release],
      fleet: { blockSize: BLOCK, blockWindow: 8, artifactCaFile: https.caFile, ...fleet },
    };
  }

  const topic = (id: string) => `tillqr/v1/${id}/update/status`;
  const ofJob = (id: string, jobId: string) => obs.json<Status>(topic(id)).filter((m) => m.jobId === jobId);
  const untilJob = (id: string, jobId: string, states: string[]) =>
    obs.until<Status>(topic(id), (m) => states.includes(m.filter((x) => x.jobId === jobId).at(-1)?.state ?? ''), 60_000);
  const runtimes = async (s: DeviceSetup) => (await readdir(join(s.releaseRoot, 'runtimes'))).filter((n) => !n.startsWith('.')).sort();
  const runtimeOf = (s: DeviceSetup, v: string) => readlink(join(s.releaseRoot, 'releases', v, 'runtime'));

  /** Publish a signed job for `art`, wait until the agent restarts into it; returns the job and its last download status. */
  async function push(s: DeviceSetup, art: SplitArtifact, via: 'stream' | 'https' = 'stream'): Promise<{ job: UpdateJob; fetched: Status['fetch'] }> {
    const where = via === 'stream' ? { stream: `s-${art.version}` } : { url: https.url(`/${art.version}.tar.gz`) };
    server.add(`s-${art.version}`, art.bytes);
    https.files.set(`/${art.version}.tar.gz`, art.bytes);
    const { token, job } = await signJob(art.path, { version: art.version, from: ['*'], ttlSec: 600, ...where }, release);
    await obs.publish(`tillqr/v1/${s.deviceId}/update`, token);
    const m = await untilJob(s.deviceId, job.jobId, ['restarting', 'failed']);
    expect(m.filter((x) => x.jobId === job.jobId).at(-1), JSON.stringify(m.slice(-3))).toMatchObject({ state: 'restarting' });
    const downloads = ofJob(s.deviceId, job.jobId).filter((x) => x.state === 'downloading');
    return { job, fetched: downloads.at(-1)?.fetch };
  }

  /** systemd restarts the daemon: the boot check, then the new release, healthy or not. */
  async function restart(s: DeviceSetup, a: RunningAgent, version: string, healthy = true): Promise<{ a: RunningAgent; clock?: FakeClock; host: TestHost }> {
    await a.stop();
    await bootCheck({ releases: new ReleaseDir(s.releaseRoot), stateDir: s.stateDir, maxBootAttempts: 3, nowSec: 0, logger: silentLogger });
    const host = new TestHost(version);
    if (healthy) {
      const b = await startAgent(s, host);
      running.push(b);
      return { a: b, host };
    }
    host.healthy = { brokerConnected: true, displayDrawn: false };
    const clock = new FakeClock(Date.now());
    const b = await startAgent(s, host, clock);
    running.push(b);
    return { a: b, clock, host };
  }

  it('fetches only the application member when the runtime did not change, everything when it did; rollback and pruning keep what a kept release needs', async () => {
    const [n0, n1, n2, n3, n4] = await Promise.all([
      makeSplitArtifact('1.0.0', { runtimeId: R1 }),
      makeSplitArtifact('1.1.0', { runtimeId: R1 }),
      makeSplitArtifact('1.2.0', { runtimeId: R2 }),
      makeSplitArtifact('1.3.0', { runtimeId: R2 }),
      makeSplitArtifact('1.4.0', { runtimeId: R2 }),
    ]);
    if (n0 === undefined || n1 === undefined || n2 === undefined || n3 === undefined || n4 === undefined) throw new Error('no artifacts');
    const id = 'till-shared-rt';
    const s = await till(id, n0, { keepReleases: 2 });
    // install.sh put the runtime in the shared place, with the member it came from.
    expect(await runtimeOf(s, '1.0.0')).toBe(`../../runtimes/${R1}`);
    expect(JSON.parse(await readFile(join(s.releaseRoot, 'runtimes', R1, 'installed-from.json'), 'utf8'))).toEqual({ id: R1, sha256: n0.runtime.sha256 });
    let a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);

    // N -> N+1, the same runtime: the application member only.
    const u1 = await push(s, n1);
    expect(u1.job.app).toEqual({ size: n1.app.bytes, sha256: n1.app.sha256 });
    expect(u1.job.runtime).toMatchObject({ id: R1, sha256: n1.runtime.sha256 });
    const appBlocks = Math.ceil(n1.app.bytes / BLOCK);
    expect(u1.fetched).toEqual({ bytes: n1.app.bytes, of: n1.app.bytes, artifact: n1.bytes.length, blocks: appBlocks, runtime: R1 });
    expect(appBlocks * BLOCK).toBeLessThan(n1.bytes.length);
    expect(Math.max(...(asked.get(id) ?? [Infinity]))).toBe(appBlocks - 1); // no block of the runtime member was asked for
    expect(await runtimeOf(s, '1.1.0')).toBe(`../../runtimes/${R1}`);
    ({ a } = await restart(s, a, '1.1.0'));
    await untilJob(id, u1.job.jobId, ['succeeded']);

    // N+1 -> N+2, another runtime: everything; the new release is not healthy and goes back to N+1.
    asked.delete(id);
    const u2 = await push(s, n2);
    expect(u2.fetched).toEqual({ bytes: n2.bytes.length, of: n2.bytes.length, artifact: n2.bytes.length, blocks: Math.ceil(n2.bytes.length / BLOCK) });
    expect(await runtimeOf(s, '1.2.0')).toBe(`../../runtimes/${R2}`);
    expect(await runtimes(s)).toEqual([R1, R2].sort());
    const sick = await restart(s, a, '1.2.0', false);
    sick.clock?.advance(11_000);
    await untilJob(id, u2.job.jobId, ['rolled_back']);
    expect(sick.host.restarts).toEqual(['rollback from 1.2.0']);
    const releases = new ReleaseDir(s.releaseRoot);
    expect(await releases.linkVersion('current')).toBe('1.1.0');
    // The release gone back to finds its runtime.
    expect(existsSync(join(s.releaseRoot, 'current', 'runtime', 'bin', 'node'))).toBe(true);
    expect(await runtimes(s)).toEqual([R1, R2].sort());
    ({ a } = await restart(s, sick.a, '1.1.0'));

    // 1.1.0 -> 1.3.0 on R2, which the failed 1.2.0 installed from the very member signed now: the application member only.
    const u3 = await push(s, n3);
    expect(u3.fetched).toMatchObject({ of: n3.app.bytes, runtime: R2 });
    ({ a } = await restart(s, a, '1.3.0'));
    await untilJob(id, u3.job.jobId, ['succeeded']);
    const b = a;
    await until(() => b.log.lines.some((l) => l.includes('removed old releases')), 20_000, 'the prune after the commit');
    // Pruned to two releases (1.3.0 and the previous 1.1.0): R1 stays for 1.1.0, a rollback target.
    expect((await releases.versions()).sort()).toEqual(['1.1.0', '1.3.0']);
    expect(await runtimes(s)).toEqual([R1, R2].sort());

    // 1.3.0 -> 1.4.0: 1.1.0 is pruned, and with it the last release that used R1.
    const u4 = await push(s, n4);
    expect(u4.fetched).toMatchObject({ of: n4.app.bytes, runtime: R2 });
    ({ a } = await restart(s, a, '1.4.0'));
    await untilJob(id, u4.job.jobId, ['succeeded']);
    const c = a;
    await until(() => c.log.lines.some((l) => l.includes('removed old releases')), 20_000, 'the prune after the commit');
    expect((await releases.versions()).sort()).toEqual(['1.3.0', '1.4.0']);
    expect(await runtimes(s)).toEqual([R2]);
    expect(a.log.lines.some((l) => l.includes('removed runtimes no kept release uses') && l.includes(R1))).toBe(true);
  }, 180_000);

  it('over HTTPS, asks for the application member with a Range request; from a server that ignores ranges it keeps that prefix', async () => {
    const [n0, n1, n2] = await Promise.all([
      makeSplitArtifact('1.0.0', { runtimeId: R1 }),
      makeSplitArtifact('1.1.0', { runtimeId: R1 }),
      makeSplitArtifact('1.2.0', { runtimeId: R1 }),
    ]);
    if (n0 === undefined || n1 === undefined || n2 === undefined) throw new Error('no artifacts');
    const s = await till('till-shared-https', n0);
    let a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);
    const u1 = await push(s, n1, 'https');
    expect(u1.fetched).toMatchObject({ bytes: n1.app.bytes, of: n1.app.bytes, runtime: R1 });
    expect(https.requests.filter((r) => r.path === '/1.1.0.tar.gz').map((r) => r.range)).toEqual([`bytes=0-${n1.app.bytes - 1}`]);
    expect(await runtimeOf(s, '1.1.0')).toBe(`../../runtimes/${R1}`);
    ({ a } = await restart(s, a, '1.1.0'));
    await untilJob(s.deviceId, u1.job.jobId, ['succeeded']);

    https.noRanges.add('/1.2.0.tar.gz');
    const u2 = await push(s, n2, 'https');
    expect(u2.fetched).toMatchObject({ bytes: n2.app.bytes, of: n2.app.bytes, runtime: R1 });
    expect(existsSync(join(s.releaseRoot, 'releases/1.2.0/dist/notes.txt'))).toBe(true);
  }, 120_000);

  it('a device without the runtime, or with it from another member, fetches everything; the latter keeps its own copy', async () => {
    const n0 = await makeSplitArtifact('1.0.0', { runtimeId: R1 });
    const n1 = await makeSplitArtifact('1.1.0', { runtimeId: R1, runtimeBlobBytes: 250_000 }); // the same id, other bytes
    const s = await till('till-shared-conflict', n0);
    const a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);
    const u1 = await push(s, n1);
    expect(n1.runtime.sha256).not.toBe(n0.runtime.sha256);
    expect(u1.fetched).toMatchObject({ of: n1.bytes.length });
    expect(u1.fetched?.runtime).toBeUndefined();
    // The shared R1 is the one 1.0.0 runs on, untouched; 1.1.0 carries its own.
    expect(JSON.parse(await readFile(join(s.releaseRoot, 'runtimes', R1, 'installed-from.json'), 'utf8'))).toMatchObject({ sha256: n0.runtime.sha256 });
    await expect(runtimeOf(s, '1.1.0')).rejects.toMatchObject({ code: 'EINVAL' });
    expect(existsSync(join(s.releaseRoot, 'releases/1.1.0/runtime/lib/blob'))).toBe(true);
    expect((await readFile(join(s.releaseRoot, 'releases/1.1.0/runtime/lib/blob'))).length).toBe(250_000);
  }, 120_000);
});
