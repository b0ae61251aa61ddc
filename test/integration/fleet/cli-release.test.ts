/**
 * `tillqr fleet release sign|publish` and `tillqr fleet serve`, end to end: the CLI signs a job
 * for a real artifact, publishes it on a real Mosquitto, and real fleet agents download it (from a
 * local HTTPS server or in chunks over MQTT from the CLI itself), install it, restart and commit.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekJob } from '../../../src/fleet/operator/sign.js';
import { exited, helperPath, spawnTs } from '../../helpers/child.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { FleetDevice } from './fleet-device.js';
import { makeArtifact, Observer, tempDir } from './fleet-kit.js';
import { ArtifactServer } from './https-server.js';
import { fleetCli, interruptor, keyFile } from './operator-kit.js';

interface Status {
  state: string;
  jobId?: string;
  version?: string;
  reason?: string;
  current: string;
}

const FINAL = ['succeeded', 'failed', 'rejected', 'rolled_back'];

describe('tillqr fleet release sign|publish and serve', () => {
  let broker: Mosquitto;
  let https: ArtifactServer;
  let obs: Observer;
  let env: NodeJS.ProcessEnv;
  let releaseKey: Awaited<ReturnType<typeof keyFile>>;
  let fleetKey: Awaited<ReturnType<typeof keyFile>>;
  let artifact: string;
  let dir: string;
  const devices: FleetDevice[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    https = await ArtifactServer.start();
    env = { TILLQR_FLEET_URL: broker.url };
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update/status', 'tillqr/v1/+/config/reported']);
    [releaseKey, fleetKey] = await Promise.all([keyFile('release'), keyFile('fleet')]);
    artifact = await makeArtifact('1.1.0', { 'dist/blob.txt': randomBytes(120_000).toString('base64') });
    https.files.set('/tillqr-1.1.0.tar.gz', await readFile(artifact));
    dir = await tempDir('tillqr-jobs-');
  });
  afterAll(async () => {
    for (const d of devices) await d.stop();
    await obs?.close();
    await https?.close();
    await broker?.close();
  });

  async function device(id: string, groups: string[] = []): Promise<FleetDevice> {
    const d = await FleetDevice.start({
      deviceId: id,
      url: broker.url,
      releaseKeys: [releaseKey],
      fleetKeys: [fleetKey],
      groups,
      fleet: { artifactCaFile: https.caFile, blockSize: 16_384, requestTimeoutSec: 600 },
    });
    devices.push(d);
    await obs.until(`tillqr/v1/${id}/config/reported`, (m) => m.length > 0);
    return d;
  }

  const statusTopic = (id: string) => `tillqr/v1/${id}/update/status`;
  const final = (id: string, jobId: string) => obs.until<Status>(statusTopic(id), (m) => m.some((x) => x.jobId === jobId && FINAL.includes(x.state)));
  const outcome = (m: Status[], jobId: string) => m.find((x) => x.jobId === jobId && FINAL.includes(x.state));

  it('sign writes a job the agent accepts; publish --device delivers it; the device downloads over HTTPS, restarts and commits', async () => {
    const d = await device('till-r1');
    const jobFile = join(dir, 'https.jws');
    const s = await fleetCli(
      [
        'release',
        'sign',
        '--key',
        releaseKey.path,
        '--artifact',
        artifact,
        '--version',
        '1.1.0',
        '--url',
        https.url('/tillqr-1.1.0.tar.gz'),
        '--from',
        '1.0.x',
        '--expires',
        '1h',
        '--out',
        jobFile,
      ],
      { env },
    );
    expect(s.code, s.err).toBe(0);
    expect(s.out).toBe('');
    const job = peekJob(await readFile(jobFile, 'utf8'));
    expect(job).toMatchObject({
      version: '1.1.0',
      from: ['1.0.x'],
      size: (await readFile(artifact)).length,
      url: https.url('/tillqr-1.1.0.tar.gz'),
      rollback: false,
    });
    expect(job.exp - job.iat).toBe(3600);
    expect(s.err).toContain(`signed job ${job.jobId}: 1.1.0`);
    expect(s.err).toContain(`kid ${releaseKey.kid}`);

    const p = await fleetCli(['release', 'publish', '--job', jobFile, '--device', 'till-r1'], { env });
    expect(p.code, p.err).toBe(0);
    expect(p.out).toContain(`published job ${job.jobId} (1.1.0) to 1 device(s): till-r1`);
    const m = await final('till-r1', job.jobId);
    expect(outcome(m, job.jobId)).toMatchObject({ state: 'succeeded', version: '1.1.0', current: '1.1.0' });
    expect(m.filter((x) => x.jobId === job.jobId).map((x) => x.state)).toEqual(
      expect.arrayContaining(['queued', 'downloading', 'verifying', 'installing', 'restarting', 'succeeded']),
    );
    expect(d.restarts).toEqual(['update to 1.1.0']);
    expect(await d.releases.linkVersion('committed')).toBe('1.1.0');
    expect(https.requests.some((r) => r.path === '/tillqr-1.1.0.tar.gz')).toBe(true);
  });

  it('a job signed with the fleet key instead of a release key is rejected by the agent', async () => {
    const d = await device('till-r2');
    const jobFile = join(dir, 'wrong-key.jws');
    expect(
      (
        await fleetCli(
          [
            'release',
            'sign',
            '--key',
            fleetKey.path,
            '--artifact',
            artifact,
            '--version',
            '1.1.0',
            '--url',
            https.url('/tillqr-1.1.0.tar.gz'),
            '--out',
            jobFile,
          ],
          { env },
        )
      ).code,
    ).toBe(0);
    const job = peekJob(await readFile(jobFile, 'utf8'));
    expect((await fleetCli(['release', 'publish', '--job', jobFile, '--device', 'till-r2'], { env })).code).toBe(0);
    const m = await obs.until<Status>(statusTopic('till-r2'), (x) => x.some((s) => s.state === 'rejected'));
    expect(m.find((s) => s.state === 'rejected')).toMatchObject({ reason: 'unknown_kid', current: '1.0.0' });
    expect(m.some((s) => s.jobId === job.jobId && s.state !== 'rejected')).toBe(false);
    expect(await d.releases.linkVersion('current')).toBe('1.0.0');
  });

  it('sign --stream prints the job; publish --group --serve answers the chunked transfer until interrupted', async () => {
    const group = ['till-r3', 'till-r4'];
    for (const id of group) await device(id, ['shop-9']);
    const other = await device('till-r5', ['shop-8']);
    const s = await fleetCli(
      ['release', 'sign', '--key', releaseKey.path, '--artifact', artifact, '--version', '1.1.0', '--stream', 'tillqr-1.1.0', '--job-id', 'stream-job-1'],
      { env },
    );
    expect(s.code, s.err).toBe(0);
    const jobFile = join(dir, 'stream.jws');
    await writeFile(jobFile, s.out);
    expect(peekJob(s.out)).toMatchObject({ jobId: 'stream-job-1', stream: 'tillqr-1.1.0', from: ['*'] });

    const ctrlC = interruptor();
    const publishing = fleetCli(['release', 'publish', '--job', jobFile, '--group', 'shop-9', '--serve', artifact], { env, interrupted: ctrlC.interrupted });
    for (const id of group) expect(outcome(await final(id, 'stream-job-1'), 'stream-job-1')).toMatchObject({ state: 'succeeded', current: '1.1.0' });
    ctrlC.interrupt();
    const p = await publishing;
    expect(p.code, p.err).toBe(0);
    expect(p.out).toContain('published job stream-job-1 (1.1.0) to 2 device(s): till-r3, till-r4');
    expect(p.err).toContain('serving stream tillqr-1.1.0');
    for (const d of devices.filter((x) => group.includes(x.id))) expect(await d.releases.linkVersion('committed')).toBe('1.1.0');
    // Not a member of the group: no job, no status.
    expect(obs.json(statusTopic('till-r5'))).toEqual([]);
    expect(await other.releases.linkVersion('current')).toBe('1.0.0');
  });

  it('fleet serve, as its own process, answers a published chunked job until SIGINT', async () => {
    await device('till-r6');
    const jobFile = join(dir, 'serve.jws');
    expect(
      (
        await fleetCli(
          [
            'release',
            'sign',
            '--key',
            releaseKey.path,
            '--artifact',
            artifact,
            '--version',
            '1.1.0',
            '--stream',
            'serve-1.1.0',
            '--job-id',
            'serve-job-1',
            '--out',
            jobFile,
          ],
          { env },
        )
      ).code,
    ).toBe(0);
    const child = spawnTs(helperPath('../../src/cli/tillqr.ts'), ['fleet', 'serve', '--job', jobFile, '--artifact', artifact], {
      env: { ...process.env, TILLQR_FLEET_URL: broker.url },
    });
    try {
      await waitForStderr(child.stderr, /serving stream serve-1\.1\.0/);
      expect((await fleetCli(['release', 'publish', '--job', jobFile, '--device', 'till-r6'], { env })).code).toBe(0);
      expect(outcome(await final('till-r6', 'serve-job-1'), 'serve-job-1')).toMatchObject({ state: 'succeeded', current: '1.1.0' });
      child.kill('SIGINT');
      expect(await exited(child)).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

function waitForStderr(stream: NodeJS.ReadableStream | null, re: RegExp, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no ${String(re)} on stderr; got: ${buf.slice(-500)}`)), timeoutMs);
    stream?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (re.test(buf)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
