import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../src/core/logger.js';
import { OperatorClient } from '../../../src/fleet/operator/operator-client.js';
import { signJob } from '../../../src/fleet/operator/sign.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { StreamServer } from '../../../src/fleet/stream-server.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { installFirst, makeArtifact, makeKey, Observer, startAgent, tempDir, TestHost, type DeviceSetup, type RunningAgent } from './fleet-kit.js';

interface Status {
  state: string;
  percent?: number;
  reason?: string;
}

describe('chunked MQTT transfer', () => {
  let broker: Mosquitto;
  let obs: Observer;
  let op: OperatorClient;
  let server: StreamServer;
  let artifact: string;
  let bytes: Buffer;
  const release = makeKey();
  const running: RunningAgent[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update/status']);
    op = await OperatorClient.connect({ url: broker.url });
    server = new StreamServer({ prefix: 'tillqr/v1', publish: (t, p) => void op.publish(t, p, false).catch(() => undefined) });
    op.onMessage((t, p) => server.handle(t, p));
    await op.subscribe([server.subscription]);
    artifact = await makeArtifact('1.1.0', { 'dist/blob.bin': randomBytes(1_500_000).toString('base64') });
    bytes = await readFile(artifact);
    server.add('tillqr-1.1.0', bytes);
  });
  afterAll(async () => {
    for (const r of running) await r.stop().catch(() => undefined);
    await op?.close();
    await obs?.close();
    await broker?.close();
  });

  async function setup(id: string): Promise<DeviceSetup> {
    const s: DeviceSetup = { deviceId: id, url: broker.url, stateDir: await tempDir(), releaseRoot: await tempDir('tillqr-opt-'), releaseKeys: [release], fleet: { blockSize: 16_384, blockWindow: 8 } };
    await installFirst(s.releaseRoot, '1.0.0');
    return s;
  }

  const topic = (id: string) => `tillqr/v1/${id}/update/status`;
  const percentAtLeast = (n: number) => (m: Status[]) => m.some((x) => x.state === 'downloading' && (x.percent ?? 0) >= n);

  it('resumes after the broker goes away mid-transfer, without starting over', async () => {
    const id = 'till-chunk-broker';
    const s = await setup(id);
    const a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);
    const before = server.served;
    const { token } = await signJob(artifact, { version: '1.1.0', from: ['*'], stream: 'tillqr-1.1.0', ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(topic(id), percentAtLeast(20));
    await broker.restart();
    const m = await obs.until<Status>(topic(id), (x) => ['restarting', 'failed'].includes(x.at(-1)?.state ?? ''), 60_000);
    expect(m.at(-1)?.state).toBe('restarting');
    const percents = m.filter((x) => x.state === 'downloading').map((x) => x.percent ?? 0);
    expect(percents).toEqual([...percents].sort((x, y) => x - y));
    // Resumed: well under two full copies went over the wire.
    expect(server.served - before).toBeLessThan(bytes.length * 1.6);
    expect(await new ReleaseDir(s.releaseRoot).linkVersion('current')).toBe('1.1.0');
  });

  it('continues from the persisted block map after the daemon restarts mid-transfer', async () => {
    const id = 'till-chunk-restart';
    const s = await setup(id);
    const a = await startAgent(s, new TestHost('1.0.0'));
    const { token } = await signJob(artifact, { version: '1.1.0', from: ['*'], stream: 'tillqr-1.1.0', ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(topic(id), percentAtLeast(30));
    await a.stop();
    const b = await startAgent(s, new TestHost('1.0.0'));
    running.push(b);
    const m = await obs.until<Status>(topic(id), (x) => ['restarting', 'failed'].includes(x.at(-1)?.state ?? ''), 60_000);
    expect(m.at(-1)?.state).toBe('restarting');
    expect(b.log.lines.some((l) => l.includes('resuming a chunked transfer'))).toBe(true);
    const resumed = parseLogLine(b.log.lines.find((l) => l.includes('resuming a chunked transfer')) ?? '');
    expect(resumed?.have).toBeGreaterThan(0);
  });

  it('fails the job cleanly when the server does not know the stream', async () => {
    const id = 'till-chunk-unknown';
    const s = await setup(id);
    const a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);
    const { token } = await signJob(artifact, { version: '1.1.0', from: ['*'], stream: 'no-such-stream', ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    const m = await obs.until<Status>(topic(id), (x) => ['restarting', 'failed'].includes(x.at(-1)?.state ?? ''));
    expect(m.at(-1)).toMatchObject({ state: 'failed', reason: 'download_failed' });
    expect(await new ReleaseDir(s.releaseRoot).linkVersion('current')).toBe('1.0.0');
  });
});
