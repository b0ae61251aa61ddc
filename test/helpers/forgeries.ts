/**
 * Adversarial messages for the payment link, as fast-check arbitraries: each is one fault (forged,
 * tampered, re-signed with an unknown key, a signature with a weak R or an unreduced S, wrong audience, expired, replayed, wrong order, wrong
 * amount or currency, malformed, oversized) with the `rejected` reason the device must give.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { RejectReason } from '../../src/link/contract.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { b64urlDecode, b64urlEncode, signCompact } from '../../src/payment/jws.js';
import type { TestKey } from './payment-kit.js';

export interface Forgery {
  readonly kind: string;
  readonly topic: InboundTopic;
  readonly payload: Buffer;
  readonly reason: RejectReason;
  /** The order id the rejection must name (only when the signature verified). */
  readonly orderId?: string;
}

export interface ForgeryContext {
  readonly deviceId: string;
  readonly key: TestKey;
  /** The sale pending on the device. */
  readonly pending: { readonly orderId: string; readonly amount: number; readonly currency: string };
  /** An accepted message already processed by the device (for replays). */
  readonly accepted: { readonly topic: InboundTopic; readonly token: string; readonly orderId: string };
  /** Device clock, Unix seconds. */
  readonly now: () => number;
  readonly skewSec: number;
  readonly maxPayloadBytes: number;
}

const strangerKey = generateKeyPairSync('ed25519').privateKey;

function claimsFor(c: ForgeryContext, o: Partial<{ aud: string; iat: number; exp: number; jti: string }> = {}) {
  const iat = o.iat ?? c.now();
  return { aud: o.aud ?? c.deviceId, iat, exp: o.exp ?? iat + 300, jti: o.jti ?? randomUUID() };
}

function payment(c: ForgeryContext, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    typ: 'payment',
    orderId: c.pending.orderId,
    amount: c.pending.amount,
    currency: c.pending.currency,
    status: 'succeeded',
    providerTxnId: `t-${randomUUID()}`,
    paidAt: c.now(),
    ...over,
  };
}

function sign(c: ForgeryContext, body: Record<string, unknown>, claims = claimsFor(c)): string {
  return signCompact(JSON.stringify({ ...body, ...claims }), c.key.key, { kid: c.key.kid });
}

const f = (kind: string, topic: InboundTopic, payload: string | Buffer, reason: RejectReason, orderId?: string): Forgery => ({
  kind,
  topic,
  payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  reason,
  ...(orderId !== undefined ? { orderId } : {}),
});

