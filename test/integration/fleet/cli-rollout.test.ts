/**
 * `tillqr fleet rollout`, end to end: a group of real fleet agents on a real Mosquitto, updated
 * batch by batch by the CLI (the next batch only after every device of the last one committed its
 * release), and stopped when a batch fails past --abort-when-failed.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { FleetDevice } from './fleet-device.js';
import { makeArtifact, Observer, tempDir } from './fleet-kit.js';
import { ArtifactServer } from './https-server.js';
import { fleetCli, keyFile, tableRows } from './operator-kit.js';

interface Status {
  state: string;
  jobId?: string;
  reason?: string;
  current: string;
}

describe('tillqr fleet rollout', () => {
  let broker: Mosquitto;
  let https: ArtifactServer;
  let obs: Observer;
  let env: NodeJS.ProcessEnv;
  let releaseKey: Awaited<ReturnType<typeof keyFile>>;
  let artifact: string;
  let dir: string;
  const devices = new Map<string, FleetDevice>();
  /** Every message on the update and update/status topics, in the order the broker delivered them. */
  const order: { topic: string; payload: string }[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    https = await ArtifactServer.start();
    env = { TILLQR_FLEET_URL: broker.url };
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update', 'tillqr/v1/+/update/status', 'tillqr/v1/+/config/reported']);
    obs.client.on('message', (topic, payload) => {
      if (!topic.endsWith('/config/reported')) order.push({ topic, payload: payload.toString('utf8') });
    });
    releaseKey = await keyFile('release');
    // Large enough to unpack to more than the 1024 bytes the failing devices allow.
    artifact = await makeArtifact('1.1.0', { 'dist/blob.txt': randomBytes(60_000).toString('base64') });
    https.files.set('/tillqr-1.1.0.tar.gz', await readFile(artifact));
    dir = await tempDir('tillqr-rollout-');
  });
  afterAll(async () => {
    for (const d of devices.values()) await d.stop();
    await obs?.close();
    await https?.close();
    await broker?.close();
  });

  async function device(id: string, groups: string[], fleet: Record<string, unknown> = {}): Promise<FleetDevice> {
    const d = await FleetDevice.start({
      deviceId: id,
      url: broker.url,
      releaseKeys: [releaseKey],
      groups,
      fleet: { artifactCaFile: https.caFile, blockSize: 16_384, requestTimeoutSec: 600, ...fleet },
    });
    devices.set(id, d);
    await obs.until(`tillqr/v1/${id}/config/reported`, (m) => m.length > 0);
    return d;
  }

  async function sign(name: string, source: string[]): Promise<string> {
    const file = join(dir, `${name}.jws`);
    const r = await fleetCli(
      ['release', 'sign', '--key', releaseKey.path, '--artifact', artifact, '--version', '1.1.0', '--job-id', name, '--out', file, ...source],
      { env },
    );
    expect(r.code, r.err).toBe(0);
    return file;
  }

  /** Index in `order` of the first message matching. */
  const firstIndex = (pred: (m: { topic: string; payload: string }) => boolean) => order.findIndex(pred);
  const lastIndex = (pred: (m: { topic: string; payload: string }) => boolean) => order.findLastIndex(pred);
  const isState = (id: string, state: string) => (m: { topic: string; payload: string }) =>
    m.topic === `tillqr/v1/${id}/update/status` && (JSON.parse(m.payload) as Status).state === state;
  const jobFor = (id: string) => (m: { topic: string; payload: string }) => m.topic === `tillqr/v1/${id}/update` && m.payload.length > 0;
  const progress = (out: string) => out.split('\n').filter((l) => l.startsWith('batch '));

  it('updates a group batch by batch over the chunked transfer, each batch only after the last one committed', async () => {
    const east = ['till-e1', 'till-e2', 'till-e3', 'till-e4'];
    for (const id of east) await device(id, ['east']);
    await device('till-w1', ['west']);
    const job = await sign('east-1', ['--stream', 'tillqr-1.1.0']);

    const r = await fleetCli(
      ['rollout', '--group', 'east', '--version', '1.1.0', '--job', job, '--batch', '50%', '--abort-when-failed', '20%', '--serve', artifact],
      { env },
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('east: 4 device(s), 0 already on 1.1.0, 4 to update');
    expect(r.err).toContain('serving stream tillqr-1.1.0');
    const lines = progress(r.out);
    const lastOfFirst = lines.findLastIndex((l) => l.startsWith('batch 1/2'));
    const firstOfSecond = lines.findIndex((l) => l.startsWith('batch 2/2'));
    expect(lastOfFirst).toBeGreaterThanOrEqual(0);
    expect(firstOfSecond).toBeGreaterThan(lastOfFirst);
    expect(lines[lastOfFirst]).toMatch(/^batch 1\/2 \[#{10}\.{10}\] 2\/4 ok 2, failed 0$/);
    expect(lines.at(-1)).toMatch(/^batch 2\/2 \[#{20}\] 4\/4 ok 4, failed 0$/);
    expect(r.out).toMatch(/done: 4 succeeded, 0 failed\n$/);

    // The broker saw the second batch's jobs only after the first batch's devices committed.
    const firstDone = Math.max(lastIndex(isState('till-e1', 'succeeded')), lastIndex(isState('till-e2', 'succeeded')));
    expect(firstIndex(isState('till-e1', 'succeeded'))).toBeGreaterThanOrEqual(0);
    expect(firstIndex(isState('till-e2', 'succeeded'))).toBeGreaterThanOrEqual(0);
    for (const id of ['till-e3', 'till-e4']) expect(firstIndex(jobFor(id))).toBeGreaterThan(firstDone);
    for (const id of east) expect(await devices.get(id)?.releases.linkVersion('committed')).toBe('1.1.0');
    expect(firstIndex(jobFor('till-w1'))).toBe(-1);

    // The status table shows the new version; a second rollout has nothing left to do.
    const table = tableRows((await fleetCli(['status'], { env })).out);
    for (const id of east) expect(table.find((x) => x.DEVICE === id)).toMatchObject({ VERSION: '1.1.0', UPDATE: 'succeeded 1.1.0', GROUPS: 'east' });
    const again = await fleetCli(['rollout', '--group', 'east', '--version', '1.1.0', '--job', job, '--batch', '50%'], { env });
    expect(again.code).toBe(0);
    expect(again.out).toContain('east: 4 device(s), 4 already on 1.1.0, 0 to update');
  });

  it('aborts when a batch fails past --abort-when-failed: the next batch never gets the job', async () => {
    // Sorted by id, the failing devices make up the first batch. Their unpack limit is below the release's size.
    for (const id of ['till-f1', 'till-f2']) await device(id, ['south'], { maxUnpackedBytes: 1024 });
    for (const id of ['till-g1', 'till-g2']) await device(id, ['south']);
    const job = await sign('south-1', ['--url', https.url('/tillqr-1.1.0.tar.gz')]);

    const r = await fleetCli(['rollout', '--group', 'south', '--version', '1.1.0', '--job', job, '--batch', '50%', '--abort-when-failed', '20%'], { env });
    expect(r.code).toBe(1);
    expect(r.out).toContain('south: 4 device(s), 0 already on 1.1.0, 4 to update');
    // The reason code and, next to it, the device's own sentence (its update/status detail).
    expect(r.out).toMatch(/^ {2}failed: till-f1: failed \(bad_artifact\): bad artifact: \S.*$/m);
    expect(r.out).toMatch(/^ {2}failed: till-f2: failed \(bad_artifact\): bad artifact: \S.*$/m);
    expect(r.out).toMatch(/ABORTED: 2 failed, more than 20%; 2 device\(s\) not started\n$/);
    expect(progress(r.out).some((l) => l.startsWith('batch 2/2'))).toBe(false);
    for (const id of ['till-g1', 'till-g2']) {
      expect(firstIndex(jobFor(id))).toBe(-1);
      expect(obs.json(`tillqr/v1/${id}/update/status`)).toEqual([]);
      expect(await devices.get(id)?.releases.linkVersion('current')).toBe('1.0.0');
    }
    for (const id of ['till-f1', 'till-f2']) expect(await devices.get(id)?.releases.linkVersion('current')).toBe('1.0.0');
  });

  it('goes on while failures stay at the threshold, and exits 1 because a device failed', async () => {
    // Batch 1: one failing, one healthy (50% failed, not more than 50%); batch 2 still runs.
    await device('till-h1', ['north'], { maxUnpackedBytes: 1024 });
    for (const id of ['till-h2', 'till-h3', 'till-h4']) await device(id, ['north']);
    const job = await sign('north-1', ['--url', https.url('/tillqr-1.1.0.tar.gz')]);

    const r = await fleetCli(['rollout', '--group', 'north', '--version', '1.1.0', '--job', job, '--batch', '50%', '--abort-when-failed', '50%'], { env });
    expect(r.code).toBe(1);
    expect(r.out).toContain('  failed: till-h1: failed (bad_artifact)');
    expect(r.out).toMatch(/done: 3 succeeded, 1 failed\n$/);
    expect(progress(r.out).at(-1)).toMatch(/^batch 2\/2 \[#{20}\] 4\/4 ok 3, failed 1$/);
    for (const id of ['till-h2', 'till-h3', 'till-h4']) expect(await devices.get(id)?.releases.linkVersion('committed')).toBe('1.1.0');
  });
  it("release publish --wait follows each device to its outcome and prints a failed one's detail next to its reason", async () => {
    await device('till-p1', ['pub']);
    await device('till-p2', ['pub'], { maxUnpackedBytes: 1024 });
    const job = await sign('pub-1', ['--url', https.url('/tillqr-1.1.0.tar.gz')]);
    const r = await fleetCli(['release', 'publish', '--job', job, '--group', 'pub', '--wait'], { env });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}failed: till-p2: failed \(bad_artifact\): bad artifact: \S.*$/m);
    expect(r.out).toMatch(/done: 1 succeeded, 1 failed\n$/);
  });

  it('counts a member that does not answer as failed after --batch-timeout; its retained job installs when it is back', async () => {
    await device('till-n1', ['night']);
    const sleeper = await device('till-n2', ['night']);
    await sleeper.stop();
    const job = await sign('night-1', ['--url', https.url('/tillqr-1.1.0.tar.gz')]);

    const r = await fleetCli(['rollout', '--group', 'night', '--version', '1.1.0', '--job', job, '--batch', '100%', '--batch-timeout', '2s'], { env });
    expect(r.code).toBe(1);
    expect(r.out).toContain('night: 2 device(s), 0 already on 1.1.0, 2 to update');
    expect(r.out).toContain('  failed: till-n2: no answer');
    expect(r.out).toMatch(/done: 1 succeeded, 1 failed\n$/);
    expect(await sleeper.releases.linkVersion('current')).toBe('1.0.0');

    // The shop opens: the device finds the retained job and installs it.
    await sleeper.powerOn();
    const m = await obs.until<Status>('tillqr/v1/till-n2/update/status', (x) => x.some((s) => s.jobId === 'night-1' && s.state === 'succeeded'));
    expect(m.at(-1)).toMatchObject({ state: 'succeeded', current: '1.1.0' });
    expect(await sleeper.releases.linkVersion('committed')).toBe('1.1.0');
  });
});
