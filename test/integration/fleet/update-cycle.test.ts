import { randomBytes } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { bootCheck } from '../../../src/fleet/boot-check.js';
import { signJob, type JobSpec } from '../../../src/fleet/operator/sign.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { loadUpdateState } from '../../../src/fleet/update-state.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { ArtifactServer } from './https-server.js';
import { installFirst, makeArtifact, makeKey, Observer, startAgent, states, tempDir, TestHost, type DeviceSetup, type RunningAgent } from './fleet-kit.js';

interface Status {
  state: string;
  jobId?: string;
  version?: string;
  reason?: string;
  percent?: number;
  current: string;
}

describe('software update over a real Mosquitto and a local HTTPS server', () => {
  let broker: Mosquitto;
  let https: ArtifactServer;
  let obs: Observer;
  const release = makeKey();
  const fleet = makeKey();
  const backend = makeKey();
  let artifact110: string;
  const running: RunningAgent[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    https = await ArtifactServer.start();
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update/status']);
    artifact110 = await makeArtifact('1.1.0', { 'dist/extra/notes.txt': randomBytes(150_000).toString('base64') });
    https.files.set('/tillqr-1.1.0.tar.gz', await readFile(artifact110));
  });
  afterAll(async () => {
    for (const r of running) await r.stop().catch(() => undefined);
    await obs?.close();
    await https?.close();
    await broker?.close();
  });

  async function device(
    id: string,
    version = '1.0.0',
    host = new TestHost(version),
    clock?: FakeClock,
    dirs?: { stateDir: string; releaseRoot: string },
  ): Promise<{ s: DeviceSetup; a: RunningAgent }> {
    const d = dirs ?? { stateDir: await tempDir(), releaseRoot: await tempDir('tillqr-opt-') };
    if (dirs === undefined) await installFirst(d.releaseRoot, '1.0.0');
    const s: DeviceSetup = {
      deviceId: id,
      url: broker.url,
      ...d,
      releaseKeys: [release],
      fleetKeys: [fleet],
      backendKeys: [backend],
      fleet: { artifactCaFile: https.caFile },
    };
    const a = await startAgent(s, host, clock);
    running.push(a);
    return { s, a };
  }

  const statusTopic = (id: string) => `tillqr/v1/${id}/update/status`;
  const job = (spec: Partial<JobSpec> = {}, key = release) =>
    signJob(artifact110, { version: '1.1.0', from: ['1.0.x'], url: https.url('/tillqr-1.1.0.tar.gz'), ttlSec: 600, ...spec }, key);
  const final = (id: string) => obs.until<Status>(statusTopic(id), (m) => ['succeeded', 'failed', 'rejected', 'rolled_back'].includes(m.at(-1)?.state ?? ''));

  it('waits for the sale to end, downloads, verifies, installs, restarts, and commits once healthy', async () => {
    const id = 'till-cycle';
    const host = new TestHost('1.0.0');
    host.sale = true;
    const { s, a } = await device(id, '1.0.0', host);
    const { token, job: j } = await job();
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(statusTopic(id), (m) => m.some((x) => x.state === 'queued'));
    // A sale is on screen: nothing is downloaded until it ends.
    await new Promise((r) => setTimeout(r, 300));
    expect(https.requests.filter((r) => r.path === '/tillqr-1.1.0.tar.gz')).toHaveLength(0);
    expect(states(obs.json<Status>(statusTopic(id)))).toEqual(['queued']);
    host.endSale();
    await obs.until<Status>(statusTopic(id), (m) => m.at(-1)?.state === 'restarting');
    expect(host.restarts).toEqual(['update to 1.1.0']);
    const releases = new ReleaseDir(s.releaseRoot);
    expect(await releases.linkVersion('current')).toBe('1.1.0');
    expect(await releases.linkVersion('committed')).toBe('1.0.0');
    expect(await readFile(join(s.releaseRoot, 'releases/1.1.0/dist/extra/notes.txt'), 'utf8')).toHaveLength(200_000);
    expect((await loadUpdateState(s.stateDir)).pending).toMatchObject({ jobId: j.jobId, version: '1.1.0', previous: '1.0.0' });
    const seen = obs.json<Status>(statusTopic(id));
    expect(states(seen)).toEqual(['queued', 'downloading', 'verifying', 'installing', 'restarting']);
    expect(seen.filter((x) => x.state === 'downloading').map((x) => x.percent)).toContain(100);

    // systemd restarts the daemon: the boot check (from the committed release), then the new release.
    await a.stop();
    expect((await bootCheck({ releases, stateDir: s.stateDir, maxBootAttempts: 3, nowSec: 0, logger: silentLogger })).action).toBe('counted');
    await device(id, '1.1.0', new TestHost('1.1.0'), undefined, { stateDir: s.stateDir, releaseRoot: s.releaseRoot });
    const done = await final(id);
    expect(done.at(-1)).toMatchObject({ state: 'succeeded', jobId: j.jobId, version: '1.1.0', current: '1.1.0' });
    expect(await releases.linkVersion('committed')).toBe('1.1.0');
    const st = await loadUpdateState(s.stateDir);
    expect(st.pending).toBeUndefined();
    expect(st.floor).toBe('1.1.0');
    expect(st.done).toContain(j.jobId);
  });

  it('stop() ends a job that waits for a sale: nothing is fetched or recorded after it resolves', async () => {
    const id = 'till-stop-waiting';
    const host = new TestHost('1.0.0');
    host.sale = true;
    const { s, a } = await device(id, '1.0.0', host);
    const { token } = await job({ url: https.url('/tillqr-1.1.0.tar.gz?stop-waiting') });
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(statusTopic(id), (m) => m.some((x) => x.state === 'queued'));
    await a.stop();
    // The job has let go by the time stop() resolves: the sale ending afterwards starts nothing.
    expect(a.log.lines.some((l) => l.includes('stopped during an update; it resumes at the next start'))).toBe(true);
    host.endSale();
    expect(https.requests.filter((r) => r.path.includes('stop-waiting'))).toHaveLength(0);
    expect((await loadUpdateState(s.stateDir)).last).toBeUndefined();
  });

  it('rolls back by itself when the new release is not healthy within the health window', async () => {
    const id = 'till-unhealthy';
    const { s, a } = await device(id);
    const { token } = await job();
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(statusTopic(id), (m) => m.at(-1)?.state === 'restarting');
    await a.stop();
    const releases = new ReleaseDir(s.releaseRoot);
    await bootCheck({ releases, stateDir: s.stateDir, maxBootAttempts: 3, nowSec: 0, logger: silentLogger });
    const clock = new FakeClock(Date.now());
    const host = new TestHost('1.1.0');
    host.healthy = { brokerConnected: true, displayDrawn: false };
    await device(id, '1.1.0', host, clock, { stateDir: s.stateDir, releaseRoot: s.releaseRoot });
    clock.advance(5_000);
    expect(host.restarts).toEqual([]);
    clock.advance(6_000);
    const done = await final(id);
    expect(done.at(-1)).toMatchObject({ state: 'rolled_back', reason: 'health_window', version: '1.1.0' });
    expect(host.restarts).toEqual(['rollback from 1.1.0']);
    expect(await releases.linkVersion('current')).toBe('1.0.0');
    expect(await releases.linkVersion('committed')).toBe('1.0.0');
    expect((await loadUpdateState(s.stateDir)).pending).toBeUndefined();
  });

  it('refuses a tampered artifact (SHA-256), and keeps the running release', async () => {
    const id = 'till-tampered';
    const { s } = await device(id);
    const bytes = Buffer.from(await readFile(artifact110));
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    https.files.set('/tampered.tar.gz', bytes);
    const { token } = await job({ url: https.url('/tampered.tar.gz') });
    await obs.publish(`tillqr/v1/${id}/update`, token);
    expect((await final(id)).at(-1)).toMatchObject({ state: 'failed', reason: 'sha256_mismatch' });
    expect(await new ReleaseDir(s.releaseRoot).linkVersion('current')).toBe('1.0.0');
    expect(await new ReleaseDir(s.releaseRoot).versions()).toEqual(['1.0.0']);
  });

  it('refuses a bad signature, a backend key, a fleet key, a downgrade and an expired job; takes a signed rollback', async () => {
    const cases: [string, () => Promise<string>, string][] = [
      ['till-badsig', async () => flipSignature((await job()).token), 'bad_signature'],
      ['till-backendkey', async () => (await job({}, backend)).token, 'unknown_kid'],
      ['till-fleetkey', async () => (await job({}, fleet)).token, 'unknown_kid'],
      [
        'till-downgrade',
        async () => (await signJob(await makeArtifact('0.9.0'), { version: '0.9.0', from: ['*'], url: https.url('/x'), ttlSec: 600 }, release)).token,
        'downgrade',
      ],
      ['till-expired', async () => (await job({ nowSec: Math.floor(Date.now() / 1000) - 7200, ttlSec: 600 })).token, 'expired'],
      ['till-fromversion', async () => (await job({ from: ['2.x'] })).token, 'wrong_from_version'],
    ];
    for (const [id, make, reason] of cases) {
      const { s } = await device(id);
      await obs.publish(`tillqr/v1/${id}/update`, await make());
      expect((await final(id)).at(-1), id).toMatchObject({ state: 'rejected', reason });
      expect(await new ReleaseDir(s.releaseRoot).linkVersion('current')).toBe('1.0.0');
    }
    // The same downgrade, signed as a rollback, is taken.
    const id = 'till-rollback';
    await device(id);
    const art = await makeArtifact('0.9.0');
    https.files.set('/tillqr-0.9.0.tar.gz', await readFile(art));
    const { token } = await signJob(art, { version: '0.9.0', from: ['*'], url: https.url('/tillqr-0.9.0.tar.gz'), ttlSec: 600, rollback: true }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(statusTopic(id), (m) => m.at(-1)?.state === 'restarting');
  });

  it('resumes an HTTPS download that broke off (Range request) and installs it', async () => {
    const id = 'till-resume';
    const { s } = await device(id);
    https.files.set('/cut.tar.gz', await readFile(artifact110));
    https.cutAfter.set('/cut.tar.gz', 50_000);
    const { token } = await job({ url: https.url('/cut.tar.gz') });
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(statusTopic(id), (m) => m.at(-1)?.state === 'restarting');
    const reqs = https.requests.filter((r) => r.path === '/cut.tar.gz');
    expect(reqs).toHaveLength(2);
    expect(reqs[0]?.range).toBeUndefined();
    const from = Number(/^bytes=(\d+)-$/.exec(reqs[1]?.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(50_000);
    expect(await new ReleaseDir(s.releaseRoot).linkVersion('current')).toBe('1.1.0');
  });
});

describe('release links', () => {
  it('switches a link with rename(2): the link is never missing', async () => {
    const root = await tempDir();
    await installFirst(root, '1.0.0');
    const r = new ReleaseDir(root);
    await r.switchLink('current', '2.0.0');
    expect(await readlink(join(root, 'current'))).toBe('releases/2.0.0');
  });
});

/** Change one character in the middle of the signature (still canonical base64url). */
function flipSignature(token: string): string {
  const i = token.length - 20;
  const c = token[i] === 'A' ? 'B' : 'A';
  return token.slice(0, i) + c + token.slice(i + 1);
}
