/**
 * `tillqr provision` end to end: the technician CLI on the host end of a real pty, the console
 * on the device end, a real Mosquitto that only lets the bundle's credentials in.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/provision.js';
import { captureIo } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/tillqr.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { BUNDLE_PASSPHRASE, makeBundle } from '../../unit/console/bundle-fixture.js';
import { Rig } from './rig.js';

let broker: Mosquitto;
let rig: Rig | undefined;

beforeAll(async () => {
  broker = await Mosquitto.start({ acl: 'user shop-042\ntopic readwrite tillqr/v1/shop-042/#\n', users: { 'shop-042': 'broker-Secret-77' } });
});

afterAll(async () => {
  await broker.close();
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function bundleFile(r: Rig, over: Record<string, unknown> = {}): Promise<string> {
  const path = join(r.dir, 'shop-042.json');
  await writeFile(path, JSON.stringify(makeBundle({ mqtt: { url: broker.url, username: 'shop-042', password: 'broker-Secret-77' }, ...over }), null, 2));
  return path;
}

const out = (io: { out: string[]; err: string[] }): string => io.out.join('') + io.err.join('');

describe('tillqr provision', () => {
  it('provisions a new device, restarts it, and verifies the checklist on the device', async () => {
    rig = await Rig.start();
    const io = captureIo({}, rig.dir);
    // through the dispatcher first, before the bundle file exists: a clean failure
    expect(await main(['provision', '--port', rig.pty.host, '--bundle', 'shop-042.json'], io)).toBe(74);
    expect(out(io)).toMatch(/cannot read the bundle .*shop-042\.json: ENOENT/);
    await bundleFile(rig);
    const io2 = captureIo({}, rig.dir);
    expect(await run(['--port', rig.pty.host, '--bundle', 'shop-042.json'], io2)).toBe(0);
    const text = out(io2);
    expect(text).toContain(`bundle ${join(rig.dir, 'shop-042.json')}: device shop-042, broker ${broker.url}, merchant CAFE MORI (checked)`);
    expect(text).toContain('device answers: tillqr 0.1.0-test');
    expect(text).toContain('restarting the tillqr service to apply them...');
    expect(text).toMatch(
      /checklist for shop-042:\n {2}\[ ok \] config saved: device id shop-042, broker mqtt:\/\/127\.0\.0\.1:\d+, merchant CAFE MORI\n {2}\[ ok \] broker connected: mqtt:\/\/127\.0\.0\.1:\d+\n {2}\[ ok \] display test shown: test pattern and sample QR on waveshare-4in2-v2\n/,
    );
    expect(text).toContain('the device is provisioned.');
    for (const secret of [BUNDLE_PASSPHRASE, 'broker-Secret-77']) expect(text).not.toContain(secret);
    // it really restarted: a second target, built from the config file on disk
    expect(rig.targets).toHaveLength(2);
    expect(rig.targets[0]?.calls).toEqual(['restart']);
    expect(rig.targets[1]?.calls).toEqual(['display test']);
    const onDisk = JSON.parse(await readFile(rig.configPath, 'utf8')) as { deviceId: string };
    expect(onDisk.deviceId).toBe('shop-042');
  });

  it('ends with the exact failure when the broker refuses the device, and exit code 1', async () => {
    rig = await Rig.start();
    await bundleFile(rig, { mqtt: { url: broker.url, username: 'shop-042', password: 'wrong-Password-1' } });
    const io = captureIo({}, rig.dir);
    expect(await run(['--port', rig.pty.host, '--bundle', 'shop-042.json', '--timeout', '6'], io)).toBe(1);
    const text = out(io);
    expect(text).toContain('[ ok ] config saved');
    expect(text).toMatch(/\[FAIL\] broker connected: not connected to mqtt:\/\/127\.0\.0\.1:\d+: .*(Not authorized|Bad User Name or Password)/);
    expect(text).toContain('the device is NOT ready');
    expect(text).not.toContain('wrong-Password-1');
  });

  it('needs the current passphrase to re-provision a locked device', async () => {
    rig = await Rig.start({ lockoutPolicy: { baseMs: 1, maxMs: 1 } }); // lockout itself is tested on a FakeClock elsewhere
    await bundleFile(rig, { passphrase: 'old-Passphrase-1' });
    expect(await run(['--port', rig.pty.host, '--bundle', 'shop-042.json'], captureIo({}, rig.dir))).toBe(0);
    await bundleFile(rig, { passphrase: 'new-Passphrase-2' });
    const denied = captureIo({}, rig.dir);
    expect(await run(['--port', rig.pty.host, '--bundle', 'shop-042.json'], denied)).toBe(1);
    expect(out(denied)).toContain(
      "failed: CONSOLE_AUTH_FAILED: wrong passphrase; the next attempt is possible in 1 s (give the device's current passphrase with --passphrase-env VAR)",
    );
    const io = captureIo({ SHOP_PASS: 'old-Passphrase-1' }, rig.dir);
    expect(await run(['--port', rig.pty.host, '--bundle', 'shop-042.json', '--passphrase-env', 'SHOP_PASS'], io)).toBe(0);
    expect(out(io)).not.toContain('old-Passphrase-1');
    expect(out(io)).not.toContain('new-Passphrase-2');
    const io3 = captureIo({ SHOP_PASS: 'new-Passphrase-2' }, rig.dir);
    expect(await run(['--port', rig.pty.host, '--bundle', 'shop-042.json', '--passphrase-env', 'SHOP_PASS'], io3)).toBe(0);
  });

  it('checks the bundle before touching the device, and names a missing port', async () => {
    rig = await Rig.start();
    await writeFile(join(rig.dir, 'bad.json'), JSON.stringify(makeBundle({ deviceId: 'no spaces allowed', passphrase: 'short' })));
    const io = captureIo({}, rig.dir);
    expect(await run(['--port', rig.pty.host, '--bundle', 'bad.json'], io)).toBe(65);
    expect(out(io)).toMatch(/deviceId: "no spaces allowed" is not a device id/);
    expect(out(io)).toMatch(/passphrase: is not a technician passphrase of 8-256 characters \(value not shown\)/);
    expect(out(io)).not.toContain('"short"');
    await expect(readFile(rig.configPath, 'utf8')).rejects.toThrow(/ENOENT/);
    await bundleFile(rig);
    const io2 = captureIo({}, rig.dir);
    expect(await run(['--port', join(rig.dir, 'no-such-tty'), '--bundle', 'shop-042.json'], io2)).toBe(69);
    expect(out(io2)).toMatch(/cannot open .*no-such-tty/);
    expect(await run(['--bundle', 'shop-042.json'], captureIo({}, rig.dir)).catch((e: Error) => e.message)).toMatch(/--port is required/);
    const io3 = captureIo({}, rig.dir);
    expect(await run(['--port', rig.pty.host, '--bundle', 'shop-042.json', '--passphrase-env', 'NOT_SET'], io3)).toBe(64);
  });
});
