import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { DesiredConfig } from '../../../src/fleet/desired-config.js';
import { signDesiredConfig } from '../../../src/fleet/operator/sign.js';
import type { ReportedConfig } from '../../../src/link/contract-fleet.js';
import { TrustedKeys } from '../../../src/payment/jws.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { deviceStore, makeKey, Observer, startAgent, tempDir, TestHost } from './fleet-kit.js';

const fleet = makeKey();
const backend = makeKey();

async function setup(groups = ['north', 'all']) {
  const stateDir = await tempDir();
  const log = createLogger('t', { sink: memorySink() });
  const store = await deviceStore({ deviceId: 'till-1', url: 'mqtt://127.0.0.1:1', stateDir, releaseRoot: '/opt/tillqr', fleetKeys: [fleet], groups }, log);
  const reports: ReportedConfig[] = [];
  const restarts: string[][] = [];
  const mk = () =>
    new DesiredConfig({
      store,
      deviceId: 'till-1',
      groups,
      fleetKeys: new TrustedKeys([{ kid: fleet.kid, publicKeyPem: fleet.publicKeyPem }]),
      skewSec: 60,
      stateDir,
      clock: new FakeClock(Date.now()),
      logger: log,
      report: (r) => reports.push(r),
      restartNeeded: (k) => restarts.push([...k]),
    });
  const d = mk();
  await d.start();
  return { stateDir, store, reports, restarts, d, mk };
}

const doc = (target: string, version: number, config: Record<string, unknown>, key = fleet) => Buffer.from(signDesiredConfig(target, version, config, key));

describe('desired configuration', () => {
  it('applies device over groups, the first listed group over later ones, each key live through the ConfigStore', async () => {
    const { store, d, reports } = await setup();
    expect(await d.receive(doc('group:all', 1, { display: { rotation: 90 }, sale: { resultHoldSec: 7 } }), 'all')).toBe('applied');
    expect(store.current.display.rotation).toBe(90);
    expect(await d.receive(doc('group:north', 1, { display: { rotation: 270 } }), 'north')).toBe('applied');
    expect(store.current.display.rotation).toBe(270);
    expect(await d.receive(doc('device:till-1', 1, { display: { rotation: 180 } }), undefined)).toBe('applied');
    expect(store.current.display.rotation).toBe(180);
    // A later group document does not beat the device's.
    expect(await d.receive(doc('group:all', 2, { display: { rotation: 0 }, sale: { resultHoldSec: 9 } }), 'all')).toBe('applied');
    expect(store.current.display.rotation).toBe(180);
    expect(store.current.sale.resultHoldSec).toBe(9);
    expect(reports.at(-1)).toMatchObject({ device: 1, groups: { all: 2, north: 1 }, memberOf: ['north', 'all'], errors: [] });
    const onDisk = JSON.parse(await readFile(store.path, 'utf8')) as { display: { rotation: number } };
    expect(onDisk.display.rotation).toBe(180);
  });

  it('applies the valid keys and reports an error for each invalid, unknown or forbidden one', async () => {
    const { store, d, reports } = await setup();
    await d.receive(
      doc('device:till-1', 3, {
        display: { rotation: 45 },
        sale: { resultHoldSec: 12 },
        nope: 1,
        deviceId: 'evil',
        trust: { releaseKeys: [] },
        mqtt: { password: 12 },
      }),
      undefined,
    );
    expect(store.current.sale.resultHoldSec).toBe(12);
    expect(store.current.display.rotation).toBe(0);
    expect(store.current.deviceId).toBe('till-1');
    const r = reports.at(-1);
    expect(r?.applied).toEqual(['sale.resultHoldSec']);
    const byKey = Object.fromEntries((r?.errors ?? []).map((e) => [e.key, e.message]));
    expect(Object.keys(byKey).sort()).toEqual(['deviceId', 'display.rotation', 'mqtt.password', 'nope', 'trust.releaseKeys']);
    expect(byKey['display.rotation']).toMatch(/45 is not one of/);
    expect(byKey.nope).toBe('is not a configuration key');
    expect(byKey['trust.releaseKeys']).toBe('may not be set by fleet configuration');
    expect(byKey['mqtt.password']).not.toContain('12');
  });

  it('never lets an older version overwrite a newer one, also after a restart', async () => {
    const { store, d, mk, reports } = await setup();
    await d.receive(doc('device:till-1', 5, { sale: { resultHoldSec: 5 } }), undefined);
    expect(await d.receive(doc('device:till-1', 4, { sale: { resultHoldSec: 4 } }), undefined)).toBe('stale');
    expect(await d.receive(doc('device:till-1', 5, { sale: { resultHoldSec: 6 } }), undefined)).toBe('unchanged');
    expect(store.current.sale.resultHoldSec).toBe(5);
    expect(reports.at(-1)?.rejected).toMatch(/stale: version 4/);
    const again = mk();
    await again.start();
    expect(again.version('device')).toBe(5);
    expect(await again.receive(doc('device:till-1', 4, { sale: { resultHoldSec: 4 } }), undefined)).toBe('stale');
    expect(store.current.sale.resultHoldSec).toBe(5);
  });

  it('refuses a backend key, a document for another device and a group document on the wrong topic', async () => {
    const { store, d, reports } = await setup();
    expect(await d.receive(doc('device:till-1', 1, { sale: { resultHoldSec: 3 } }, backend), undefined)).toBe('refused');
    expect(reports.at(-1)?.rejected).toMatch(/unknown_kid/);
    expect(await d.receive(doc('device:till-2', 1, { sale: { resultHoldSec: 3 } }), undefined)).toBe('refused');
    expect(await d.receive(doc('group:south', 1, { sale: { resultHoldSec: 3 } }), 'north')).toBe('refused');
    expect(reports.at(-1)?.rejected).toMatch(/wrong_audience/);
    expect(store.current.sale.resultHoldSec).not.toBe(3);
  });

  it('asks for a restart when an applied key needs one', async () => {
    const { d, restarts } = await setup();
    await d.receive(doc('device:till-1', 1, { mqtt: { keepaliveSec: 45 } }), undefined);
    expect(restarts).toEqual([['mqtt.keepaliveSec']]);
  });
});

describe('desired configuration over a real broker', () => {
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

  it('a retained group document reaches a device that connects later; config/reported is retained', async () => {
    await obs.publish('tillqr/v1/groups/shop-7/config/desired', signDesiredConfig('group:shop-7', 11, { display: { rotation: 90 } }, fleet));
    const a = await startAgent(
      { deviceId: 'till-late', url: broker.url, stateDir: await tempDir(), releaseRoot: await tempDir(), fleetKeys: [fleet], groups: ['shop-7'] },
      new TestHost('1.0.0'),
    );
    try {
      const m = await obs.until<ReportedConfig>('tillqr/v1/till-late/config/reported', (x) => x.some((r) => r.groups['shop-7'] === 11 && r.at > 0));
      expect(m.at(-1)).toMatchObject({ applied: ['display.rotation'], errors: [] });
      expect(a.store.current.display.rotation).toBe(90);
      expect(JSON.parse(await readFile(join(a.store.path), 'utf8'))).toMatchObject({ display: { rotation: 90 } });
    } finally {
      await a.stop();
    }
  });
});
