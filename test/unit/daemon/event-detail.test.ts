import { describe, expect, it } from 'vitest';
import { initialSaleState } from '../../../src/core/sale-state.js';
import { annotateEvents, clipDetail, DETAIL_MAX, saleRejectionDetail } from '../../../src/daemon/event-detail.js';
import type { SignedMessage } from '../../../src/link/contract.js';

const charge: SignedMessage = { typ: 'charge', orderId: 'NEW', amount: 500, currency: 'JPY', expiresAt: 2000, aud: 'd', iat: 1000, exp: 1300, jti: 'j-new' };

describe('event detail and jti echo', () => {
  it("puts the jti on the events about the message's own order only, not on the cancelled of the order it replaced", () => {
    const events = annotateEvents(
      [
        { type: 'cancelled', orderId: 'OLD', reason: 'replaced', at: 1 },
        { type: 'displayed', orderId: 'NEW', at: 1 },
      ],
      charge,
      initialSaleState(0),
      1000,
    );
    expect(events).toEqual([
      { type: 'cancelled', orderId: 'OLD', reason: 'replaced', at: 1 },
      { type: 'displayed', orderId: 'NEW', at: 1, jti: 'j-new' },
    ]);
  });

  it('gives every rejection words, falling back to the reason table for a reason it has no numbers for', () => {
    const [e] = annotateEvents([{ type: 'rejected', orderId: 'NEW', reason: 'amount_unshowable', at: 1 }], charge, initialSaleState(0), 1000);
    expect(e).toMatchObject({ jti: 'j-new', detail: expect.stringContaining('cannot show whole') as unknown });
    expect(saleRejectionDetail('unknown_order', charge, initialSaleState(0), 1000)).toBe(
      'order NEW is not on screen and did not end within sale.lateConfirmationSec',
    );
    expect(clipDetail('x'.repeat(400))).toHaveLength(DETAIL_MAX);
  });
});
