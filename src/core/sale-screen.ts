/**
 * Which screen a sale state shows. Priority: a result being held (paid, failed, expired,
 * cancelled), then the link (connecting/offline: a QR is never shown as payable while the
 * device cannot hear the confirmation), then the pending charge, then idle.
 */
import type { SaleStateName } from '../link/contract.js';
import type { Screen } from './screen.js';
import type { PendingSale, SaleContext, SaleState } from './sale-state.js';

export function screenFor(s: SaleState, ctx: SaleContext): Screen {
  const r = s.result;
  if (r !== undefined) {
    switch (r.outcome) {
      case 'paid':
        return {
          name: 'paid',
          money: r.money,
          orderId: r.orderId,
          ...(r.wallet !== undefined ? { wallet: r.wallet } : {}),
          ...(r.late === true ? { late: true } : {}),
        };
      case 'failed':
        return { name: 'failed', money: r.money, orderId: r.orderId };
      case 'expired':
        return { name: 'expired', money: r.money, orderId: r.orderId };
      case 'cancelled':
        return { name: 'cancelled', money: r.money, orderId: r.orderId };
    }
  }
  if (s.link.kind === 'connecting') return { name: 'connecting', broker: ctx.broker };
  if (s.link.kind === 'offline') return { name: 'offline', since: s.link.since, storeName: ctx.storeName };
  const p = s.pending;
  if (p !== undefined) return chargeScreenOf(p, ctx);
  return { name: 'idle', storeName: ctx.storeName, ...(ctx.idleQr !== undefined ? { qr: ctx.idleQr } : {}), wallets: ctx.wallets };
}

/** The charge screen of a pending sale (also asked of the display before a charge is accepted). */
export function chargeScreenOf(
  p: Pick<PendingSale, 'orderId' | 'amount' | 'currency' | 'qr' | 'reference' | 'deadline' | 'shownAt'>,
  ctx: SaleContext,
): Extract<Screen, { name: 'charge' }> {
  return {
    name: 'charge',
    orderId: p.orderId,
    money: { amount: p.amount, currency: p.currency },
    qr: p.qr,
    expiresAt: p.deadline,
    now: p.shownAt,
    ...(p.reference !== undefined ? { reference: p.reference } : {}),
    storeName: ctx.storeName,
  };
}

/** The sale state reported on the status topic. */
export function phaseName(s: SaleState): SaleStateName {
  if (s.result !== undefined) return s.result.outcome;
  return s.pending !== undefined ? 'charge' : 'idle';
}

export function sameScreen(a: Screen, b: Screen): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
