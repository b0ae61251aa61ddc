import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { StreamDownload } from '../../../src/fleet/download-retry.js';
import { sha256File } from '../../../src/fleet/installer.js';
import { createLogger, memorySink, parseLogLine } from '../../../src/core/logger.js';
import { OperatorClient } from '../../../src/fleet/operator/operator-client.js';
import { signJob } from '../../../src/fleet/operator/sign.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { blockCount, decodeFrame, encodeFrame } from '../../../src/fleet/stream-codec.js';
import { StreamServer } from '../../../src/fleet/stream-server.js';
import { streamRequestSchema } from '../../../src/link/contract-fleet.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { until } from '../../helpers/payment-kit.js';
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
  let blobText: string;
  const release = makeKey();
  const running: RunningAgent[] = [];
  /** Per device: what the stream server does with its stream/get requests (default: answer them). */
  const route = new Map<string, (topic: string, payload: Buffer) => void>();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update/status']);
    op = await OperatorClient.connect({ url: broker.url });
    server = new StreamServer({ prefix: 'tillqr/v1', publish: (t, p) => void op.publish(t, p, false).catch(() => undefined) });
    op.onMessage((t, p) => (route.get(t.split('/')[2] ?? '') ?? ((tt: string, pp: Buffer) => server.handle(tt, pp)))(t, p));
    await op.subscribe([server.subscription]);
    blobText = randomBytes(1_500_000).toString('base64');
    artifact = await makeArtifact('1.1.0', { 'dist/blob.bin': blobText });
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
    const s: DeviceSetup = {
      deviceId: id,
      url: broker.url,
      stateDir: await tempDir(),
      releaseRoot: await tempDir('tillqr-opt-'),
      releaseKeys: [release],
      fleet: { blockSize: 16_384, blockWindow: 8 },
    };
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

  const BLOCK = 16_384;
  const finished = (x: Status[]) => ['restarting', 'failed'].includes(x.at(-1)?.state ?? '');
  const installedBlob = (s: DeviceSetup) => readFile(join(s.releaseRoot, 'releases/1.1.0/dist/blob.bin'), 'utf8');

  it('ignores frames with a wrong token (forged data, a forged refusal, a wrong size): the download completes with the right bytes', async () => {
    const id = 'till-chunk-forged';
    const s = await setup(id);
    const a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);
    // The attacker can publish on the device's stream/data and read its requests, but does not echo their token.
    const attacker = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clean: true });
    const data = `tillqr/v1/${id}/stream/data`;
    const forged = Buffer.alloc(BLOCK, 'FORGED-PAYLOAD ');
    let requests = 0;
    attacker.on('message', (_t, p) => {
      const r = streamRequestSchema.safeParse(JSON.parse(p.toString('utf8')));
      if (!r.ok) return;
      const token = `${r.value.token.slice(1)}x`;
      if (requests++ === 0) {
        // Straight away: a refusal, a wrong total size, and a forged copy of every block, ahead of the genuine answers.
        void attacker.publishAsync(data, encodeFrame({ stream: r.value.stream, token, error: 'unknown_stream' }));
        void attacker.publishAsync(data, encodeFrame({ stream: r.value.stream, token, block: 0, size: 7 }, forged.subarray(0, 7)));
        for (let i = 0; i < blockCount(bytes.length, BLOCK); i++)
          void attacker.publishAsync(
            data,
            encodeFrame({ stream: r.value.stream, token, block: i, size: bytes.length }, forged.subarray(0, Math.min(BLOCK, bytes.length - i * BLOCK))),
          );
      }
      for (const i of r.value.blocks)
        void attacker.publishAsync(
          data,
          encodeFrame({ stream: r.value.stream, token, block: i, size: bytes.length }, forged.subarray(0, Math.min(BLOCK, bytes.length - i * BLOCK))),
        );
    });
    await attacker.subscribeAsync(`tillqr/v1/${id}/stream/get`, { qos: 0 });
    try {
      const { token } = await signJob(artifact, { version: '1.1.0', from: ['*'], stream: 'tillqr-1.1.0', ttlSec: 600 }, release);
      await obs.publish(`tillqr/v1/${id}/update`, token);
      const m = await obs.until<Status>(topic(id), finished, 60_000);
      expect(m.at(-1)?.state).toBe('restarting');
    } finally {
      await attacker.endAsync();
    }
    expect(requests).toBeGreaterThan(0);
    expect(await installedBlob(s)).toBe(blobText);
    // Counted in the log, never the payload; and the one attempt was enough (nothing ended it).
    const ignored = a.log.lines.filter((l) => l.includes('wrong token')).map((l) => parseLogLine(l) as { count?: number } | undefined);
    expect(ignored.length).toBeGreaterThan(0);
    expect(Math.max(...ignored.map((x) => x?.count ?? 0))).toBeGreaterThan(blockCount(bytes.length, BLOCK));
    expect(a.log.lines.some((l) => l.includes('FORGED'))).toBe(false);
    expect(a.log.lines.some((l) => l.includes('trying again'))).toBe(false);
  });

  it('retries a first attempt that brought wrong bytes (with the right token) and installs the right ones', async () => {
    const id = 'till-chunk-corrupt';
    const s = await setup(id);
    const a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);
    // A faulty server: answers the first token it sees with flipped bytes, later ones correctly.
    let first: string | undefined;
    route.set(id, (t, p) => {
      const r = streamRequestSchema.safeParse(JSON.parse(p.toString('utf8')));
      if (!r.ok) return;
      first ??= r.value.token;
      if (r.value.token !== first) return void server.handle(t, p);
      const out = `tillqr/v1/${id}/stream/data`;
      for (const i of r.value.blocks) {
        const block = Buffer.from(bytes.subarray(i * r.value.blockSize, (i + 1) * r.value.blockSize)).map((b) => b ^ 0x5a);
        void op.publish(out, encodeFrame({ stream: r.value.stream, token: r.value.token, block: i, size: bytes.length }, block), false);
      }
    });
    const { token } = await signJob(artifact, { version: '1.1.0', from: ['*'], stream: 'tillqr-1.1.0', ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    const m = await obs.until<Status>(topic(id), finished, 60_000);
    expect(m.at(-1)?.state).toBe('restarting');
    expect(a.log.lines.some((l) => l.includes('a download attempt failed; trying again') && l.includes('SHA-256'))).toBe(true);
    expect(await new ReleaseDir(s.releaseRoot).linkVersion('current')).toBe('1.1.0');
    expect(await installedBlob(s)).toBe(blobText);
  });

  it('retries when the server stops mid-transfer, and completes once it answers again', async () => {
    const id = 'till-chunk-stall';
    const s = await setup(id);
    const a = await startAgent(s, new TestHost('1.0.0'));
    running.push(a);
    const { token } = await signJob(artifact, { version: '1.1.0', from: ['*'], stream: 'tillqr-1.1.0', ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    await obs.until<Status>(topic(id), percentAtLeast(20));
    route.set(id, () => undefined); // the server stops answering this device
    await until(() => a.log.lines.some((l) => l.includes('a download attempt failed; trying again')), 30_000, 'the first attempt to fail');
    expect(obs.json<Status>(topic(id)).at(-1)?.state).toBe('downloading'); // not failed, not done
    route.delete(id); // the server is back
    const m = await obs.until<Status>(topic(id), finished, 60_000);
    expect(m.at(-1)?.state).toBe('restarting');
    expect(a.log.lines.some((l) => l.includes('the download completed after a retry'))).toBe(true);
    expect(await installedBlob(s)).toBe(blobText);
  });

  it('a download whose every attempt fails is reported failed after the bounded attempts, never done', async () => {
    const id = 'till-chunk-dead';
    const dir = await tempDir();
    const dest = join(dir, 'a.artifact');
    const sink = memorySink(1000);
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clean: true });
    let answered = 0;
    route.set(id, (t, p) => {
      if (answered++ < 2) server.handle(t, p); // two requests answered, then the server is gone for good
    });
    const d = new StreamDownload({
      stream: 'tillqr-1.1.0',
      size: bytes.length,
      sha256: await sha256File(artifact),
      blockSize: BLOCK,
      window: 4,
      dest,
      timeoutMs: 200,
      clock: systemClock(),
      logger: createLogger('dl', { level: 'debug', sink }),
      request: (r) => void client.publishAsync(`tillqr/v1/${id}/stream/get`, JSON.stringify(r)),
      connected: () => client.connected,
      onProgress: () => undefined,
      policy: { attempts: 3, stalls: 2, baseDelayMs: 50, maxDelayMs: 100 },
    });
    client.on('message', (_t, p) => {
      const f = decodeFrame(p);
      if (f.ok) d.frame(f.header, f.data);
    });
    await client.subscribeAsync(`tillqr/v1/${id}/stream/data`, { qos: 0 });
    try {
      await expect(d.run()).rejects.toMatchObject({
        code: 'UPDATE_FAILED',
        context: { reason: 'download_failed', attempts: 3 },
        message: expect.stringMatching(/attempt 3 of 3/),
      });
    } finally {
      await client.endAsync();
    }
    expect(sink.lines.filter((l) => l.includes('trying again'))).toHaveLength(2);
    // What arrived is kept for a resume (block map beside the partial file), but nothing claims a whole download.
    expect(existsSync(`${dest}.blocks.json`)).toBe(true);
    expect((await readFile(dest)).equals(bytes)).toBe(false);
  });
});
