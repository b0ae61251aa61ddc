import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as backend } from '../../../src/cli/backend.js';
import { captureIo } from '../../../src/cli/io.js';
import { run as keys } from '../../../src/cli/keys.js';
import { kidOfPublicKeyPem } from '../../../src/payment/keys.js';
import { exited, spawnTs } from '../../helpers/child.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { deviceConfig, makeKey, startDevice, tempDir, type RunningDevice } from '../../helpers/payment-kit.js';

const TILLQR = fileURLToPath(new URL('../../../src/cli/tillqr.ts', import.meta.url));
const ID = 'till-cli';

describe('tillqr keys and tillqr backend against a device on a real broker', () => {
  let broker: Mosquitto;
  let d: RunningDevice;
  let dir: string;
  let kid: string;

  beforeAll(async () => {
    broker = await Mosquitto.start();
    dir = await tempDir('tillqr-cli-');
    const io = captureIo({}, dir);
    expect(await keys(['generate', '--out', 'keys'], io)).toBe(0);
    kid = io.out.join('').trim();
    const publicKeyPem = await readFile(join(dir, 'keys', 'backend.pub.pem'), 'utf8');
    d = await startDevice(deviceConfig({ deviceId: ID, url: broker.url, keys: [{ ...makeKey(), kid, publicKeyPem }], stateDir: await tempDir() }));
  });
  afterAll(async () => {
    await d?.stop();
    await broker?.close();
  });

  const args = (cmd: string, ...more: string[]) => [cmd, '--broker', broker.url, '--device', ID, '--key', 'keys/backend.key.pem', `--kid=${kid}`, ...more];

  it('generates a key pair: private key mode 0600, kid = thumbprint of the public key, no silent overwrite', async () => {
    expect((await stat(join(dir, 'keys', 'backend.key.pem'))).mode & 0o777).toBe(0o600);
    expect(kidOfPublicKeyPem(await readFile(join(dir, 'keys', 'backend.pub.pem'), 'utf8'))).toBe(kid);
    const io = captureIo({}, dir);
    await expect(keys(['generate', '--out', 'keys'], io)).rejects.toMatchObject({ code: 'USAGE' });
    const k = captureIo({}, dir);
    expect(await keys(['kid', 'keys/backend.key.pem'], k)).toBe(0);
    expect(k.out.join('').trim()).toBe(kid);
  });

  it('charges, confirms and reports the device events; exit 1 on a rejection', async () => {
    const c = captureIo({}, dir);
    expect(await backend(args('charge', '--order', 'CLI-1', '--amount', '1200', '--qr', 'QR-CLI-1'), c)).toBe(0);
    expect(JSON.parse(c.out.join(''))).toMatchObject({ type: 'displayed', orderId: 'CLI-1' });
    expect(d.screen.current).toMatchObject({ name: 'charge', orderId: 'CLI-1', qr: 'QR-CLI-1' });

    const p = captureIo({}, dir);
    expect(await backend(args('confirm', '--order', 'CLI-1', '--amount', '1200', '--wallet', 'PayPay'), p)).toBe(0);
    expect(JSON.parse(p.out.join(''))).toMatchObject({ type: 'paid', orderId: 'CLI-1' });
    expect(d.indicator.count('paid')).toBe(1);

    const again = captureIo({}, dir);
    expect(await backend(args('confirm', '--order', 'CLI-1', '--amount', '1200'), again)).toBe(1);
    expect(JSON.parse(again.out.join(''))).toMatchObject({ type: 'rejected', reason: 'order_closed' });
    expect(d.indicator.count('paid')).toBe(1);

    const cancel = captureIo({}, dir);
    expect(await backend(args('cancel', '--order', 'NOPE'), cancel)).toBe(1);
    expect(JSON.parse(cancel.out.join(''))).toMatchObject({ type: 'rejected', reason: 'unknown_order' });
  });

  it('a confirmation sent again byte for byte (same --jti and --at) exits 0 saying it was already accepted; the same jti with other content is a replay', async () => {
    const c = captureIo({}, dir);
    expect(await backend(args('charge', '--order', 'CLI-2', '--amount', '800', '--qr', 'QR-CLI-2'), c)).toBe(0);
    const at = String(Math.floor(Date.now() / 1000));
    const confirm = (...more: string[]) => args('confirm', '--order', 'CLI-2', '--amount', '800', '--jti', 'cli-pay-2', '--at', at, ...more);
    const paidBefore = d.indicator.count('paid');

    const first = captureIo({}, dir);
    expect(await backend(confirm(), first)).toBe(0);
    expect(JSON.parse(first.out.join(''))).toMatchObject({ type: 'paid', orderId: 'CLI-2', jti: 'cli-pay-2' });
    expect(first.err.join('')).toContain('--jti cli-pay-2 --at ' + at);
    expect(first.err.join('')).toContain('the device accepted the confirmation: paid');
    expect(d.indicator.count('paid')).toBe(paidBefore + 1);

    const again = captureIo({}, dir);
    expect(await backend(confirm(), again)).toBe(0);
    expect(JSON.parse(again.out.join(''))).toMatchObject({ type: 'rejected', reason: 'replayed', same: true, jti: 'cli-pay-2' });
    expect(again.err.join('')).toContain('the device had already accepted this very confirmation (jti cli-pay-2)');
    expect(d.indicator.count('paid')).toBe(paidBefore + 1);

    const other = captureIo({}, dir);
    expect(await backend(confirm('--wallet', 'PayPay'), other)).toBe(1);
    const replay = JSON.parse(other.out.join('')) as Record<string, unknown>;
    expect(replay).toMatchObject({ type: 'rejected', reason: 'replayed', jti: 'cli-pay-2' });
    expect(replay.same).toBeUndefined();
    expect(other.err.join('')).toContain('the device rejected the message: replayed');
    expect(d.indicator.count('paid')).toBe(paidBefore + 1);
  });

  it('times out with LINK_TIMEOUT when no device answers, and refuses bad flags', async () => {
    const io = captureIo({}, dir);
    await expect(
      backend(
        ['charge', '--broker', broker.url, '--device', 'nobody', '--key', 'keys/backend.key.pem', `--kid=${kid}`, '--amount', '5', '--timeout', '300'],
        io,
      ),
    ).rejects.toMatchObject({
      code: 'LINK_TIMEOUT',
    });
    await expect(backend(args('charge'), captureIo({}, dir))).rejects.toMatchObject({ code: 'USAGE' });
    await expect(backend(args('confirm', '--order', 'X', '--amount', '1.5'), captureIo({}, dir))).rejects.toMatchObject({ code: 'USAGE' });
    await expect(backend(args('refund', '--order', 'X'), captureIo({}, dir))).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('runs as the tillqr command: a message signed with an untrusted key exits 1 with unknown_kid', async () => {
    const gen = spawnTs(TILLQR, ['keys', 'generate', '--out', 'other'], { cwd: dir });
    let otherKid = '';
    gen.stdout?.on('data', (b: Buffer) => (otherKid += b.toString()));
    expect((await exited(gen)).code).toBe(0);
    otherKid = otherKid.trim();
    expect(otherKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const child = spawnTs(
      TILLQR,
      ['backend', 'charge', '--broker', broker.url, '--device', ID, '--key', 'other/backend.key.pem', `--kid=${otherKid}`, '--amount', '100'],
      { cwd: dir },
    );
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    expect((await exited(child)).code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ type: 'rejected', reason: 'unknown_kid' });
    expect(JSON.parse(out).orderId).toBeUndefined();
  });
});
