/**
 * The README's backend library example, taken from README.md at run time and run as written (a
 * real child process; only the broker URL is filled in and 'tillqr/backend' resolves to this
 * checkout's src/backend) against a device on a real Mosquitto: it prints the status it follows
 * and "paid". And the library's decisions: a rejection is matched to its message by jti, with
 * reason and detail; a signature the device cannot check still comes back.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../../src/backend/index.js';
import { generateEd25519KeyPair } from '../../../src/payment/keys.js';
import { collectLines, exited, spawnTs } from '../../helpers/child.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { deviceConfig, startDevice, tempDir, type RunningDevice } from '../../helpers/payment-kit.js';

const README = new URL('../../../README.md', import.meta.url);
const LIBRARY = fileURLToPath(new URL('../../../src/backend/index.ts', import.meta.url));

/** The first ```ts block after the sentence that introduces the library. */
export async function readmeLibraryExample(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const at = text.indexOf('typed backend library');
  const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (at < 0 || m?.[1] === undefined) throw new Error('README.md has no backend library example');
  return m[1];
}

describe('the backend library', () => {
  let broker: Mosquitto;
  let d: RunningDevice;
  let dir: string;
  const pair = generateEd25519KeyPair();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    dir = await tempDir('tillqr-library-');
    await writeFile(join(dir, 'backend.key.pem'), pair.privateKeyPem, { mode: 0o600 });
    d = await startDevice(
      deviceConfig({ deviceId: 'sim-till-01', url: broker.url, keys: [{ kid: pair.kid, publicKeyPem: pair.publicKeyPem }], stateDir: await tempDir() }),
    );
  });
  afterAll(async () => {
    await d?.stop();
    await broker?.close();
  });

  it('runs the README example as written: it follows the status, charges and gets "paid"', async () => {
    const example = await readmeLibraryExample();
    expect(example.split('\n').length).toBeLessThanOrEqual(22);
    expect(example).toContain("from 'tillqr/backend'");
    const script = example
      .replace("'tillqr/backend'", JSON.stringify(LIBRARY))
      .replace('mqtt://127.0.0.1:1883', broker.url)
      .replace('keys/backend.key.pem', join(dir, 'backend.key.pem'));
    const file = join(dir, 'example.mts');
    await writeFile(file, script);
    const child = spawnTs(file, [], { cwd: dir });
    const out: string[] = [];
    const err: string[] = [];
    collectLines(child.stdout, out);
    collectLines(child.stderr, err);
    expect(await exited(child), err.join('\n')).toEqual({ code: 0, signal: null });
    expect(out).toContain('paid');
    expect(out).toContain('till: charge');
    expect(d.indicator.count('paid')).toBe(1);
  });

  it('matches a rejection to its message by jti, with the reason and the detail', async () => {
    const backend = await Backend.connect({ url: broker.url, privateKey: pair.privateKeyPem });
    try {
      expect(backend.kid).toBe(pair.kid);
      const shown = await backend.charge('sim-till-01', { orderId: 'L-1', amount: 500, currency: 'JPY', qr: 'QR-L-1' }, { jti: 'lib-charge-1' });
      expect(shown).toMatchObject({ ok: true, jti: 'lib-charge-1', event: { type: 'displayed', orderId: 'L-1', jti: 'lib-charge-1' } });
      const wrong = await backend.confirm('sim-till-01', { orderId: 'L-1', amount: 500, currency: 'USD' });
      expect(wrong.ok).toBe(false);
      expect(wrong.event).toMatchObject({
        type: 'rejected',
        reason: 'currency_mismatch',
        jti: wrong.jti,
        detail: 'the payment is in USD but order L-1 was charged in JPY',
      });
      const cancelled = await backend.cancel('sim-till-01', 'L-1');
      expect(cancelled).toMatchObject({ ok: true, event: { type: 'cancelled', orderId: 'L-1' } });
    } finally {
      await backend.close();
    }
    const stranger = await Backend.connect({ url: broker.url, privateKey: generateEd25519KeyPair().privateKeyPem });
    try {
      const r = await stranger.charge('sim-till-01', { amount: 100, currency: 'JPY' });
      expect(r).toMatchObject({ ok: false, event: { type: 'rejected', reason: 'unknown_kid' } });
    } finally {
      await stranger.close();
    }
  });

  it('the same confirmation again (same jti, time and body) is ok and `already`; other bytes under its jti are a replay', async () => {
    const backend = await Backend.connect({ url: broker.url, privateKey: pair.privateKeyPem });
    try {
      expect((await backend.charge('sim-till-01', { orderId: 'L-2', amount: 700, currency: 'JPY', qr: 'QR-L-2' })).ok).toBe(true);
      const paidBefore = d.indicator.count('paid');
      const at = Math.floor(Date.now() / 1000);
      const pay = { orderId: 'L-2', amount: 700, currency: 'JPY', providerTxnId: 'txn-L-2', paidAt: at };
      const first = await backend.confirm('sim-till-01', pay, { jti: 'lib-pay-2', issuedAt: at });
      expect(first).toMatchObject({ ok: true, already: false, event: { type: 'paid', jti: 'lib-pay-2' } });
      const again = await backend.confirm('sim-till-01', pay, { jti: 'lib-pay-2', issuedAt: at });
      expect(again).toMatchObject({ ok: true, already: true, event: { type: 'rejected', reason: 'replayed', same: true, jti: 'lib-pay-2' } });
      const other = await backend.confirm('sim-till-01', { ...pay, wallet: 'PayPay' }, { jti: 'lib-pay-2', issuedAt: at });
      expect(other).toMatchObject({ ok: false, already: false, event: { type: 'rejected', reason: 'replayed', jti: 'lib-pay-2' } });
      expect(d.indicator.count('paid')).toBe(paidBefore + 1);
    } finally {
      await backend.close();
    }
  });
});
