/**
 * What the simulator page says about a message some client sent to the device: the claims of a
 * charge, cancel or payment read from its JWS (unverified: the device judges), and a plain
 * sentence, never an exception, for anything it cannot read. The SaleFollower makes a charge
 * current only when the device displayed it, and records how it ended.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signMessage } from '../../../src/link/backend-client.js';
import { readInbound } from '../../../src/sim/inbound-message.js';
import { SaleFollower } from '../../../src/sim/sale-follower.js';
import type { SimSale } from '../../../src/sim/sim-backend.js';

const { privateKey } = generateKeyPairSync('ed25519');
const sign = (body: Parameters<typeof signMessage>[0]): Buffer => Buffer.from(signMessage(body, { deviceId: 'till-1', key: privateKey, kid: 'k1' }));

describe('readInbound', () => {
  it('reads a charge, a cancel and a payment', () => {
    const c = readInbound('charge', sign({ typ: 'charge', orderId: 'A-1', amount: 1200, currency: 'JPY', expiresAt: 2_000_000_000 }));
    expect(c).toMatchObject({ topic: 'charge', orderId: 'A-1', summary: 'charge 1200 JPY (QR by device)' });
    expect(c.charge?.amount).toBe(1200);
    expect(readInbound('cancel', sign({ typ: 'cancel', orderId: 'A-1' }))).toMatchObject({ orderId: 'A-1', summary: 'cancel' });
    const p = readInbound(
      'payment',
      sign({ typ: 'payment', orderId: 'A-1', amount: 1200, currency: 'JPY', status: 'succeeded', wallet: 'au PAY', providerTxnId: 't', paidAt: 1 }),
    );
    expect(p.summary).toBe('payment succeeded via au PAY');
  });

  it('never throws: garbage, a payload of another type and a non-JWS are named as unreadable', () => {
    for (const [topic, payload] of [
      ['charge', Buffer.from('not a token')],
      ['charge', Buffer.from('a.b.c')],
      ['payment', sign({ typ: 'cancel', orderId: 'A-1' })],
      ['cancel', Buffer.from([0xff, 0xfe, 0x00])],
    ] as const) {
      const r = readInbound(topic, payload);
      expect(r.summary).toMatch(/^unreadable /);
      expect(r.charge).toBeUndefined();
    }
  });
});

describe('SaleFollower', () => {
  const sale = (orderId: string, startedBy: SimSale['startedBy'] = 'other'): SimSale => ({
    orderId,
    amount: 100,
    currency: 'JPY',
    qr: 'q',
    qrBy: 'device',
    expiresAt: 1,
    startedBy,
  });

  it('follows a charge once the device displays it, then its outcome, once', () => {
    const f = new SaleFollower();
    const seen: SimSale[] = [];
    f.onSale((s) => seen.push(s));
    f.charge(sale('X'));
    expect(f.sale).toBeUndefined();
    f.event({ type: 'displayed', orderId: 'X', at: 1 });
    expect(f.sale?.orderId).toBe('X');
    f.event({ type: 'paid', orderId: 'Y', at: 2 }); // another order: ignored
    expect(f.sale?.outcome).toBeUndefined();
    f.event({ type: 'paid', orderId: 'X', at: 2 });
    f.event({ type: 'cancelled', orderId: 'X', at: 3 });
    expect(f.sale?.outcome).toBe('paid');
    expect(seen.map((s) => `${s.orderId}:${s.outcome ?? 'open'}`)).toEqual(['X:open', 'X:paid']);
  });

  it('knows its own tokens', () => {
    const f = new SaleFollower();
    f.markOwn('t1');
    expect(f.isOwn('t1')).toBe(true);
    expect(f.isOwn('t2')).toBe(false);
  });
});
