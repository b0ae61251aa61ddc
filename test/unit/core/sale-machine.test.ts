import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { step } from '../../../src/core/sale-machine.js';
import { durablePart, initialSaleState, type SaleContext, type SaleEffect, type SaleEvent, type SaleState } from '../../../src/core/sale-state.js';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const ctx: SaleContext = {
  storeName: 'Cafe Mori',
  idleQr: 'STATIC',
  wallets: [],
  broker: 'broker.local:8883',
  resultHoldMs: 8000,
  lateConfirmationMs: 300_000,
  maxChargeMs: 600_000,
  historySize: 3,
};

class Run {
  state: SaleState = initialSaleState(T0);
  log: SaleEffect[][] = [];
  send(e: SaleEvent): readonly SaleEffect[] {
    const r = step(this.state, e, ctx);
    this.state = r.state;
    this.log.push([...r.effects]);
    return r.effects;
  }
}

const charge = (orderId: string, at: number, amount = 1200, expiresInSec = 120): SaleEvent => ({
  type: 'charge',
  at,
  charge: { orderId, amount, currency: 'JPY', qr: `QR-${orderId}`, expiresAt: Math.floor(at / 1000) + expiresInSec },
});
const pay = (orderId: string, at: number, amount = 1200, status: 'succeeded' | 'failed' = 'succeeded', currency = 'JPY'): SaleEvent => ({
  type: 'payment',
  at,
  payment: { orderId, amount, currency, status, wallet: 'PayPay', providerTxnId: `tx-${orderId}`, paidAt: Math.floor(at / 1000) },
});

const kinds = (fx: readonly SaleEffect[]) =>
  fx.map((e) =>
    e.kind === 'signal' ? `signal:${e.event}` : e.kind === 'publish' ? `publish:${e.event.type}` : e.kind === 'show' ? `show:${e.screen.name}` : e.kind,
  );
const published = (fx: readonly SaleEffect[]) => fx.flatMap((e) => (e.kind === 'publish' ? [e.event] : []));

function online(): Run {
  const r = new Run();
  r.send({ type: 'link', at: T0, online: true });
  return r;
}