export function forgeries(c: ForgeryContext): fc.Arbitrary<() => Forgery> {
  const otherOrder = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/).filter((o) => o !== c.pending.orderId && o !== c.accepted.orderId);
  return fc.oneof(
    // Forged: bytes that are not a JWS at all.
    fc.uint8Array({ maxLength: 400 }).map((b) => () => f('random-bytes', 'payment', Buffer.from(b), 'malformed')),
    fc.string({ maxLength: 200 }).map((s) => () => f('random-text', 'payment', s, 'malformed')),
    // Forged JSON pretending to be a payment, unsigned.
    fc.constant(() => f('unsigned-json', 'payment', JSON.stringify({ ...payment(c), ...claimsFor(c) }), 'malformed')),
    // Tampered: a genuine signature over a different payload (amount raised, order changed...).
    fc.record({ field: fc.constantFrom('amount', 'orderId', 'status', 'aud'), n: fc.integer({ min: 1, max: 1_000_000 }) }).map(({ field, n }) => () => {
      const token = sign(c, payment(c));
      const [h, p, s] = token.split('.') as [string, string, string];
      const body = JSON.parse(b64urlDecode(p)!.toString()) as Record<string, unknown>;
      body[field] = field === 'amount' ? c.pending.amount + n : field === 'status' ? 'failed' : `${String(body[field])}x`;
      return f(`tampered-${field}`, 'payment', `${h}.${b64urlEncode(JSON.stringify(body))}.${s}`, 'bad_signature');
    }),
    // Tampered signature bytes.
    fc.record({ i: fc.nat({ max: 63 }), bit: fc.nat({ max: 7 }) }).map(({ i, bit }) => () => {
      const [h, p, s] = sign(c, payment(c)).split('.') as [string, string, string];
      const sig = b64urlDecode(s)!;
      sig[i] = (sig[i] ?? 0) ^ (1 << bit);
      return f('flipped-signature-bit', 'payment', `${h}.${p}.${b64urlEncode(sig)}`, 'bad_signature');
    }),
    // Signatures no private key made: R a small-order point (or its non-canonical alias) with S = 0, or S not reduced (S + L).
    fc.constantFrom('small-order-r', 'non-canonical-r', 'unreduced-s').map((how) => () => {
      const [h, p, s] = sign(c, payment(c)).split('.') as [string, string, string];
      const sig = b64urlDecode(s)!;
      if (how === 'unreduced-s') {
        let n = 0n;
        for (let i = 63; i >= 32; i--) n = (n << 8n) | BigInt(sig[i] ?? 0);
        n += 2n ** 252n + 27742317777372353535851937790883648493n;
        for (let i = 32; i < 64; i++, n >>= 8n) sig[i] = Number(n & 0xffn);
      } else {
        sig.fill(0);
        sig[0] = how === 'small-order-r' ? 1 : 0xee; // 0x01 00..00 is the identity; 0xee ff..ff 7f is y = p + 1, its alias
        if (how === 'non-canonical-r') sig.fill(0xff, 1, 31).fill(0x7f, 31, 32);
      }
      return f(`weak-signature-${how}`, 'payment', `${h}.${p}.${b64urlEncode(sig)}`, 'bad_signature');
    }),
    // Re-signed with a key the device does not trust, claiming a trusted kid or an unknown one.
    fc.boolean().map((claimTrusted) => () => {
      const token = signCompact(JSON.stringify({ ...payment(c), ...claimsFor(c) }), strangerKey, {
        kid: claimTrusted ? c.key.kid : `stranger-${randomUUID().slice(0, 8)}`,
      });
      return f(claimTrusted ? 'resigned-trusted-kid' : 'resigned-unknown-kid', 'payment', token, claimTrusted ? 'bad_signature' : 'unknown_kid');
    }),
    // Algorithm confusion.
    fc.constantFrom('none', 'HS256', 'RS256', 'ES256').map((alg) => () => {
      const h = b64urlEncode(JSON.stringify({ alg, kid: c.key.kid }));
      return f(`alg-${alg}`, 'payment', `${h}.${b64urlEncode(JSON.stringify({ ...payment(c), ...claimsFor(c) }))}.`, 'unsupported_alg');
    }),
    // Wrong audience.
    fc
      .stringMatching(/^[A-Za-z0-9._-]{1,64}$/)
      .filter((a) => a !== c.deviceId)
      .map((aud) => () => f('wrong-audience', 'payment', sign(c, payment(c), claimsFor(c, { aud })), 'wrong_audience', c.pending.orderId)),
    // Expired, not yet valid, too long-lived.
    fc.integer({ min: 1, max: 10 * 86400 }).map((ago) => () => {
      const exp = c.now() - c.skewSec - ago;
      return f('expired', 'payment', sign(c, payment(c), claimsFor(c, { iat: exp - 300, exp })), 'expired', c.pending.orderId);
    }),
    fc.integer({ min: 1, max: 86400 }).map((ahead) => () => {
      const iat = c.now() + c.skewSec + ahead;
      return f('not-yet-valid', 'payment', sign(c, payment(c), claimsFor(c, { iat, exp: iat + 300 })), 'not_yet_valid', c.pending.orderId);
    }),
    fc.constant(() =>
      f('lifetime-too-long', 'payment', sign(c, payment(c), claimsFor(c, { exp: c.now() + 3 * 86400 })), 'lifetime_too_long', c.pending.orderId),
    ),
    // Replayed: an accepted message sent again (not a broker redelivery).
    fc.constant(() => f('replayed', c.accepted.topic, c.accepted.token, 'replayed', c.accepted.orderId)),
    // Wrong order, wrong amount, wrong currency: genuine signatures, wrong facts.
    otherOrder.map((orderId) => () => f('wrong-order', 'payment', sign(c, payment(c, { orderId })), 'unknown_order', orderId)),
    fc
      .integer({ min: 1, max: 999_999 })
      .map((delta) => () => f('wrong-amount', 'payment', sign(c, payment(c, { amount: c.pending.amount + delta })), 'amount_mismatch', c.pending.orderId)),
    fc
      .constantFrom('USD', 'EUR', 'KRW')
      .map((currency) => () => f('wrong-currency', 'payment', sign(c, payment(c, { currency })), 'currency_mismatch', c.pending.orderId)),
    // Malformed but genuinely signed: schema violations.
    fc
      .constantFrom<[string, Record<string, unknown>]>(
        ['amount-float', { amount: 12.5 }],
        ['amount-string', { amount: '1200' }],
        ['amount-negative', { amount: -1 }],
        ['status-unknown', { status: 'refunded' }],
        ['extra-field', { tip: 100 }],
        ['missing-txn', { providerTxnId: undefined }],
        ['currency-lower', { currency: 'jpy' }],
      )
      .map(
        ([kind, over]) =>
          () =>
            f(`malformed-${kind}`, 'payment', sign(c, payment(c, over)), 'malformed', c.pending.orderId),
      ),
    // A genuine cancel or charge sent to the payment topic (cross-topic substitution).
    fc.constant(() => f('wrong-type', 'payment', sign(c, { typ: 'cancel', orderId: c.pending.orderId }), 'wrong_type', c.pending.orderId)),
    // Oversized.
    fc.integer({ min: 1, max: 4096 }).map((extra) => () => f('too-large', 'payment', Buffer.alloc(c.maxPayloadBytes + extra, 0x2e), 'too_large')),
  );
}
