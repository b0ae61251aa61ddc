/**
 * Hostile MQTT payloads for the three inbound topics, as fast-check arbitraries. Every case is a
 * message the device must refuse: random bytes and text, JWS-shaped garbage, genuine tokens
 * truncated or mutated, oversized messages, deeply nested JSON (bare, and signed inside the
 * payload or the protected header), signed payloads with fields of the wrong type, and genuinely
 * signed messages whose content is wrong (audience, time window, lifetime, typ, order, amount,
 * currency, closed order, replayed jti, no QR possible). Where a single fault decides the
 * outcome, the case carries the `rejected` reason the contract names for it.
 *
 * Cases are thunks over a FuzzContext so the same arbitrary serves a device on a frozen FakeClock
 * and a daemon on the system clock: signing happens when the case is sent.
 */
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SIGNED_SCHEMAS, type RejectReason } from '../../src/link/contract.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { b64urlEncode, signCompact } from '../../src/payment/jws.js';
import type { BackendKey } from './backend.js';

export interface Sale {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
}

export interface FuzzContext {
  readonly deviceId: string;
  readonly key: BackendKey;
  /** A key the device does not trust. */
  readonly stranger: KeyObject;
  readonly skewSec: number;
  readonly maxPayloadBytes: number;
  /** Device clock, Unix seconds. */
  nowSec(): number;
  /**
   * The sale wrong-content messages aim at. 'pending': on screen now (a correct payment or
   * cancel for it would be accepted, so none is ever generated). 'closed': cancelled within the
   * late window (a correct succeeded payment would be a late `paid`; none is generated).
   */
  readonly target: Sale & { readonly state: 'pending' | 'closed' };
  /** A sale that ended paid (second verdicts and charges for it are `order_closed`). */
  readonly paid: Sale;
  /** Tokens the device accepted before the run (for replays): topic, exact token, jti. */
  readonly processed: readonly { readonly topic: InboundTopic; readonly token: string; readonly jti: string }[];
  /** A fresh number per call (keeps generated jtis unique). */
  seq(): number;
}

export interface FuzzCase {
  readonly cls: string;
  readonly topic: InboundTopic;
  readonly payload: Buffer;
  readonly dup: boolean;
  /** Whether the signature is genuine (then a `rejected` event may name the order). */
  readonly signed: boolean;
  /** The reason the device must give, when one fault decides it. */
  readonly reason?: RejectReason;
}

export type CaseThunk = (ctx: FuzzContext) => FuzzCase;

const TOPICS: readonly InboundTopic[] = ['charge', 'cancel', 'payment'];
const topicArb = fc.constantFrom(...TOPICS);

type Body = Record<string, unknown>;

function mk(cls: string, topic: InboundTopic, payload: string | Uint8Array, dup: boolean, signed: boolean, reason?: RejectReason): FuzzCase {
  return {
    cls,
    topic,
    payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload),
    dup,
    signed,
    ...(reason !== undefined ? { reason } : {}),
  };
}

function claims(ctx: FuzzContext, uuid: string): Body {
  const iat = ctx.nowSec();
  return { aud: ctx.deviceId, iat, exp: iat + 300, jti: `${uuid}-${ctx.seq()}` };
}

/** A correct message for `topic` about the target sale (never sent as it is). */
function genuineBody(topic: InboundTopic, ctx: FuzzContext, uuid: string): Body {
  const t = ctx.target;
  switch (topic) {
    case 'payment':
      return {
        typ: 'payment',
        orderId: t.orderId,
        amount: t.amount,
        currency: t.currency,
        status: 'succeeded',
        providerTxnId: `txn-${uuid}`,
        paidAt: ctx.nowSec(),
        ...claims(ctx, uuid),
      };
    case 'cancel':
      return { typ: 'cancel', orderId: t.orderId, ...claims(ctx, uuid) };
    case 'charge':
      return {
        typ: 'charge',
        orderId: `F-${uuid.slice(0, 8)}`,
        amount: 1200,
        currency: 'JPY',
        qr: 'QR-FUZZ',
        expiresAt: ctx.nowSec() + 300,
        ...claims(ctx, uuid),
      };
  }
}

const signBody = (ctx: FuzzContext, body: Body): string => signCompact(JSON.stringify(body), ctx.key.key, { kid: ctx.key.kid });

/** Sign any payload text under any protected header (for headers signCompact will not make). */
function signRaw(header: Body, payloadText: string, key: KeyObject): string {
  const input = `${b64urlEncode(JSON.stringify(header))}.${b64urlEncode(payloadText)}`;
  return `${input}.${cryptoSign(null, Buffer.from(input, 'ascii'), key).toString('base64url')}`;
}

