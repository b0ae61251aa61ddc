/**
 * What a step of the sale machine gives the voice to say: each `paid` event with its amount and
 * wallet (from the history entry the step added), `failed`, `expired`, `cancelled`, and the link
 * going from online to offline. Pure.
 */
import type { SaleState } from '../core/sale-state.js';
import type { DeviceEvent } from '../link/contract.js';
import type { SaleAnnouncement } from './voice.js';

export function announcementsOf(before: SaleState, after: SaleState, events: readonly DeviceEvent[]): SaleAnnouncement[] {
  const out: SaleAnnouncement[] = [];
  for (const ev of events) {
    switch (ev.type) {
      case 'paid': {
        const h = after.history.find((x) => x.orderId === ev.orderId);
        if (h !== undefined) out.push({ type: 'paid', amount: h.amount, currency: h.currency, ...(h.wallet !== undefined ? { wallet: h.wallet } : {}) });
        break;
      }
      case 'failed':
      case 'expired':
      case 'cancelled':
        out.push({ type: ev.type });
        break;
      case 'displayed':
      case 'rejected':
        break;
    }
  }
  if (before.link.kind === 'online' && after.link.kind === 'offline') out.push({ type: 'offline' });
  return out;
}
