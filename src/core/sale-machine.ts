/**
 * The sale as a pure state machine: `step(state, event, ctx) -> { state, effects }`.
 *
 * idle -> charge -> paid | failed | expired | cancelled -> idle after sale.resultHoldSec. A new
 * charge replaces a pending one (which gets a `cancelled` event, reason `replaced`). The success
 * signal is emitted in exactly one place, together with the `paid` event. Messages reach this
 * machine only after their signature and claims were checked (see daemon/inbound.ts).
 */
import type { DeviceEvent, RejectReason } from '../link/contract.js';
import type { SignalEvent } from '../signal/indicator.js';
import { cancelTarget, chargeRefusal, paymentTarget } from './acceptance.js';
import type { ChargeFacts, ClosedSale, Outcome, PaymentFacts, PendingSale, SaleContext, SaleEffect, SaleEvent, SaleState, Step } from './sale-state.js';
import { phaseName, sameScreen, screenFor } from './sale-screen.js';

const AMBIENT_SIGNAL: Partial<Record<string, SignalEvent>> = { idle: 'idle', charge: 'waiting', offline: 'offline' };
const CLOSED_MAX = 64;

const sec = (ms: number): number => Math.floor(ms / 1000);

class Draft {
  state: SaleState;
  readonly effects: SaleEffect[] = [];
  readonly ctx: SaleContext;
  readonly at: number;

  constructor(state: SaleState, ctx: SaleContext, at: number) {
    this.state = state;
    this.ctx = ctx;
    this.at = at;
  }

  set(patch: Partial<SaleState>): void {
    this.state = { ...this.state, ...patch };
  }

  publish(type: DeviceEvent['type'], orderId?: string, reason?: string): void {
    const event: DeviceEvent = { type, ...(orderId !== undefined ? { orderId } : {}), ...(reason !== undefined ? { reason } : {}), at: sec(this.at) };
    this.effects.push({ kind: 'publish', event });
  }

  reject(reason: RejectReason, orderId?: string): void {
    this.publish('rejected', orderId, reason);
  }

  signal(event: SignalEvent): void {
    this.effects.push({ kind: 'signal', event });
  }

  persist(): void {
    if (!this.effects.some((e) => e.kind === 'persist')) this.effects.push({ kind: 'persist' });
  }

  /** End the pending sale with an outcome, keeping it in `closed` for late confirmations. */
  close(p: PendingSale, outcome: Outcome): ClosedSale {
    const c: ClosedSale = { orderId: p.orderId, amount: p.amount, currency: p.currency, outcome, endedAt: this.at };
    this.set({ pending: undefined, closed: [c, ...this.state.closed.filter((x) => x.orderId !== p.orderId)].slice(0, CLOSED_MAX) });
    return c;
  }

  hold(outcome: Outcome, sale: { orderId: string; amount: number; currency: string }, extra: { wallet?: string; late?: boolean } = {}): void {
    this.set({
      result: { outcome, orderId: sale.orderId, money: { amount: sale.amount, currency: sale.currency }, ...extra, until: this.at + this.ctx.resultHoldMs },
    });
  }
}

function onCharge(d: Draft, c: ChargeFacts): void {
  const refusal = chargeRefusal(c, d.at, d.state.closed);
  if (refusal !== undefined) return d.reject(refusal, c.orderId);
  const old = d.state.pending;
  if (old !== undefined && old.orderId !== c.orderId) {
    d.close(old, 'cancelled');
    d.publish('cancelled', old.orderId, 'replaced');
  }
  const pending: PendingSale = {
    orderId: c.orderId,
    amount: c.amount,
    currency: c.currency,
    qr: c.qr,
    ...(c.reference !== undefined ? { reference: c.reference } : {}),
    deadline: Math.min(c.expiresAt * 1000, d.at + d.ctx.maxChargeMs),
    shownAt: d.at,
  };
  d.set({ pending, result: undefined, closed: d.state.closed.filter((x) => x.orderId !== c.orderId) });
  d.publish('displayed', c.orderId);
  d.persist();
}

function onCancel(d: Draft, orderId: string, reason: 'cancel' | 'button'): void {
  const p = d.state.pending;
  const refusal = cancelTarget(orderId, p, d.state.closed);
  if (refusal !== undefined || p === undefined) return d.reject(refusal ?? 'unknown_order', orderId);
  d.close(p, 'cancelled');
  d.hold('cancelled', p);
  d.signal('cancelled');
  d.publish('cancelled', orderId, reason);
  d.persist();
}

