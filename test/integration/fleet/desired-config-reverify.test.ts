/**
 * Stored desired-config documents are verified again at every start against the trust of now
 * (src/fleet/desired-config.ts): a document that no longer verifies is dropped with a log line and
 * a reported error; one that only expired since it was accepted stays; the old file format
 * (content without its JWS) is dropped. Real files; the key rotation also over a real broker.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { DesiredConfig } from '../../../src/fleet/desired-config.js';
import { signDesiredConfig } from '../../../src/fleet/operator/sign.js';
import type { ReportedConfig } from '../../../src/link/contract-fleet.js';
import { signCompact, TrustedKeys } from '../../../src/payment/jws.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { deviceStore, makeKey, Observer, startAgent, tempDir, TestHost, type TestKey } from './fleet-kit.js';

const keyA = makeKey();
const keyB = makeKey();
const trusted = (k: TestKey) => new TrustedKeys([{ kid: k.kid, publicKeyPem: k.publicKeyPem }]);
const doc = (target: string, version: number, config: Record<string, unknown>, key = keyA) => Buffer.from(signDesiredConfig(target, version, config, key));

interface Start {
  readonly deviceId?: string;
  readonly groups?: readonly string[];
  readonly key?: TestKey;
}

async function device(stateDir: string, clock: FakeClock) {
  const sink = memorySink(1000);
  const log = createLogger('t', { sink });
  const store = await deviceStore({ deviceId: 'till-1', url: 'mqtt://127.0.0.1:1', stateDir, releaseRoot: '/opt/tillqr', fleetKeys: [keyA] }, log);
  const reports: ReportedConfig[] = [];
  const start = async (s: Start = {}) => {
    const d = new DesiredConfig({
      store,
      deviceId: s.deviceId ?? 'till-1',
      groups: s.groups ?? ['north'],
      fleetKeys: trusted(s.key ?? keyA),
      skewSec: 60,
      stateDir,
      clock,
      logger: log,
      report: (r) => reports.push(r),
      restartNeeded: () => undefined,
    });
    await d.start();
    return d;
  };
  const stored = async () => JSON.parse(await readFile(join(stateDir, 'fleet', 'desired-config.json'), 'utf8')) as Record<string, unknown>;
  return { store, reports, start, stored, lines: sink.lines };
}

describe('stored desired configuration, verified again at start', () => {
  it('keeps the signed documents as received, and drops them at start once the fleet key is rotated', async () => {
    const t = await device(await tempDir(), new FakeClock(Date.now()));
    const d = await t.start();
    const token = doc('device:till-1', 4, { sale: { resultHoldSec: 11 } });
    expect(await d.receive(token, undefined)).toBe('applied');
    expect(await t.stored()).toEqual({ format: 2, device: token.toString('utf8'), groups: {} });

    const rotated = await t.start({ key: keyB });
    expect(rotated.version('device')).toBeUndefined();
    const r = t.reports.at(-1);
    expect(r?.device).toBeUndefined();
    expect(r?.errors).toEqual([{ key: '*', source: 'device', message: expect.stringMatching(/^dropped at start: unknown_kid/) }]);
    expect(t.lines.some((l) => l.includes('dropped a stored desired configuration that no longer verifies') && l.includes('unknown_kid'))).toBe(true);
    expect(await t.stored()).toEqual({ format: 2, groups: {} });
    // The new fleet starts at version 1: not stale, and the drop is no longer reported.
    expect(await rotated.receive(doc('device:till-1', 1, { sale: { resultHoldSec: 12 } }, keyB), undefined)).toBe('applied');
    expect(t.store.current.sale.resultHoldSec).toBe(12);
    expect(t.reports.at(-1)?.errors).toEqual([]);
  });

  it('drops a device document for another device id and a group document of a group the device left', async () => {
    const t = await device(await tempDir(), new FakeClock(Date.now()));
    const d = await t.start();
    await d.receive(doc('device:till-1', 2, { sale: { resultHoldSec: 5 } }), undefined);
    await d.receive(doc('group:north', 3, { display: { rotation: 90 } }), 'north');
    const after = await t.start({ deviceId: 'till-9', groups: ['south'] });
    expect(after.version('device')).toBeUndefined();
    expect(after.version('group:north')).toBeUndefined();
    expect(t.reports.at(-1)?.errors.map((e) => [e.source, e.message.slice(0, 36)])).toEqual([
      ['device', 'dropped at start: wrong_audience: th'],
      ['group:north', 'dropped at start: wrong_audience: th'],
    ]);
  });

  it('keeps a document that only expired since it was accepted (freshness is checked on arrival)', async () => {
    const clock = new FakeClock(Date.now());
    const t = await device(await tempDir(), clock);
    const d = await t.start();
    const iat = Math.floor(clock.now() / 1000);
    const body = { typ: 'config', target: 'device:till-1', version: 6, iat, exp: iat + 60, config: { sale: { resultHoldSec: 8 } } };
    expect(await d.receive(Buffer.from(signCompact(JSON.stringify(body), keyA.key, { kid: keyA.kid })), undefined)).toBe('applied');
    clock.advance(3_600_000);
    const later = await t.start();
    expect(later.version('device')).toBe(6);
    expect(t.reports.at(-1)?.errors).toEqual([]);
    expect(await later.receive(doc('device:till-1', 5, { sale: { resultHoldSec: 1 } }), undefined)).toBe('stale');
  });

  it('drops the old file format (content without its JWS) with a log line and a reported error', async () => {
    const stateDir = await tempDir();
    const t = await device(stateDir, new FakeClock(Date.now()));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(stateDir, 'fleet'), { recursive: true });
    await writeFile(
      join(stateDir, 'fleet', 'desired-config.json'),
      JSON.stringify({
        device: { version: 9, config: { trust: { backendKeys: [] }, sale: { resultHoldSec: 2 } } },
        groups: { north: { version: 4, config: { display: { rotation: 180 } } } },
      }),
    );
    const d = await t.start();
    expect(d.version('device')).toBeUndefined();
    expect(d.version('group:north')).toBeUndefined();
    expect(t.store.current.sale.resultHoldSec).not.toBe(2);
    expect(t.store.current.display.rotation).not.toBe(180);
    expect(t.reports.at(-1)?.errors.map((e) => [e.key, e.source])).toEqual([
      ['*', 'device'],
      ['*', 'group:north'],
    ]);
    expect(t.reports.at(-1)?.errors[0]?.message).toMatch(/old format without its signed document/);
    expect(await t.stored()).toEqual({ format: 2, groups: {} });
    expect(await d.receive(doc('device:till-1', 1, { sale: { resultHoldSec: 3 } }), undefined)).toBe('applied');
  });
});

describe('a fleet key rotated in the config file, over a real broker', () => {
  let broker: Mosquitto;
  let obs: Observer;
  beforeAll(async () => {
    broker = await Mosquitto.start();
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/config/reported']);
  });
  afterAll(async () => {
    await obs?.close();
    await broker?.close();
  });

  it('the next start drops the document signed by the old key and says so on config/reported', async () => {
    const setup = { deviceId: 'till-rotate', url: broker.url, stateDir: await tempDir(), releaseRoot: await tempDir() };
    const topic = 'tillqr/v1/till-rotate/config/desired';
    await obs.publish(topic, signDesiredConfig('device:till-rotate', 7, { sale: { resultHoldSec: 13 } }, keyA));
    const a = await startAgent({ ...setup, fleetKeys: [keyA] }, new TestHost('1.0.0'));
    await obs.until<ReportedConfig>('tillqr/v1/till-rotate/config/reported', (m) => m.at(-1)?.device === 7);
    await a.stop();
    await obs.publish(topic, ''); // the operator cleared the document: only the stored copy is left
    const b = await startAgent({ ...setup, fleetKeys: [keyB] }, new TestHost('1.0.0'));
    try {
      const m = await obs.until<ReportedConfig>('tillqr/v1/till-rotate/config/reported', (x) => x.at(-1)?.errors.some((e) => e.key === '*') === true);
      expect(m.at(-1)).toMatchObject({ errors: [{ key: '*', source: 'device', message: expect.stringMatching(/^dropped at start: unknown_kid/) }] });
      expect(m.at(-1)?.device).toBeUndefined();
      expect(b.agent.desired.version('device')).toBeUndefined();
    } finally {
      await b.stop();
    }
  });
});
