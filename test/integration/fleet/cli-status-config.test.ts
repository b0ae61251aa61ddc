/**
 * `tillqr fleet status` and `tillqr fleet config push`, run through the real command dispatcher
 * against a real Mosquitto, with real fleet agents and real payment links (which publish the
 * retained device status) on the device side.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { DeviceView } from '../../../src/fleet/operator/fleet-view.js';
import type { ReportedConfig } from '../../../src/link/contract-fleet.js';
import { MqttLink } from '../../../src/link/mqtt-link.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { FleetDevice } from './fleet-device.js';
import { Observer, tempDir } from './fleet-kit.js';
import { fleetCli, keyFile, tableRows } from './operator-kit.js';

describe('tillqr fleet status and config push', () => {
  let broker: Mosquitto;
  let obs: Observer;
  let env: NodeJS.ProcessEnv;
  let fleetKey: Awaited<ReturnType<typeof keyFile>>;
  let backendKey: Awaited<ReturnType<typeof keyFile>>;
  const devices = new Map<string, FleetDevice>();
  const links: MqttLink[] = [];
  const sinceCharge = Math.floor(Date.now() / 1000) - 30;

  async function link(deviceId: string, version: string): Promise<MqttLink> {
    const config = validateConfig({ deviceId, mqtt: { url: broker.url, reconnectMinMs: 100, reconnectMaxMs: 1000 } });
    const l = new MqttLink({ mqtt: config.mqtt, deviceId, version, clock: systemClock(), logger: silentLogger });
    links.push(l);
    await new Promise<void>((resolve) => l.start({ message: () => Promise.resolve(), online: resolve, offline: () => undefined }));
    return l;
  }

  const reported = (id: string) => `tillqr/v1/${id}/config/reported`;

  beforeAll(async () => {
    broker = await Mosquitto.start();
    env = { TILLQR_FLEET_URL: broker.url };
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/status', 'tillqr/v1/+/config/reported']);
    [fleetKey, backendKey] = await Promise.all([keyFile('fleet'), keyFile('backend')]);
    const groups: Record<string, string[]> = { 'till-s1': ['north'], 'till-s2': ['north', 'all'], 'till-s3': ['south'] };
    for (const [id, g] of Object.entries(groups)) {
      devices.set(id, await FleetDevice.start({ deviceId: id, url: broker.url, fleetKeys: [fleetKey], backendKeys: [backendKey], groups: g }));
      await obs.until(reported(id), (m) => m.length > 0);
    }
    await link('till-s1', '1.0.0');
    const l2 = await link('till-s2', '1.0.3');
    l2.setStatus({ state: 'charge', version: '1.0.3', since: sinceCharge, faults: ['STORE_WRITE_FAILED'] });
    const l3 = await link('till-s3', '0.9.8');
    await l3.close();
    await obs.until<{ online: boolean; state: string }>('tillqr/v1/till-s2/status', (m) => m.at(-1)?.state === 'charge');
    await obs.until<{ online: boolean }>('tillqr/v1/till-s3/status', (m) => m.at(-1)?.online === false);
  });
  afterAll(async () => {
    for (const l of links) await l.close();
    for (const d of devices.values()) await d.stop();
    await obs?.close();
    await broker?.close();
  });

  it('status prints one row per device from the retained statuses: online, version, state, faults, groups, last seen', async () => {
    const r = await fleetCli(['status'], { env });
    expect(r.code).toBe(0);
    const [head] = r.out.split('\n');
    expect(head?.split(/ {2,}/)).toEqual(['DEVICE', 'ONLINE', 'VERSION', 'STATE', 'FAULTS', 'UPDATE', 'GROUPS', 'LAST SEEN']);
    const rows = tableRows(r.out);
    expect(rows.map((x) => x.DEVICE)).toEqual(['till-s1', 'till-s2', 'till-s3']);
    expect(rows[0]).toMatchObject({ ONLINE: 'yes', VERSION: '1.0.0', STATE: 'idle', FAULTS: '-', UPDATE: '-', GROUPS: 'north' });
    expect(rows[1]).toMatchObject({ ONLINE: 'yes', VERSION: '1.0.3', STATE: 'charge', FAULTS: 'STORE_WRITE_FAILED', GROUPS: 'north,all' });
    expect(rows[2]).toMatchObject({ ONLINE: 'no', VERSION: '0.9.8', STATE: 'idle', FAULTS: '-', GROUPS: 'south' });
    // A connected device is seen now (the broker holds its connection and its will), however long
    // ago it entered its state; an offline one was last seen at the time its status carries.
    expect(rows.slice(0, 2).map((x) => x['LAST SEEN'])).toEqual(['now', 'now']);
    expect(rows[2]?.['LAST SEEN']).toMatch(/^\d+s ago$/);
  });

  it('status --json gives the same view as data', async () => {
    const r = await fleetCli(['status', '--json'], { env });
    expect(r.code).toBe(0);
    const views = JSON.parse(r.out) as DeviceView[];
    const s2 = views.find((v) => v.deviceId === 'till-s2');
    expect(s2?.status).toEqual({ online: true, state: 'charge', version: '1.0.3', since: sinceCharge, faults: ['STORE_WRITE_FAILED'] });
    expect(s2?.reported?.memberOf).toEqual(['north', 'all']);
    expect(views.find((v) => v.deviceId === 'till-s3')?.status?.online).toBe(false);
  });

  it('config push --device reaches that device only; config/reported shows the version', async () => {
    const file = join(await tempDir(), 'desired.json');
    await writeFile(file, JSON.stringify({ display: { rotation: 90 } }));
    const r = await fleetCli(['config', 'push', '--device', 'till-s1', '--file', file, '--key', fleetKey.path, '--version', '3'], { env });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('published desired config version 3 for device:till-s1');
    const m = await obs.until<ReportedConfig>(reported('till-s1'), (x) => x.at(-1)?.device === 3);
    expect(m.at(-1)).toMatchObject({ applied: ['display.rotation'], errors: [] });
    expect(devices.get('till-s1')?.agent.store.current.display.rotation).toBe(90);
    expect(devices.get('till-s2')?.agent.store.current.display.rotation).toBe(0);
    expect(obs.json<ReportedConfig>(reported('till-s2')).every((x) => x.device === undefined)).toBe(true);
  });

  it('config push --group reaches every member and no one else; an older version is refused as stale', async () => {
    const file = join(await tempDir(), 'desired.json');
    await writeFile(file, JSON.stringify({ sale: { resultHoldSec: 7 } }));
    const r = await fleetCli(['config', 'push', '--group', 'north', '--file', file, '--key', fleetKey.path, '--version', '5'], { env });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('retained on tillqr/v1/groups/north/config/desired');
    for (const id of ['till-s1', 'till-s2']) {
      await obs.until<ReportedConfig>(reported(id), (x) => x.at(-1)?.groups.north === 5);
      expect(devices.get(id)?.agent.store.current.sale.resultHoldSec).toBe(7);
    }
    expect(devices.get('till-s3')?.agent.store.current.sale.resultHoldSec).not.toBe(7);
    expect(obs.json<ReportedConfig>(reported('till-s3')).every((x) => x.groups.north === undefined)).toBe(true);

    await writeFile(file, JSON.stringify({ sale: { resultHoldSec: 4 } }));
    expect((await fleetCli(['config', 'push', '--group', 'north', '--file', file, '--key', fleetKey.path, '--version', '4'], { env })).code).toBe(0);
    const m = await obs.until<ReportedConfig>(reported('till-s1'), (x) => /stale/.test(x.at(-1)?.rejected ?? ''));
    expect(m.at(-1)?.groups.north).toBe(5);
    expect(devices.get('till-s1')?.agent.store.current.sale.resultHoldSec).toBe(7);
  });

  it('a desired config signed with a backend key is refused by the device and changes nothing', async () => {
    const file = join(await tempDir(), 'desired.json');
    await writeFile(file, JSON.stringify({ display: { rotation: 180 } }));
    const r = await fleetCli(['config', 'push', '--device', 'till-s2', '--file', file, '--key', backendKey.path, '--version', '9'], { env });
    expect(r.code, r.err).toBe(0);
    const m = await obs.until<ReportedConfig>(reported('till-s2'), (x) => /unknown_kid/.test(x.at(-1)?.rejected ?? ''));
    expect(m.at(-1)?.device).toBeUndefined();
    expect(devices.get('till-s2')?.agent.store.current.display.rotation).toBe(0);
  });

  it('config push refuses a file that is not a JSON object, before touching the broker', async () => {
    const file = join(await tempDir(), 'desired.json');
    await writeFile(file, '[1, 2]');
    const r = await fleetCli(['config', 'push', '--device', 'till-s1', '--file', file, '--key', fleetKey.path, '--url', 'mqtt://127.0.0.1:1']);
    expect(r.code).toBe(64);
    expect(r.err).toContain('must hold a JSON object');
  });
});
