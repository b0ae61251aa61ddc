import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeries } from '../../helpers/forgeries.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, tempDir, TestBackend, type RunningDevice } from '../../helpers/payment-kit.js';

const ID = 'till-adv';

describe('adversarial messages over a real broker', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  let d: RunningDevice;
  const key = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    backend = await TestBackend.connect(broker.url);
    await backend.watch(ID);
    d = await startDevice(deviceConfig({ deviceId: ID, url: broker.url, keys: [key], stateDir: await tempDir() }));
  });
  afterAll(async () => {
    await d?.stop();
    await backend?.close();
    await broker?.close();
  });

  it('none fires the success signal and each gets its rejected reason; the genuine confirmation then fires once', async () => {
    const charge = backend.sign(ID, key, chargeBody('PEND-9', 2500, { qr: 'QR-PEND-9', expiresAt: Math.floor(Date.now() / 1000) + 3600 }));
    await backend.send(ID, 'charge', charge);
    expect(await backend.nth(ID, 1)).toMatchObject({ type: 'displayed', orderId: 'PEND-9' });
    const ctx = {
      deviceId: ID,
      key,
      pending: { orderId: 'PEND-9', amount: 2500, currency: 'JPY' },
      accepted: { topic: 'charge' as const, token: charge, orderId: 'PEND-9' },
      now: () => Math.floor(Date.now() / 1000),
      skewSec: d.config.trust.clockSkewSec,
      maxPayloadBytes: d.config.mqtt.maxPayloadBytes,
    };
    let n = 1;
    const kinds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(forgeries(ctx), async (make) => {
        const forgery = make();
        kinds.add(forgery.kind);
        await backend.send(ID, forgery.topic, forgery.payload);
        n++;
        const ev = await backend.nth(ID, n);
        expect({ kind: forgery.kind, type: ev.type, reason: ev.reason, orderId: ev.orderId }).toEqual({
          kind: forgery.kind,
          type: 'rejected',
          reason: forgery.reason,
          orderId: forgery.orderId,
        });
        expect(d.indicator.count('paid')).toBe(0);
      }),
      { numRuns: 200 },
    );
    expect(kinds.size).toBeGreaterThan(15);
    expect(d.screen.current).toMatchObject({ name: 'charge', orderId: 'PEND-9', qr: 'QR-PEND-9' });
    await backend.send(ID, 'payment', backend.sign(ID, key, paymentBody('PEND-9', 2500)));
    expect(await backend.nth(ID, n + 1)).toMatchObject({ type: 'paid', orderId: 'PEND-9' });
    expect(d.indicator.count('paid')).toBe(1);
  });
});
