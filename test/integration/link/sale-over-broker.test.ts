import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEmv } from '../../../src/payment/emv-decode.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, tempDir, TestBackend, type RunningDevice } from '../../helpers/payment-kit.js';

describe('a sale over a real Mosquitto broker', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  const key = makeKey();
  const oldKey = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    backend = await TestBackend.connect(broker.url);
  });
  afterAll(async () => {
    await backend?.close();
    await broker?.close();
  });

  async function device(id: string): Promise<RunningDevice> {
    await backend.watch(id);
    return startDevice(deviceConfig({ deviceId: id, url: broker.url, keys: [oldKey, key], stateDir: await tempDir() }));
  }

  it('charge shows the QR, the confirmation fires the paid signal and the paid event, once', async () => {
    const d = await device('till-sale');
    try {
      await backend.send('till-sale', 'charge', backend.sign('till-sale', key, chargeBody('ORD-1', 1200, { qr: 'BACKEND-QR-1', reference: 'Table 4' })));
      expect(await backend.nth('till-sale', 1)).toMatchObject({ type: 'displayed', orderId: 'ORD-1' });
      expect(d.screen.current).toMatchObject({
        name: 'charge',
        orderId: 'ORD-1',
        qr: 'BACKEND-QR-1',
        money: { amount: 1200, currency: 'JPY' },
        reference: 'Table 4',
        storeName: 'カフェ森',
      });
      expect(d.indicator.count('waiting')).toBe(1);
      expect(d.indicator.count('paid')).toBe(0);

      // Signed with the older of two trusted keys (rotation): still accepted.
      await backend.send('till-sale', 'payment', backend.sign('till-sale', oldKey, paymentBody('ORD-1', 1200, { wallet: 'PayPay' })));
      expect(await backend.nth('till-sale', 2)).toMatchObject({ type: 'paid', orderId: 'ORD-1' });
      expect(d.indicator.count('paid')).toBe(1);
      expect(d.screen.current).toMatchObject({ name: 'paid', orderId: 'ORD-1', wallet: 'PayPay' });
      expect(d.device.history()).toMatchObject([{ orderId: 'ORD-1', amount: 1200, providerTxnId: 'txn-ORD-1' }]);
    } finally {
      await d.stop();
    }
  });

  it('builds a dynamic EMV QR from the merchant profile when the charge carries none', async () => {
    const d = await device('till-emv');
    try {
      await backend.send('till-emv', 'charge', backend.sign('till-emv', key, chargeBody('ORD-EMV-7', 4500)));
      expect(await backend.nth('till-emv', 1)).toMatchObject({ type: 'displayed', orderId: 'ORD-EMV-7' });
      const screen = d.screen.current;
      expect(screen?.name).toBe('charge');
      const qr = screen?.name === 'charge' ? screen.qr : '';
      const decoded = decodeEmv(qr);
      expect(JSON.stringify(decoded)).toContain('4500');
      expect(JSON.stringify(decoded)).toContain('ORD-EMV-7');
      // A charge in another currency than the merchant's cannot get a QR: refused, nothing shown.
      await backend.send('till-emv', 'charge', backend.sign('till-emv', key, chargeBody('ORD-USD', 100, { currency: 'USD' })));
      expect(await backend.nth('till-emv', 2)).toMatchObject({ type: 'rejected', orderId: 'ORD-USD', reason: 'no_qr' });
      expect(d.screen.current).toMatchObject({ name: 'charge', orderId: 'ORD-EMV-7' });
    } finally {
      await d.stop();
    }
  });

  it('replaces a pending charge, cancels by message, and refuses what does not fit', async () => {
    const id = 'till-flow';
    const d = await device(id);
    try {
      await backend.send(id, 'charge', backend.sign(id, key, chargeBody('A', 100, { qr: 'QA' })));
      await backend.send(id, 'charge', backend.sign(id, key, chargeBody('B', 200, { qr: 'QB' })));
      await backend.nth(id, 3);
      expect(backend.of(id).map((e) => [e.type, e.orderId, e.reason])).toEqual([
        ['displayed', 'A', undefined],
        ['cancelled', 'A', 'replaced'],
        ['displayed', 'B', undefined],
      ]);
      await backend.send(id, 'payment', backend.sign(id, key, paymentBody('B', 201)));
      expect(await backend.nth(id, 4)).toMatchObject({ type: 'rejected', orderId: 'B', reason: 'amount_mismatch' });
      await backend.send(id, 'cancel', backend.sign(id, key, { typ: 'cancel', orderId: 'B' }));
      expect(await backend.nth(id, 5)).toMatchObject({ type: 'cancelled', orderId: 'B', reason: 'cancel' });
      expect(d.screen.current).toMatchObject({ name: 'cancelled', orderId: 'B' });
      expect(d.indicator.count('paid')).toBe(0);
    } finally {
      await d.stop();
    }
  });

  it('refuses an oversized and a non-JWS message with events, and keeps working', async () => {
    const id = 'till-junk';
    const d = await device(id);
    try {
      await backend.send(id, 'payment', Buffer.alloc(70_000, 0x41));
      expect(await backend.nth(id, 1)).toMatchObject({ type: 'rejected', reason: 'too_large' });
      await backend.send(id, 'charge', Buffer.from([0xff, 0xfe, 0x00, 0x01]));
      expect(await backend.nth(id, 2)).toMatchObject({ type: 'rejected', reason: 'malformed' });
      await backend.send(id, 'charge', '{"typ":"charge"}');
      expect(await backend.nth(id, 3)).toMatchObject({ type: 'rejected', reason: 'malformed' });
      await backend.send(id, 'charge', backend.sign(id, key, chargeBody('OK-1', 10, { qr: 'Q' })));
      expect(await backend.nth(id, 4)).toMatchObject({ type: 'displayed', orderId: 'OK-1' });
    } finally {
      await d.stop();
    }
  });

  it('runs two devices in one process independently; a message for one is refused by the other', async () => {
    const a = await device('till-twin-a');
    const b = await device('till-twin-b');
    try {
      const forA = backend.sign('till-twin-a', key, chargeBody('TWIN-1', 100, { qr: 'QA' }));
      await backend.send('till-twin-a', 'charge', forA);
      expect(await backend.nth('till-twin-a', 1)).toMatchObject({ type: 'displayed', orderId: 'TWIN-1' });
      await backend.send('till-twin-b', 'charge', forA);
      expect(await backend.nth('till-twin-b', 1)).toMatchObject({ type: 'rejected', reason: 'wrong_audience', orderId: 'TWIN-1' });
      expect(b.screen.current?.name).toBe('idle');
      await backend.send('till-twin-a', 'payment', backend.sign('till-twin-a', key, paymentBody('TWIN-1', 100)));
      expect(await backend.nth('till-twin-a', 2)).toMatchObject({ type: 'paid' });
      expect([a.indicator.count('paid'), b.indicator.count('paid')]).toEqual([1, 0]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
