/**
 * docs/test-vectors/: the published test key pair and signed vectors are exactly what the code
 * generates (drift test), and every vector, played in order into the real Device (in-memory link,
 * fake clock at the vector time, real state files), produces exactly the decision it states. So a
 * Python/Go/Java signer tested against these files is tested against the device.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { Device } from '../../../src/daemon/device.js';
import { eventSchema } from '../../../src/link/contract.js';
import { buildVectors, keyFromSeed, renderVectors, VECTOR_NOW } from '../../../src/link/test-vectors.js';
import { verifyCompact, TrustedKeys } from '../../../src/payment/jws.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { deviceConfig, RecordingIndicator, RecordingScreen, tempDir } from '../../helpers/payment-kit.js';

const DIR = new URL('../../../docs/test-vectors/', import.meta.url);
const update = process.env.TILLQR_UPDATE_DOCS === '1';
const running: Device[] = [];
afterAll(async () => {
  for (const d of running) await d.stop();
});

async function expectFile(name: string, content: string): Promise<void> {
  const url = new URL(name, DIR);
  if (update) await writeFile(url, content);
  expect(
    await readFile(url, 'utf8'),
    `docs/test-vectors/${name} is out of date: run TILLQR_UPDATE_DOCS=1 npx vitest run test/integration/link/test-vectors.test.ts`,
  ).toBe(content);
}

describe('docs/test-vectors', () => {
  const file = buildVectors();

  it('holds exactly the generated vectors and the test key pair', async () => {
    await expectFile('vectors.json', renderVectors());
    await expectFile('test-key.pem', file.key.privateKeyPem);
    await expectFile('test-key.pub.pem', file.key.publicKeyPem);
    // The key is RFC 8032 TEST 1: its public key is the RFC's.
    expect(Buffer.from(file.key.publicKeyJwk.x, 'base64url').toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  it('covers every message kind with good and bad vectors, and the good ones re-verify with the published key', () => {
    const keys = new TrustedKeys([{ kid: file.key.kid, publicKeyPem: file.key.publicKeyPem }]);
    for (const topic of ['charge', 'cancel', 'payment'] as const) {
      const of = file.vectors.filter((v) => v.topic === topic);
      expect(
        of.some((v) => v.expect.event !== 'rejected'),
        topic,
      ).toBe(true);
      expect(
        of.some((v) => v.expect.event === 'rejected'),
        topic,
      ).toBe(true);
    }
    for (const v of file.vectors) {
      const [h, p] = v.jws.split('.');
      expect(Buffer.from(h ?? '', 'base64url').toString('utf8'), v.name).toBe(v.header);
      expect(Buffer.from(p ?? '', 'base64url').toString('utf8'), v.name).toBe(v.payload);
      if (v.expect.event !== 'rejected') expect(verifyCompact(v.jws, keys).ok, v.name).toBe(true);
    }
    expect(keyFromSeed(file.key.seedHex).export({ format: 'pem', type: 'pkcs8' }).toString()).toBe(file.key.privateKeyPem);
  });

  it('makes the real Device reach each stated decision, in order', async () => {
    const stateDir = await tempDir('tillqr-vectors-');
    const config = deviceConfig({
      deviceId: file.device.deviceId,
      url: 'mqtt://127.0.0.1:1',
      keys: [{ kid: file.key.kid, publicKeyPem: file.key.publicKeyPem }],
      stateDir,
    });
    expect(config.trust.clockSkewSec).toBe(file.device.clockSkewSec);
    const link = new MemoryLink();
    const indicator = new RecordingIndicator();
    const device = new Device({
      config,
      clock: new FakeClock(VECTOR_NOW * 1000),
      logger: createLogger('vectors', { sink: memorySink() }),
      link,
      screen: new RecordingScreen(),
      indicator,
      storeDir: stateDir,
      version: 'vectors',
    });
    running.push(device);
    await device.start();
    link.online();
    await device.idle();
    for (const v of file.vectors) {
      const before = link.events.length;
      await link.deliver(v.topic, v.jws);
      await device.idle();
      const got = link.events.slice(before);
      expect(got, v.name).toHaveLength(1);
      const e = got[0];
      expect(eventSchema.safeParse(e).ok, v.name).toBe(true);
      if (v.expect.event === 'rejected') expect(e, v.name).toMatchObject({ type: 'rejected', reason: v.expect.reason });
      else expect(e, v.name).toMatchObject({ type: v.expect.event, orderId: v.expect.orderId });
    }
    expect(indicator.count('paid')).toBe(1);
  });
});