function onPayment(d: Draft, p: PaymentFacts): void {
  const target = paymentTarget(p, d.state.pending, d.state.closed);
  if (target.kind === 'reject') return d.reject(target.reason, p.orderId);
  if (p.status === 'failed') {
    // paymentTarget only lets a failure through for the pending sale.
    if (target.kind !== 'pending') return d.reject('order_closed', p.orderId);
    d.close(target.sale, 'failed');
    d.hold('failed', target.sale);
    d.signal('failed');
    d.publish('failed', p.orderId);
    d.persist();
    return;
  }
  const late = target.kind === 'late';
  // The success signal: here and nowhere else, always with the `paid` event below.
  d.signal('paid');
  if (target.kind === 'pending') {
    d.close(target.sale, 'paid');
  } else {
    const paid: ClosedSale = { ...target.sale, outcome: 'paid', endedAt: d.at };
    d.set({ closed: [paid, ...d.state.closed.filter((x) => x.orderId !== p.orderId)] });
  }
  d.hold('paid', p, { ...(p.wallet !== undefined ? { wallet: p.wallet } : {}), ...(late ? { late: true } : {}) });
  const entry = {
    orderId: p.orderId,
    amount: p.amount,
    currency: p.currency,
    ...(p.wallet !== undefined ? { wallet: p.wallet } : {}),
    providerTxnId: p.providerTxnId,
    paidAt: p.paidAt,
    acceptedAt: d.at,
    ...(late ? { late: true } : {}),
  };
  d.set({ history: [entry, ...d.state.history].slice(0, d.ctx.historySize) });
  d.publish('paid', p.orderId, late ? 'late' : undefined);
  d.persist();
}

function onTick(d: Draft): void {
  const r = d.state.result;
  if (r !== undefined && d.at >= r.until) d.set({ result: undefined });
  const p = d.state.pending;
  if (p !== undefined && d.at >= p.deadline) {
    d.close(p, 'expired');
    d.hold('expired', p);
    d.signal('expired');
    d.publish('expired', p.orderId);
    d.persist();
  }
}

function onLink(d: Draft, online: boolean): void {
  const l = d.state.link;
  if (online) {
    if (l.kind !== 'online') d.set({ link: { kind: 'online', since: d.at } });
  } else if (l.kind === 'online') {
    d.set({ link: { kind: 'offline', since: d.at } });
  }
}

export function nextDeadline(s: SaleState): number | undefined {
  const times = [s.result?.until, s.pending?.deadline].filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}

export function step(state: SaleState, event: SaleEvent, ctx: SaleContext): Step {
  const d = new Draft(state, ctx, event.at);
  const before = screenFor(state, ctx);
  // Forget ended sales once they are past the late-confirmation window.
  const keepAfter = event.at - ctx.lateConfirmationMs;
  if (state.closed.some((c) => c.endedAt < keepAfter)) d.set({ closed: state.closed.filter((c) => c.endedAt >= keepAfter) });
  switch (event.type) {
    case 'charge':
      onCharge(d, event.charge);
      break;
    case 'cancel':
      onCancel(d, event.orderId, 'cancel');
      break;
    case 'payment':
      onPayment(d, event.payment);
      break;
    case 'tick':
      onTick(d);
      break;
    case 'link':
      onLink(d, event.online);
      break;
    case 'button':
      if (d.state.pending !== undefined) onCancel(d, d.state.pending.orderId, 'button');
      break;
  }

  const after = screenFor(d.state, ctx);
  if (!sameScreen(before, after)) {
    d.effects.push({ kind: 'show', screen: after });
    const ambient = AMBIENT_SIGNAL[after.name];
    if (ambient !== undefined && after.name !== before.name) d.signal(ambient);
  }
  const deadline = nextDeadline(d.state);
  if (deadline !== nextDeadline(state)) d.effects.push({ kind: 'timer', at: deadline });
  const name = phaseName(d.state);
  const orderChanged = d.state.pending?.orderId !== state.pending?.orderId;
  if (name !== state.phase.name || orderChanged) d.set({ phase: { name, since: event.at } });
  return { state: d.state, effects: d.effects };
}
