/**
 * Pure acceptance rules for signed messages, after the signature has verified: the claims
 * (audience, time window, lifetime) and, for payments and cancels, which sale they concern.
 * Each refusal is a reason code from the contract.
 */
import type { RejectReason } from '../link/contract.js';
import type { ClosedSale, PaymentFacts, PendingSale } from './sale-state.js';

/** A signed message may live at most this long (the replay cache keeps 25 h). */
export const MAX_TOKEN_LIFETIME_SEC = 24 * 3600;

export interface ClaimContext {
  readonly deviceId: string;
  readonly nowMs: number;
  readonly skewSec: number;
}

export interface Claims {
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
}

/** Undefined when the claims hold; otherwise why not. Checked in this order: audience, then time. */
export function checkClaims(c: Claims, ctx: ClaimContext): RejectReason | undefined {
  if (c.aud !== ctx.deviceId) return 'wrong_audience';
  const now = ctx.nowMs / 1000;
  if (c.iat > now + ctx.skewSec) return 'not_yet_valid';
  if (c.exp < now - ctx.skewSec) return 'expired';
  if (c.exp < c.iat) return 'expired';
  if (c.exp > now + MAX_TOKEN_LIFETIME_SEC + ctx.skewSec) return 'lifetime_too_long';
  return undefined;
}

/** Until when (Unix ms) a message with these claims must be remembered so a replay is caught. */
export function rememberUntilMs(c: Claims, skewSec: number): number {
  return (c.exp + skewSec) * 1000 + 1000;
}

export type PaymentTarget =
  | { readonly kind: 'pending'; readonly sale: PendingSale }
  | { readonly kind: 'late'; readonly sale: ClosedSale }
  | { readonly kind: 'reject'; readonly reason: RejectReason };

/**
 * Which sale a payment verdict is for. The sale on screen; or, for a success only, one that
 * expired, was cancelled or failed within the late-confirmation window (a real payment is never
 * lost). Amount and currency must equal the charge's.
 */
export function paymentTarget(
  p: Pick<PaymentFacts, 'orderId' | 'amount' | 'currency' | 'status'>,
  pending: PendingSale | undefined,
  closed: readonly ClosedSale[],
): PaymentTarget {
  let target: PaymentTarget;
  if (pending !== undefined && pending.orderId === p.orderId) {
    target = { kind: 'pending', sale: pending };
  } else {
    const ended = closed.find((c) => c.orderId === p.orderId);
    if (ended === undefined) return { kind: 'reject', reason: 'unknown_order' };
    if (ended.outcome === 'paid' || p.status === 'failed') return { kind: 'reject', reason: 'order_closed' };
    target = { kind: 'late', sale: ended };
  }
  if (p.amount !== target.sale.amount) return { kind: 'reject', reason: 'amount_mismatch' };
  if (p.currency !== target.sale.currency) return { kind: 'reject', reason: 'currency_mismatch' };
  return target;
}

/** A cancel applies to the pending sale only. */
export function cancelTarget(orderId: string, pending: PendingSale | undefined, closed: readonly ClosedSale[]): RejectReason | undefined {
  if (pending !== undefined && pending.orderId === orderId) return undefined;
  return closed.some((c) => c.orderId === orderId) ? 'order_closed' : 'unknown_order';
}

/** A charge is refused when its own expiry has passed or its order already ended paid or failed. */
export function chargeRefusal(c: { orderId: string; expiresAt: number }, nowMs: number, closed: readonly ClosedSale[]): RejectReason | undefined {
  if (c.expiresAt * 1000 <= nowMs) return 'expired';
  if (closed.some((x) => x.orderId === c.orderId && (x.outcome === 'paid' || x.outcome === 'failed'))) return 'order_closed';
  return undefined;
}
