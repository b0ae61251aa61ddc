/**
 * The operator CLI as it runs in production: logged in as the `tillqr-fleet` user of the example
 * ACL (device/mosquitto/acl), the password from TILLQR_FLEET_PASSWORD, against devices that log
 * in with their own credentials. Status, a group config push and a chunked rollout all pass the
 * ACL; a wrong password is said to be one, at once, and never printed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportedConfig } from '../../../src/link/contract-fleet.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { FleetDevice } from './fleet-device.js';
import { makeArtifact, Observer, tempDir } from './fleet-kit.js';
import { fleetCli, keyFile, tableRows } from './operator-kit.js';

const ACL_FILE = new URL('../../../device/mosquitto/acl', import.meta.url);
const USERS = { 'tillqr-fleet': 'Fleet-pw-31', 'till-k1': 'pw-k1', 'till-k2': 'pw-k2', observer: 'pw-obs' };

describe('tillqr fleet through the example ACL', () => {
  let broker: Mosquitto;
  let obs: Observer;
  let env: NodeJS.ProcessEnv;
  let releaseKey: Awaited<ReturnType<typeof keyFile>>;
  let fleetKey: Awaited<ReturnType<typeof keyFile>>;
  const devices: FleetDevice[] = [];
  const login = ['--username', 'tillqr-fleet'];

  beforeAll(async () => {
    const acl = `${await readFile(ACL_FILE, 'utf8')}\n# test observer\nuser observer\ntopic read tillqr/v1/#\n`;
    broker = await Mosquitto.start({ acl, users: USERS });
    env = { TILLQR_FLEET_URL: broker.url, TILLQR_FLEET_PASSWORD: USERS['tillqr-fleet'] };
    obs = await Observer.connect(broker.url.replace('mqtt://', `mqtt://observer:${USERS.observer}@`), [
      'tillqr/v1/+/config/reported',
      'tillqr/v1/+/update/status',
    ]);
    [releaseKey, fleetKey] = await Promise.all([keyFile('release'), keyFile('fleet')]);
    for (const id of ['till-k1', 'till-k2'] as const) {
      devices.push(
        await FleetDevice.start({
          deviceId: id,
          url: broker.url,
          mqtt: { username: id, password: USERS[id] },
          releaseKeys: [releaseKey],
          fleetKeys: [fleetKey],
          groups: ['acl-g'],
          fleet: { blockSize: 16_384, requestTimeoutSec: 600 },
        }),
      );
      await obs.until(`tillqr/v1/${id}/config/reported`, (m) => m.length > 0);
    }
  });
  afterAll(async () => {
    for (const d of devices) await d.stop();
    await obs?.close();
    await broker?.close();
  });

  it('status, config push --group and a chunked rollout work with the fleet user alone', async () => {
    const rows = tableRows((await fleetCli(['status', ...login], { env })).out);
    expect(rows.map((r) => [r.DEVICE, r.GROUPS])).toEqual([
      ['till-k1', 'acl-g'],
      ['till-k2', 'acl-g'],
    ]);

    const desired = join(await tempDir(), 'desired.json');
    await writeFile(desired, JSON.stringify({ sale: { resultHoldSec: 6 } }));
    const push = await fleetCli(['config', 'push', ...login, '--group', 'acl-g', '--file', desired, '--key', fleetKey.path, '--version', '2'], { env });
    expect(push.code, push.err).toBe(0);
    for (const d of devices) {
      await obs.until<ReportedConfig>(`tillqr/v1/${d.id}/config/reported`, (m) => m.at(-1)?.groups['acl-g'] === 2);
      expect(d.agent.store.current.sale.resultHoldSec).toBe(6);
    }

    const artifact = await makeArtifact('1.1.0');
    const job = join(await tempDir(), 'job.jws');
    expect(
      (
        await fleetCli(['release', 'sign', '--key', releaseKey.path, '--artifact', artifact, '--version', '1.1.0', '--stream', 'acl-1.1.0', '--out', job], {
          env,
        })
      ).code,
    ).toBe(0);
    const r = await fleetCli(['rollout', ...login, '--group', 'acl-g', '--version', '1.1.0', '--job', job, '--batch', '50%', '--serve', artifact], { env });
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/done: 2 succeeded, 0 failed\n$/);
    for (const d of devices) expect(await d.releases.linkVersion('committed')).toBe('1.1.0');
  });

  it('a wrong password is refused as a login problem, not an unreachable broker, and is not printed', async () => {
    const r = await fleetCli(['status', ...login], { env: { ...env, TILLQR_FLEET_PASSWORD: 'Wrong-pw-99' } });
    expect(r.code).toBe(69);
    expect(r.err).toMatch(/refused the login .*check --username and TILLQR_FLEET_PASSWORD/);
    expect(r.err + r.out).not.toContain('Wrong-pw-99');
    const anonymous = await fleetCli(['status'], { env: { TILLQR_FLEET_URL: broker.url } });
    expect(anonymous.code).toBe(69);
    expect(anonymous.err).toContain('refused the login');
  });

  it('credentials in the broker URL are not printed either', async () => {
    const url = broker.url.replace('mqtt://', 'mqtt://tillqr-fleet:Url-secret-5@');
    const r = await fleetCli(['status', '--url', url]);
    expect(r.code).toBe(69);
    expect(r.err).toContain('refused the login');
    expect(r.err).not.toContain('Url-secret-5');
  });
});