function nested(depth: number, kind: 'array' | 'object', leaf = '0'): string {
  return kind === 'array' ? '['.repeat(depth) + leaf + ']'.repeat(depth) : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** One content fault that refuses a genuinely signed message whatever else is right. */
interface ContentFault {
  readonly name: string;
  /** The claim or field it changes: a combination takes one fault per group (two time faults can cancel out). */
  readonly group: 'aud' | 'time' | 'typ' | 'extra' | 'jti' | 'order' | 'amount' | 'currency' | 'expiry';
  readonly topics: readonly InboundTopic[];
  readonly reason: RejectReason;
  apply(b: Body, ctx: FuzzContext, r: number): void;
}

const CONTENT_FAULTS: readonly ContentFault[] = [
  {
    name: 'wrong-audience',
    group: 'aud',
    topics: TOPICS,
    reason: 'wrong_audience',
    apply: (b, c, r) => void (b.aud = `${c.deviceId}${r % 2 === 0 ? 'x' : '-other'}`),
  },
  // Margins of a few seconds: on the system clock the device checks a moment after the signing.
  {
    name: 'not-yet-valid',
    group: 'time',
    topics: TOPICS,
    reason: 'not_yet_valid',
    apply: (b, c, r) => void ((b.iat = c.nowSec() + c.skewSec + 5 + (r % 86_400)), (b.exp = (b.iat as number) + 300)),
  },
  {
    name: 'expired',
    group: 'time',
    topics: TOPICS,
    reason: 'expired',
    apply: (b, c, r) => void ((b.exp = c.nowSec() - c.skewSec - 1 - (r % 864_000)), (b.iat = (b.exp as number) - 300)),
  },
  { name: 'exp-before-iat', group: 'time', topics: TOPICS, reason: 'expired', apply: (b, c) => void (b.exp = c.nowSec() - 1) },
  {
    name: 'lifetime-too-long',
    group: 'time',
    topics: TOPICS,
    reason: 'lifetime_too_long',
    apply: (b, c, r) => void (b.exp = c.nowSec() + 86_400 + c.skewSec + 5 + (r % 864_000)),
  },
  {
    name: 'typ-of-other-topic',
    group: 'typ',
    topics: TOPICS,
    reason: 'wrong_type',
    apply: (b, _c, r) => void (b.typ = TOPICS.filter((t) => t !== b.typ)[r % 2]),
  },
  {
    name: 'typ-unknown',
    group: 'typ',
    topics: TOPICS,
    reason: 'malformed',
    apply: (b, _c, r) => void (b.typ = ['refund', 'PAYMENT', 'payment ', '', 'status'][r % 5]),
  },
  {
    name: 'unknown-field',
    group: 'extra',
    topics: TOPICS,
    reason: 'malformed',
    apply: (b, _c, r) => void (b[['tip', '__proto__x', 'constructor', 'Amount', 'status2'][r % 5] ?? 'x'] = r),
  },
  { name: 'missing-jti', group: 'jti', topics: TOPICS, reason: 'malformed', apply: (b) => void delete b.jti },
  { name: 'missing-order', group: 'order', topics: TOPICS, reason: 'malformed', apply: (b) => void delete b.orderId },
  { name: 'replayed-jti', group: 'jti', topics: TOPICS, reason: 'replayed', apply: (b, c, r) => void (b.jti = c.processed[r % c.processed.length]?.jti) },
  { name: 'payment-unknown-order', group: 'order', topics: ['payment'], reason: 'unknown_order', apply: (b, _c, r) => void (b.orderId = `NOPE-${r}`) },
  {
    name: 'payment-amount',
    group: 'amount',
    topics: ['payment'],
    reason: 'amount_mismatch',
    apply: (b, c, r) => void (b.amount = c.target.amount + 1 + (r % 100_000)),
  },
  {
    name: 'payment-currency',
    group: 'currency',
    topics: ['payment'],
    reason: 'currency_mismatch',
    apply: (b, _c, r) => void (b.currency = ['USD', 'EUR', 'KRW', 'JPX'][r % 4]),
  },
  {
    name: 'payment-for-paid-order',
    group: 'order',
    topics: ['payment'],
    reason: 'order_closed',
    apply: (b, c, r) => void ((b.orderId = c.paid.orderId), (b.amount = c.paid.amount), (b.status = r % 2 === 0 ? 'succeeded' : 'failed')),
  },
  { name: 'cancel-unknown-order', group: 'order', topics: ['cancel'], reason: 'unknown_order', apply: (b, _c, r) => void (b.orderId = `NOPE-${r}`) },
  { name: 'cancel-paid-order', group: 'order', topics: ['cancel'], reason: 'order_closed', apply: (b, c) => void (b.orderId = c.paid.orderId) },
  { name: 'charge-expired', group: 'expiry', topics: ['charge'], reason: 'expired', apply: (b, c, r) => void (b.expiresAt = c.nowSec() - (r % 10_000)) },
  { name: 'charge-paid-order', group: 'order', topics: ['charge'], reason: 'order_closed', apply: (b, c) => void (b.orderId = c.paid.orderId) },
  { name: 'charge-no-qr-other-currency', group: 'currency', topics: ['charge'], reason: 'no_qr', apply: (b) => void (delete b.qr, (b.currency = 'USD')) },
];

/** Values of the wrong JSON type (or out of range) for a field. */
const WRONG_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e21,
  '1200',
  '',
  'x'.repeat(300),
  [],
  [1],
  {},
  { amount: 1 },
  '\u0000',
  '\ud800',
  '💳',
  -0,
];