describe('sale state machine', () => {
  it('starts on the connecting screen and goes idle when the link comes up', () => {
    const r = new Run();
    const fx = r.send({ type: 'link', at: T0, online: true });
    expect(fx).toContainEqual({ kind: 'show', screen: { name: 'idle', storeName: 'Cafe Mori', qr: 'STATIC', wallets: [] } });
    expect(kinds(fx)).toContain('signal:idle');
  });

  it('runs a whole sale: charge, QR shown, paid with the signal first, idle after the hold', () => {
    const r = online();
    const c = r.send(charge('A1', T0 + 1000));
    expect(c).toContainEqual({
      kind: 'show',
      screen: {
        name: 'charge',
        orderId: 'A1',
        money: { amount: 1200, currency: 'JPY' },
        qr: 'QR-A1',
        expiresAt: T0 + 1000 + 120_000,
        now: T0 + 1000,
        storeName: 'Cafe Mori',
      },
    });
    expect(kinds(c)).toEqual(expect.arrayContaining(['publish:displayed', 'persist', 'signal:waiting', 'timer']));
    expect(c).toContainEqual({ kind: 'timer', at: T0 + 121_000 });
    expect(r.state.phase).toEqual({ name: 'charge', since: T0 + 1000 });

    const p = r.send(pay('A1', T0 + 5000));
    expect(kinds(p)[0]).toBe('signal:paid');
    expect(published(p)).toEqual([{ type: 'paid', orderId: 'A1', at: Math.floor((T0 + 5000) / 1000) }]);
    expect(p).toContainEqual({ kind: 'show', screen: { name: 'paid', money: { amount: 1200, currency: 'JPY' }, orderId: 'A1', wallet: 'PayPay' } });
    expect(p).toContainEqual({ kind: 'timer', at: T0 + 5000 + 8000 });
    expect(r.state.history[0]).toMatchObject({ orderId: 'A1', providerTxnId: 'tx-A1', acceptedAt: T0 + 5000 });

    const t = r.send({ type: 'tick', at: T0 + 13_000 });
    expect(kinds(t)).toEqual(['show:idle', 'signal:idle', 'timer']);
    expect(r.state.phase.name).toBe('idle');
  });

  it('replaces a pending charge, reporting the old one as cancelled', () => {
    const r = online();
    r.send(charge('A1', T0 + 1000));
    const fx = r.send(charge('B2', T0 + 2000, 500));
    expect(published(fx)).toEqual([
      { type: 'cancelled', orderId: 'A1', reason: 'replaced', at: Math.floor((T0 + 2000) / 1000) },
      { type: 'displayed', orderId: 'B2', at: Math.floor((T0 + 2000) / 1000) },
    ]);
    expect(r.state.pending?.orderId).toBe('B2');
    // The replaced sale may still be paid late (the customer had scanned it): never lose a real payment.
    const late = r.send(pay('A1', T0 + 3000));
    expect(published(late)).toEqual([{ type: 'paid', orderId: 'A1', reason: 'late', at: Math.floor((T0 + 3000) / 1000) }]);
    expect(late).toContainEqual({
      kind: 'show',
      screen: { name: 'paid', money: { amount: 1200, currency: 'JPY' }, orderId: 'A1', wallet: 'PayPay', late: true },
    });
    // After the hold the pending B2 is back on screen.
    const back = r.send({ type: 'tick', at: T0 + 11_000 });
    expect(kinds(back)).toContain('show:charge');
    expect(r.state.pending?.orderId).toBe('B2');
  });

  it('expires a sale at its deadline, capped at maxChargeSec, and still accepts a late payment', () => {
    const r = online();
    const fx = r.send(charge('A1', T0, 1200, 3600));
    expect(fx).toContainEqual({ kind: 'timer', at: T0 + 600_000 });
    expect(published(r.send({ type: 'tick', at: T0 + 599_999 }))).toEqual([]);
    const ex = r.send({ type: 'tick', at: T0 + 600_000 });
    expect(kinds(ex)).toEqual(expect.arrayContaining(['signal:expired', 'publish:expired', 'show:expired', 'persist']));
    const late = r.send(pay('A1', T0 + 600_000 + 200_000));
    expect(published(late)[0]).toMatchObject({ type: 'paid', orderId: 'A1', reason: 'late' });
    expect(kinds(late)).toContain('signal:paid');
    expect(r.state.history[0]?.late).toBe(true);
  });

  it('refuses a confirmation for a sale that ended longer ago than the late window', () => {
    const r = online();
    r.send(charge('A1', T0, 1200, 60));
    r.send({ type: 'tick', at: T0 + 60_000 });
    const fx = r.send(pay('A1', T0 + 60_000 + 300_001));
    expect(published(fx)).toEqual([{ type: 'rejected', orderId: 'A1', reason: 'unknown_order', at: Math.floor((T0 + 360_001) / 1000) }]);
    expect(kinds(fx)).not.toContain('signal:paid');
  });

  it('refuses wrong amount, wrong currency, unknown order and a second verdict, without any signal', () => {
    const r = online();
    r.send(charge('A1', T0));
    const cases: [SaleEvent, string][] = [
      [pay('A1', T0 + 1, 1201), 'amount_mismatch'],
      [pay('A1', T0 + 2, 1200, 'succeeded', 'USD'), 'currency_mismatch'],
      [pay('ZZ', T0 + 3), 'unknown_order'],
    ];
    for (const [e, reason] of cases) {
      const fx = r.send(e);
      expect(published(fx)).toMatchObject([{ type: 'rejected', reason }]);
      expect(fx.filter((x) => x.kind === 'signal')).toEqual([]);
    }
    expect(kinds(r.send(pay('A1', T0 + 4)))).toContain('signal:paid');
    const again = r.send(pay('A1', T0 + 5));
    expect(published(again)).toMatchObject([{ type: 'rejected', reason: 'order_closed' }]);
    expect(kinds(again)).not.toContain('signal:paid');
    // A charge for an order that was already paid is refused too.
    expect(published(r.send(charge('A1', T0 + 6)))).toMatchObject([{ type: 'rejected', reason: 'order_closed' }]);
  });

  it('shows a failed payment and refuses a success after a failure only for a pending order', () => {
    const r = online();
    r.send(charge('A1', T0));
    const f = r.send(pay('A1', T0 + 1000, 1200, 'failed'));
    expect(kinds(f)).toEqual(expect.arrayContaining(['signal:failed', 'publish:failed', 'show:failed']));
    // The customer paid after all (second attempt): a real payment arrives late.
    expect(published(r.send(pay('A1', T0 + 2000)))).toMatchObject([{ type: 'paid', reason: 'late' }]);
    expect(published(r.send(pay('A1', T0 + 3000, 1200, 'failed')))).toMatchObject([{ type: 'rejected', reason: 'order_closed' }]);
  });

  it('cancels the pending sale by message or button, and names why other cancels are refused', () => {
    const r = online();
    r.send(charge('A1', T0));
    expect(published(r.send({ type: 'cancel', at: T0 + 1, orderId: 'B' }))).toMatchObject([{ type: 'rejected', orderId: 'B', reason: 'unknown_order' }]);
    const c = r.send({ type: 'cancel', at: T0 + 2, orderId: 'A1' });
    expect(kinds(c)).toEqual(expect.arrayContaining(['signal:cancelled', 'publish:cancelled', 'show:cancelled']));
    expect(published(c)[0]).toMatchObject({ reason: 'cancel' });
    expect(published(r.send({ type: 'cancel', at: T0 + 3, orderId: 'A1' }))).toMatchObject([{ reason: 'order_closed' }]);
    r.send(charge('B2', T0 + 4));
    expect(published(r.send({ type: 'button', at: T0 + 5 }))).toMatchObject([{ type: 'cancelled', orderId: 'B2', reason: 'button' }]);
    expect(r.send({ type: 'button', at: T0 + 6 })).toEqual([]);
  });

  it('refuses a charge whose own expiry has passed', () => {
    const r = online();
    const fx = r.send(charge('A1', T0, 1200, 0));
    expect(published(fx)).toMatchObject([{ type: 'rejected', reason: 'expired', orderId: 'A1' }]);
    expect(r.state.pending).toBeUndefined();
  });

  it('never shows a payable QR while offline, and shows it again when the link is back', () => {
    const r = online();
    r.send(charge('A1', T0));
    const off = r.send({ type: 'link', at: T0 + 1000, online: false });
    expect(off).toContainEqual({ kind: 'show', screen: { name: 'offline', since: T0 + 1000, storeName: 'Cafe Mori' } });
    expect(kinds(off)).toContain('signal:offline');
    expect(kinds(r.send({ type: 'link', at: T0 + 2000, online: false }))).toEqual([]);
    const on = r.send({ type: 'link', at: T0 + 3000, online: true });
    expect(kinds(on)).toEqual(['show:charge', 'signal:waiting']);
  });

  it('keeps a bounded history, newest first, in the durable part', () => {
    const r = online();
    for (let i = 0; i < 5; i++) {
      r.send(charge(`O${i}`, T0 + i * 10_000));
      r.send(pay(`O${i}`, T0 + i * 10_000 + 1000));
    }
    expect(r.state.history.map((h) => h.orderId)).toEqual(['O4', 'O3', 'O2']);
    expect(durablePart(r.state).history).toHaveLength(3);
  });

  it('keeps its invariants over random event sequences', () => {
    const orders = ['A', 'B', 'C'];
    type Make = (at: number) => SaleEvent;
    const ev: fc.Arbitrary<Make> = fc.oneof(
      fc.record({ o: fc.constantFrom(...orders), amt: fc.constantFrom(100, 200), exp: fc.integer({ min: -5, max: 900 }) }).map(
        ({ o, amt, exp }): Make =>
          (at) =>
            charge(o, at, amt, exp),
      ),
      fc
        .record({
          o: fc.constantFrom(...orders),
          amt: fc.constantFrom(100, 200),
          st: fc.constantFrom('succeeded' as const, 'failed' as const),
          cur: fc.constantFrom('JPY', 'USD'),
        })
        .map(
          ({ o, amt, st, cur }): Make =>
            (at) =>
              pay(o, at, amt, st, cur),
        ),
      fc.constantFrom(...orders).map((o): Make => (at) => ({ type: 'cancel', at, orderId: o })),
      fc.constant<Make>((at) => ({ type: 'tick', at })),
      fc.boolean().map((b): Make => (at) => ({ type: 'link', at, online: b })),
      fc.constant<Make>((at) => ({ type: 'button', at })),
    );
    const seq = fc.array(fc.tuple(fc.integer({ min: 0, max: 120_000 }), ev), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(seq, (events) => {
        const r = new Run();
        let prev = r.state;
        let at = T0;
        const charged = new Map<string, { amount: number; currency: string }>();
        for (const [gap, make] of events) {
          at += gap;
          const e = make(at);
          const fx = r.send(e);
          const paidSignals = fx.filter((x) => x.kind === 'signal' && x.event === 'paid').length;
          const paidEvents = published(fx).filter((x) => x.type === 'paid');
          // The success signal fires exactly when a paid event is published, at most once per step.
          expect(paidSignals).toBe(paidEvents.length);
          expect(paidSignals).toBeLessThanOrEqual(1);
          if (paidSignals === 1) {
            expect(e.type).toBe('payment');
            if (e.type === 'payment') {
              expect(e.payment.status).toBe('succeeded');
              expect(charged.get(e.payment.orderId)).toEqual({ amount: e.payment.amount, currency: e.payment.currency });
            }
          }
          if (e.type === 'charge' && published(fx).some((x) => x.type === 'displayed'))
            charged.set(e.charge.orderId, { amount: e.charge.amount, currency: e.charge.currency });
          // A payable QR is never shown unless the link is up.
          for (const x of fx) if (x.kind === 'show' && x.screen.name === 'charge') expect(r.state.link.kind).toBe('online');
          for (const p of published(fx)) expect(p.at).toBe(Math.floor(at / 1000));
          // The timer always points at the next deadline.
          const want = [r.state.result?.until, r.state.pending?.deadline].filter((t): t is number => t !== undefined);
          const timer = fx.filter((x) => x.kind === 'timer').at(-1);
          if (timer !== undefined && timer.kind === 'timer') expect(timer.at).toBe(want.length ? Math.min(...want) : undefined);
          // Anything durable that changed is persisted in the same step (forgetting old ended sales may wait).
          const a = durablePart(prev);
          const b = durablePart(r.state);
          const gained = b.closed.some((c) => !a.closed.some((x) => JSON.stringify(x) === JSON.stringify(c)));
          if (gained || JSON.stringify(a.pending) !== JSON.stringify(b.pending) || JSON.stringify(a.history) !== JSON.stringify(b.history))
            expect(kinds(fx)).toContain('persist');
          prev = r.state;
        }
      }),
      { numRuns: 300 },
    );
  });
});
