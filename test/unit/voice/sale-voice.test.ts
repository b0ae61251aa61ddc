/** What a step of the sale machine gives the voice to say. */
import { describe, expect, it } from 'vitest';
import { initialSaleState, type SaleState } from '../../../src/core/sale-state.js';
import { announcementsOf } from '../../../src/voice/sale-voice.js';

const base = initialSaleState(0);
const online: SaleState = { ...base, link: { kind: 'online', since: 0 } };
const offline: SaleState = { ...base, link: { kind: 'offline', since: 1 } };

describe('announcementsOf', () => {
  it('a paid event with the amount and wallet of its history entry', () => {
    const after: SaleState = {
      ...online,
      history: [{ orderId: 'A', amount: 1280, currency: 'JPY', wallet: 'PayPay', providerTxnId: 't', paidAt: 1, acceptedAt: 1 }],
    };
    expect(announcementsOf(online, after, [{ type: 'paid', orderId: 'A', at: 1 }])).toEqual([
      { type: 'paid', amount: 1280, currency: 'JPY', wallet: 'PayPay' },
    ]);
  });
  it('the other results, nothing for displayed or rejected', () => {
    const events = (['displayed', 'failed', 'expired', 'cancelled', 'rejected'] as const).map((type) => ({ type, orderId: 'A', at: 1 }));
    expect(announcementsOf(online, online, events)).toEqual([{ type: 'failed' }, { type: 'expired' }, { type: 'cancelled' }]);
  });
  it('offline only when the link goes from online to offline', () => {
    expect(announcementsOf(online, offline, [])).toEqual([{ type: 'offline' }]);
    expect(announcementsOf(base, offline, [])).toEqual([]);
    expect(announcementsOf(offline, offline, [])).toEqual([]);
  });
});