const WRONG_TYPE_FIELDS: Readonly<Record<InboundTopic, readonly string[]>> = {
  charge: ['orderId', 'amount', 'currency', 'qr', 'reference', 'expiresAt', 'aud', 'iat', 'exp', 'jti', 'typ'],
  cancel: ['orderId', 'aud', 'iat', 'exp', 'jti', 'typ'],
  payment: ['orderId', 'amount', 'currency', 'status', 'wallet', 'providerTxnId', 'paidAt', 'aud', 'iat', 'exp', 'jti', 'typ'],
};

function mutateText(token: string, ops: readonly { at: number; op: number; ch: number }[]): string {
  let s = token;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}"\u00e9\u0000';
  for (const { at, op, ch } of ops) {
    const i = s.length === 0 ? 0 : at % s.length;
    const c = alphabet[ch % alphabet.length] ?? 'A';
    if (op === 0)
      s = s.slice(0, i) + c + s.slice(i + 1); // replace
    else if (op === 1)
      s = s.slice(0, i) + c + s.slice(i); // insert
    else if (op === 2)
      s = s.slice(0, i) + s.slice(i + 1); // delete
    else {
      const parts = s.split('.'); // swap two parts
      if (parts.length >= 2) [parts[0], parts[1]] = [parts[1] ?? '', parts[0] ?? ''];
      s = parts.join('.');
    }
  }
  return s;
}

