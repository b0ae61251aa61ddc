/**
 * Events echo the `jti` of the signed message they answer and carry a human `detail` on every
 * rejection (additive; contract version unchanged), over a real Mosquitto: a backend can match a
 * `rejected` to its message. An unverified message gets no jti echo (a forgery must not make the
 * device speak about a real message's jti).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchema } from '../../../src/link/contract.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, TestBackend, tempDir, type RunningDevice } from '../../helpers/payment-kit.js';

const ID = 'till-jti';

describe('events carry the jti they answer and a detail', () => {
  let broker: Mosquitto;
  let d: RunningDevice;
  let backend: TestBackend;
  const key = makeKey();
  const stranger = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    d = await startDevice(deviceConfig({ deviceId: ID, url: broker.url, keys: [key], stateDir: await tempDir() }));
    backend = await TestBackend.connect(broker.url);
    await backend.watch(ID);
  });
  afterAll(async () => {
    await backend?.close();
    await d?.stop();
    await broker?.close();
  });

  it('displayed and paid echo their message jti; a wrong-currency payment is rejected with its jti and the currencies in words', async () => {
    await backend.send(ID, 'charge', backend.sign(ID, key, chargeBody('J-1', 1200, { qr: 'QR-J-1' }), { jti: 'charge-jti-1' }));
    expect(await backend.nth(ID, 1)).toMatchObject({ type: 'displayed', orderId: 'J-1', jti: 'charge-jti-1' });
    await backend.send(ID, 'payment', backend.sign(ID, key, paymentBody('J-1', 1200, { currency: 'USD' }), { jti: 'pay-jti-usd' }));
    const rejected = await backend.nth(ID, 2);
    expect(rejected).toMatchObject({ type: 'rejected', orderId: 'J-1', reason: 'currency_mismatch', jti: 'pay-jti-usd' });
    expect(rejected.detail).toBe('the payment is in USD but order J-1 was charged in JPY');
    await backend.send(ID, 'payment', backend.sign(ID, key, paymentBody('J-1', 1300), { jti: 'pay-jti-1300' }));
    expect((await backend.nth(ID, 3)).detail).toMatch(/1300 JPY .* but order J-1 was charged 1200 JPY/);
    await backend.send(ID, 'payment', backend.sign(ID, key, paymentBody('J-1', 1200), { jti: 'pay-jti-ok' }));
    const paid = await backend.nth(ID, 4);
    expect(paid).toMatchObject({ type: 'paid', orderId: 'J-1', jti: 'pay-jti-ok' });
    expect(paid.detail).toBeUndefined();
    // Every event still matches the published schema.
    for (const e of backend.of(ID)) expect(eventSchema.safeParse(e).ok).toBe(true);
  });

  it('a replay, a wrong audience and an untrusted key say why; only the verified ones echo the jti', async () => {
    await backend.send(ID, 'payment', backend.sign(ID, key, paymentBody('J-1', 1200), { jti: 'pay-jti-ok' }));
    const replay = await backend.nth(ID, 5);
    expect(replay).toMatchObject({ type: 'rejected', reason: 'replayed', jti: 'pay-jti-ok' });
    expect(replay.detail).toContain('"pay-jti-ok" was already processed');
    await backend.send(ID, 'charge', backend.sign('till-other', key, chargeBody('J-2'), { jti: 'aud-jti' }));
    const aud = await backend.nth(ID, 6);
    expect(aud).toMatchObject({ reason: 'wrong_audience', jti: 'aud-jti' });
    expect(aud.detail).toBe('the message is addressed to "till-other", this device is "till-jti"');
    await backend.send(ID, 'charge', backend.sign(ID, stranger, chargeBody('J-3'), { jti: 'forged-jti' }));
    const forged = await backend.nth(ID, 7);
    expect(forged).toMatchObject({ type: 'rejected', reason: 'unknown_kid' });
    expect(forged.jti).toBeUndefined();
    expect(forged.orderId).toBeUndefined();
    expect(forged.detail).toContain(stranger.kid);
  });
});
