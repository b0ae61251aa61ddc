/**
 * The human `detail` of a device event and its `jti` echo (contract: additive, optional fields).
 * A backend matches an event to the message it answers by `jti`; `detail` says in words what the
 * `reason` code means for this message (the same text the device's log has). Pure.
 *
 * `jti` is echoed only for a message whose signature verified (like `orderId` on `rejected`): an
 * unsigned forgery must not be able to make the device say "rejected" about a backend's real jti.
 */
import type { ClaimContext } from '../core/acceptance.js';
import { MAX_TOKEN_LIFETIME_SEC } from '../core/acceptance.js';
import type { SaleState } from '../core/sale-state.js';
import { REJECT_REASONS, type DeviceEvent, type RejectReason, type SignedMessage } from '../link/contract.js';

/** The longest detail an event carries (the schema's bound); longer text is cut with an ellipsis. */
export const DETAIL_MAX = 300;

export function clipDetail(text: string): string {
  return text.length <= DETAIL_MAX ? text : `${text.slice(0, DETAIL_MAX - 1)}…`;
}

const money = (amount: number, currency: string): string => `${amount} ${currency} (minor units)`;

/** Why the claims were refused, with the numbers. */
export function claimDetail(reason: RejectReason, c: { aud: string; iat: number; exp: number }, ctx: ClaimContext): string {
  const now = Math.floor(ctx.nowMs / 1000);
  if (reason === 'wrong_audience') return `the message is addressed to "${c.aud}", this device is "${ctx.deviceId}"`;
  if (reason === 'not_yet_valid')
    return `iat ${c.iat} is ${c.iat - now} s after the device's clock (${now}); at most trust.clockSkewSec ${ctx.skewSec} s is allowed: check the backend's clock`;
  if (reason === 'expired')
    return c.exp < c.iat
      ? `exp ${c.exp} is before iat ${c.iat}`
      : `exp ${c.exp} is ${now - c.exp} s before the device's clock (${now}), beyond trust.clockSkewSec ${ctx.skewSec} s`;
  if (reason === 'lifetime_too_long')
    return `exp ${c.exp} is ${c.exp - now} s after the device's clock (${now}); a message may live at most ${MAX_TOKEN_LIFETIME_SEC} s`;
  return REJECT_REASONS[reason];
}

/** Why the sale machine refused a verified message, from the state it was refused in. */
export function saleRejectionDetail(reason: string, msg: SignedMessage, before: SaleState, nowMs: number): string {
  const pending = before.pending?.orderId === msg.orderId ? before.pending : undefined;
  const sale = pending ?? before.closed.find((c) => c.orderId === msg.orderId);
  switch (reason) {
    case 'amount_mismatch':
      if (msg.typ === 'payment' && sale !== undefined)
        return `the payment is for ${money(msg.amount, msg.currency)} but order ${msg.orderId} was charged ${money(sale.amount, sale.currency)}`;
      break;
    case 'currency_mismatch':
      if (msg.typ === 'payment' && sale !== undefined) return `the payment is in ${msg.currency} but order ${msg.orderId} was charged in ${sale.currency}`;
      break;
    case 'unknown_order':
      return `order ${msg.orderId} is not on screen${before.pending !== undefined ? ` (order ${before.pending.orderId} is)` : ''} and did not end within sale.lateConfirmationSec`;
    case 'order_closed': {
      const closed = before.closed.find((c) => c.orderId === msg.orderId);
      if (closed !== undefined) return `order ${msg.orderId} already ended ${closed.outcome} ${Math.max(0, Math.round((nowMs - closed.endedAt) / 1000))} s ago`;
      break;
    }
    case 'expired':
      if (msg.typ === 'charge') return `the charge's expiresAt ${msg.expiresAt} has passed (the device's clock is ${Math.floor(nowMs / 1000)})`;
      break;
    default:
      break;
  }
  return reason in REJECT_REASONS ? REJECT_REASONS[reason as RejectReason] : `refused as ${reason}`;
}

/**
 * The events a verified message produced, with its jti on those that answer it (the events about
 * its own order, and a rejection) and a detail on every rejection. A `cancelled` of the order it
 * replaced is about another order and carries no jti.
 */
export function annotateEvents(events: readonly DeviceEvent[], msg: SignedMessage, before: SaleState, nowMs: number): DeviceEvent[] {
  return events.map((e) => {
    if (e.type !== 'rejected' && e.orderId !== msg.orderId) return e;
    const detail =
      e.type === 'rejected' && e.detail === undefined ? { detail: clipDetail(saleRejectionDetail(e.reason ?? 'internal', msg, before, nowMs)) } : {};
    return { ...e, jti: msg.jti, ...detail };
  });
}