export function fuzzCases(): fc.Arbitrary<CaseThunk> {
  const dup = fc.boolean();
  const uuid = fc.uuid();
  const r = fc.nat({ max: 1_000_000_000 });

  const randomBytes = fc.record({ b: fc.uint8Array({ maxLength: 600 }), t: topicArb, dup }).map(
    ({ b, t, dup: d }): CaseThunk =>
      () =>
        mk('random-bytes', t, b, d, false),
  );
  const randomText = fc.record({ s: fc.string({ unit: 'binary', maxLength: 300 }), t: topicArb, dup }).map(
    ({ s, t, dup: d }): CaseThunk =>
      () =>
        mk('random-text', t, s, d, false),
  );
  const jwsShaped = fc
    .record({
      parts: fc.array(
        fc.base64String({ maxLength: 120 }).map((x) => x.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')),
        { minLength: 1, maxLength: 5 },
      ),
      t: topicArb,
      dup,
    })
    .map(
      ({ parts, t, dup: d }): CaseThunk =>
        () =>
          mk('jws-shaped-garbage', t, parts.join('.'), d, false),
    );
  const randomJson = fc.record({ v: fc.jsonValue({ maxDepth: 6 }), t: topicArb, dup }).map(
    ({ v, t, dup: d }): CaseThunk =>
      () =>
        mk('unsigned-json', t, JSON.stringify(v) ?? 'null', d, false, 'malformed'),
  );

  const truncated = fc
    .record({ t: topicArb, u: uuid, keep: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), dup })
    .map(({ t, u, keep, dup: d }): CaseThunk => (ctx) => {
      const token = signBody(ctx, genuineBody(t, ctx, u));
      return mk('truncated-jws', t, token.slice(0, Math.floor(keep * token.length)), d, false);
    });
  const mutated = fc
    .record({ t: topicArb, u: uuid, ops: fc.array(fc.record({ at: fc.nat(), op: fc.nat({ max: 3 }), ch: fc.nat() }), { minLength: 1, maxLength: 8 }), dup })
    .map(({ t, u, ops, dup: d }): CaseThunk => (ctx) => {
      const token = signBody(ctx, genuineBody(t, ctx, u));
      let m = mutateText(token, ops);
      if (m === token) m = `${token}A`;
      return mk('mutated-jws', t, m, d, false);
    });
  const flippedBit = fc.record({ t: topicArb, u: uuid, i: fc.nat(), bit: fc.nat({ max: 7 }), dup }).map(({ t, u, i, bit, dup: d }): CaseThunk => (ctx) => {
    const bytes = Buffer.from(signBody(ctx, genuineBody(t, ctx, u)), 'utf8');
    const at = i % bytes.length;
    bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
    return mk('bit-flipped-jws', t, bytes, d, false);
  });

  const huge = fc.record({ t: topicArb, over: fc.integer({ min: 1, max: 200_000 }), fill: fc.nat({ max: 255 }), dup }).map(
    ({ t, over, fill, dup: d }): CaseThunk =>
      (ctx) =>
        mk('oversized', t, Buffer.alloc(ctx.maxPayloadBytes + over, fill), d, false, 'too_large'),
  );
  const hugeSigned = fc.record({ t: topicArb, u: uuid, dup }).map(({ t, u, dup: d }): CaseThunk => (ctx) => {
    // A genuine signature over a payload just under the limit once encoded: the schema refuses the long field.
    const body = genuineBody(t, ctx, u);
    const room = Math.floor((ctx.maxPayloadBytes - 400) * 0.74) - JSON.stringify(body).length;
    body.reference = 'r'.repeat(Math.max(100, room));
    return mk('large-signed', t, signBody(ctx, body), d, true, 'malformed');
  });

  const nestedBare = fc
    .record({ t: topicArb, depth: fc.integer({ min: 1, max: 30_000 }), kind: fc.constantFrom('array' as const, 'object' as const), dup })
    .map(({ t, depth, kind, dup: d }): CaseThunk => (ctx) => {
      const text = nested(Math.min(depth, Math.floor(ctx.maxPayloadBytes / 6)), kind);
      return mk('nested-json-bare', t, text, d, false, 'malformed');
    });
  const nestedSigned = fc
    .record({
      t: topicArb,
      u: uuid,
      depth: fc.integer({ min: 1, max: 12_000 }),
      kind: fc.constantFrom('array' as const, 'object' as const),
      where: fc.constantFrom('orderId', 'amount', 'extra', 'jti'),
      dup,
    })
    .map(({ t, u, depth, kind, where, dup: d }): CaseThunk => (ctx) => {
      const body = genuineBody(t, ctx, u);
      const deep = nested(Math.min(depth, Math.floor((ctx.maxPayloadBytes * 0.7) / 6)), kind);
      const field = where === 'extra' ? 'deep' : where;
      delete body[field];
      const text = JSON.stringify(body).replace(/^\{/, `{${JSON.stringify(field)}:${deep},`);
      return mk('nested-json-signed', t, signRaw({ alg: 'EdDSA', kid: ctx.key.kid }, text, ctx.key.key), d, true, 'malformed');
    });
  const nestedHeader = fc
    .record({ t: topicArb, u: uuid, depth: fc.integer({ min: 1, max: 8_000 }), f: fc.nat({ max: CONTENT_FAULTS.length - 1 }), r, dup })
    .map(({ t, u, depth, f, r: rr, dup: d }): CaseThunk => (ctx) => {
      // Extra header parameters are allowed: the signature holds and the content fault decides.
      const fault = applicableFault(t, f);
      const body = genuineBody(t, ctx, u);
      fault.apply(body, ctx, rr);
      const header = `{"alg":"EdDSA","kid":${JSON.stringify(ctx.key.kid)},"x":${nested(Math.min(depth, Math.floor((ctx.maxPayloadBytes * 0.5) / 6)), 'array')}}`;
      const input = `${b64urlEncode(header)}.${b64urlEncode(JSON.stringify(body))}`;
      const token = `${input}.${cryptoSign(null, Buffer.from(input, 'ascii'), ctx.key.key).toString('base64url')}`;
      return mk(`nested-header+${fault.name}`, t, token, d, true, fault.reason);
    });

  const wrongType = fc
    .record({ t: topicArb, u: uuid, fi: fc.nat(), vi: fc.nat({ max: WRONG_VALUES.length - 1 }), dup })
    .map(({ t, u, fi, vi, dup: d }): CaseThunk => (ctx) => {
      const fields = WRONG_TYPE_FIELDS[t];
      const field = fields[fi % fields.length] ?? 'orderId';
      const body = genuineBody(t, ctx, u);
      body[field] = WRONG_VALUES[vi];
      // A value the contract happens to accept there (a short string for a wallet) is no wrong type: wrap it.
      if (SIGNED_SCHEMAS[t].safeParse(body).ok) body[field] = [body[field]];
      return mk(`wrong-type:${field}`, t, signBody(ctx, body), d, true, 'malformed');
    });

  const contentFault = fc.record({ t: topicArb, u: uuid, f: fc.nat(), r, dup }).map(({ t, u, f, r: rr, dup: d }): CaseThunk => (ctx) => {
    const fault = applicableFault(t, f);
    const body = genuineBody(t, ctx, u);
    fault.apply(body, ctx, rr);
    // A replay with the DUP flag of a message that was accepted is acknowledged silently; keep dup off for replays.
    return mk(`content:${fault.name}`, t, signBody(ctx, body), fault.name === 'replayed-jti' ? false : d, true, fault.reason);
  });
  const contentFaults = fc
    .record({ t: topicArb, u: uuid, fs: fc.array(fc.record({ f: fc.nat(), r }), { minLength: 2, maxLength: 4 }), dup })
    .map(({ t, u, fs, dup: d }): CaseThunk => (ctx) => {
      const body = genuineBody(t, ctx, u);
      const used = new Set<string>();
      let replay = false;
      for (const { f, r: rr } of fs) {
        const fault = applicableFault(t, f);
        if (used.has(fault.group)) continue;
        used.add(fault.group);
        fault.apply(body, ctx, rr);
        replay ||= fault.name === 'replayed-jti';
      }
      return mk('content:several', t, signBody(ctx, body), replay ? false : d, true);
    });
  const replayedExact = fc.record({ i: fc.nat() }).map(({ i }): CaseThunk => (ctx) => {
    const p = ctx.processed[i % ctx.processed.length];
    if (p === undefined) throw new Error('the fuzz context has no processed messages');
    return mk('replayed-exact', p.topic, p.token, false, true, 'replayed');
  });
  const wrongKey = fc
    .record({ t: topicArb, u: uuid, how: fc.constantFrom('stranger-trusted-kid', 'stranger-unknown-kid', 'no-kid', 'alg-none', 'alg-hs256', 'crit'), dup })
    .map(({ t, u, how, dup: d }): CaseThunk => (ctx) => {
      const text = JSON.stringify(genuineBody(t, ctx, u));
      switch (how) {
        case 'stranger-trusted-kid':
          return mk(how, t, signRaw({ alg: 'EdDSA', kid: ctx.key.kid }, text, ctx.stranger), d, false, 'bad_signature');
        case 'stranger-unknown-kid':
          return mk(how, t, signRaw({ alg: 'EdDSA', kid: `k-${u.slice(0, 6)}` }, text, ctx.stranger), d, false, 'unknown_kid');
        case 'no-kid':
          return mk(how, t, signRaw({ alg: 'EdDSA' }, text, ctx.key.key), d, false, 'unknown_kid');
        case 'alg-none':
          return mk(how, t, `${b64urlEncode(JSON.stringify({ alg: 'none', kid: ctx.key.kid }))}.${b64urlEncode(text)}.`, d, false, 'unsupported_alg');
        case 'alg-hs256':
          return mk(how, t, signRaw({ alg: 'HS256', kid: ctx.key.kid }, text, ctx.key.key), d, false, 'unsupported_alg');
        case 'crit':
          return mk(how, t, signRaw({ alg: 'EdDSA', kid: ctx.key.kid, crit: ['exp'] }, text, ctx.key.key), d, false, 'malformed');
      }
    });

  return fc.oneof(
    { arbitrary: randomBytes, weight: 10 },
    { arbitrary: randomText, weight: 6 },
    { arbitrary: jwsShaped, weight: 6 },
    { arbitrary: randomJson, weight: 5 },
    { arbitrary: truncated, weight: 8 },
    { arbitrary: mutated, weight: 10 },
    { arbitrary: flippedBit, weight: 8 },
    { arbitrary: huge, weight: 2 },
    { arbitrary: hugeSigned, weight: 1 },
    { arbitrary: nestedBare, weight: 2 },
    { arbitrary: nestedSigned, weight: 2 },
    { arbitrary: nestedHeader, weight: 2 },
    { arbitrary: wrongType, weight: 10 },
    { arbitrary: contentFault, weight: 18 },
    { arbitrary: contentFaults, weight: 6 },
    { arbitrary: replayedExact, weight: 2 },
    { arbitrary: wrongKey, weight: 6 },
  );
}

function applicableFault(topic: InboundTopic, i: number): ContentFault {
  const list = CONTENT_FAULTS.filter((f) => f.topics.includes(topic));
  const f = list[i % list.length];
  if (f === undefined) throw new Error(`no content fault for ${topic}`);
  return f;
}
