/**
 * Signed test vectors for integrators (docs/test-vectors/vectors.json): a published test key pair
 * and, for each message kind, known-good and known-bad compact JWS strings with the decision a
 * device must reach when they arrive in this order at the vector clock. Ed25519 (RFC 8032) is
 * deterministic, so a signer in any language that signs the same header and payload bytes with
 * the test key produces exactly the same JWS. A test regenerates this file (drift) and plays every
 * vector through the real Device.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { thumbprintKid } from '../payment/keys.js';
import type { InboundTopic } from './topics.js';

/** RFC 8032 section 7.1, TEST 1 and TEST 2 secret keys: public test keys, never for production. */
const TEST_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const UNTRUSTED_SEED = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb';
const PKCS8_ED25519_PREFIX = '302e020100300506032b657004220420';

export const VECTOR_DEVICE_ID = 'till-vectors-01';
/** The device's clock while the vectors are played (2026-01-01T09:00:00Z). */
export const VECTOR_NOW = 1_767_258_000;
export const VECTOR_SKEW_SEC = 60;

export function keyFromSeed(seedHex: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(PKCS8_ED25519_PREFIX + seedHex, 'hex'), format: 'der', type: 'pkcs8' });
}

export interface VectorKey {
  readonly kid: string;
  readonly seedHex: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly publicKeyJwk: { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string };
}

function describeKey(seedHex: string): VectorKey {
  const priv = keyFromSeed(seedHex);
  const pub = createPublicKey(priv);
  const x = pub.export({ format: 'jwk' }).x ?? '';
  return {
    kid: thumbprintKid(pub),
    seedHex,
    privateKeyPem: priv.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: pub.export({ format: 'pem', type: 'spki' }).toString(),
    publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x },
  };
}

export type VectorDecision =
  { readonly event: 'displayed' | 'paid' | 'failed' | 'cancelled'; readonly orderId: string } | { readonly event: 'rejected'; readonly reason: string };

export interface Vector {
  readonly name: string;
  readonly topic: InboundTopic;
  readonly description: string;
  /** The exact protected header and payload bytes (UTF-8 JSON) inside the JWS. */
  readonly header: string;
  readonly payload: string;
  readonly jws: string;
  readonly expect: VectorDecision;
}

export interface VectorFile {
  readonly format: 'tillqr-test-vectors/1';
  readonly about: string;
  readonly device: { readonly deviceId: string; readonly now: number; readonly clockSkewSec: number; readonly trustedKids: readonly string[] };
  readonly key: VectorKey;
  readonly untrustedKey: VectorKey;
  readonly vectors: readonly Vector[];
}

const b64u = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

function jws(header: string, payload: string, key: KeyObject): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  return `${input}.${cryptoSign(null, Buffer.from(input, 'ascii'), key).toString('base64url')}`;
}

/** Flip one bit of the signature's first byte (still 64 bytes, canonical base64url). */
function tamper(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  sig[0] = (sig[0] ?? 0) ^ 0x01;
  return `${h}.${p}.${sig.toString('base64url')}`;
}

export function buildVectors(): VectorFile {
  const key = describeKey(TEST_SEED);
  const untrusted = describeKey(UNTRUSTED_SEED);
  const signer = keyFromSeed(TEST_SEED);
  const stranger = keyFromSeed(UNTRUSTED_SEED);
  const header = JSON.stringify({ alg: 'EdDSA', kid: key.kid });
  const claims = (jti: string, o: { aud?: string; iat?: number; exp?: number } = {}) => ({
    aud: o.aud ?? VECTOR_DEVICE_ID,
    iat: o.iat ?? VECTOR_NOW,
    exp: o.exp ?? VECTOR_NOW + 300,
    jti,
  });
  const charge = (orderId: string, jti: string, extra: Record<string, unknown> = {}, c: Parameters<typeof claims>[1] = {}) =>
    JSON.stringify({
      typ: 'charge',
      orderId,
      amount: 1200,
      currency: 'JPY',
      qr: `https://pay.example/qr/${orderId}`,
      expiresAt: VECTOR_NOW + 300,
      ...extra,
      ...claims(jti, c),
    });
  const payment = (orderId: string, jti: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      typ: 'payment',
      orderId,
      amount: 1200,
      currency: 'JPY',
      status: 'succeeded',
      wallet: 'PayPay',
      providerTxnId: `txn-${jti}`,
      paidAt: VECTOR_NOW,
      ...extra,
      ...claims(jti),
    });
  const cancel = (orderId: string, jti: string) => JSON.stringify({ typ: 'cancel', orderId, ...claims(jti) });
  const v: Vector[] = [];
  const add = (
    name: string,
    topic: InboundTopic,
    description: string,
    payloadJson: string,
    expect: VectorDecision,
    o: { header?: string; key?: KeyObject; token?: (t: string) => string } = {},
  ): string => {
    const h = o.header ?? header;
    const signed = jws(h, payloadJson, o.key ?? signer);
    const token = o.token !== undefined ? o.token(signed) : signed;
    v.push({ name, topic, description, header: h, payload: payloadJson, jws: token, expect });
    return token;
  };
  const c1 = charge('V-1', 'vec-charge-1');
  add('charge-good', 'charge', 'A well-formed charge signed with the test key: the QR is shown.', c1, { event: 'displayed', orderId: 'V-1' });
  add(
    'charge-bad-signature',
    'charge',
    'charge-good with one bit of the signature flipped.',
    charge('V-1', 'vec-charge-bad-sig'),
    { event: 'rejected', reason: 'bad_signature' },
    { token: tamper },
  );
  add(
    'charge-unknown-kid',
    'charge',
    'Signed with the untrusted key (RFC 8032 TEST 2), whose kid the device does not list.',
    charge('V-1', 'vec-charge-untrusted'),
    { event: 'rejected', reason: 'unknown_kid' },
    {
      header: JSON.stringify({ alg: 'EdDSA', kid: untrusted.kid }),
      key: stranger,
    },
  );
  add(
    'charge-alg-none',
    'charge',
    'Header alg "none" with an empty signature: never accepted.',
    charge('V-1', 'vec-charge-none'),
    { event: 'rejected', reason: 'unsupported_alg' },
    {
      header: JSON.stringify({ alg: 'none', kid: key.kid }),
      token: (t) => `${t.split('.').slice(0, 2).join('.')}.`,
    },
  );
  add('charge-wrong-audience', 'charge', 'aud names another device.', charge('V-1', 'vec-charge-aud', {}, { aud: 'till-other' }), {
    event: 'rejected',
    reason: 'wrong_audience',
  });
  add(
    'charge-expired',
    'charge',
    `exp is ${VECTOR_SKEW_SEC + 1} s before the device clock (more than trust.clockSkewSec).`,
    charge('V-1', 'vec-charge-exp', {}, { iat: VECTOR_NOW - 400, exp: VECTOR_NOW - VECTOR_SKEW_SEC - 1 }),
    { event: 'rejected', reason: 'expired' },
  );
  add(
    'charge-not-yet-valid',
    'charge',
    'iat is 120 s after the device clock.',
    charge('V-1', 'vec-charge-nyv', {}, { iat: VECTOR_NOW + 120, exp: VECTOR_NOW + 420 }),
    { event: 'rejected', reason: 'not_yet_valid' },
  );
  add('charge-lifetime-too-long', 'charge', 'exp is 48 h away (at most 24 h).', charge('V-1', 'vec-charge-life', {}, { exp: VECTOR_NOW + 48 * 3600 }), {
    event: 'rejected',
    reason: 'lifetime_too_long',
  });
  add('charge-unknown-field', 'charge', 'An extra field "tip": unknown fields are refused.', charge('V-1', 'vec-charge-field', { tip: 100 }), {
    event: 'rejected',
    reason: 'malformed',
  });
  add('charge-on-payment-topic', 'payment', 'A genuine charge published on the payment topic.', charge('V-1', 'vec-charge-topic'), {
    event: 'rejected',
    reason: 'wrong_type',
  });
  add('payment-amount-mismatch', 'payment', 'A confirmation of 1300 for the 1200 JPY sale on screen.', payment('V-1', 'vec-pay-1300', { amount: 1300 }), {
    event: 'rejected',
    reason: 'amount_mismatch',
  });
  add('payment-currency-mismatch', 'payment', 'A confirmation in USD for the JPY sale.', payment('V-1', 'vec-pay-usd', { currency: 'USD' }), {
    event: 'rejected',
    reason: 'currency_mismatch',
  });
  add('payment-unknown-order', 'payment', 'A confirmation for an order the device never showed.', payment('V-404', 'vec-pay-404'), {
    event: 'rejected',
    reason: 'unknown_order',
  });
  const paid = add('payment-good', 'payment', 'The matching confirmation: the success signal fires once.', payment('V-1', 'vec-pay-1'), {
    event: 'paid',
    orderId: 'V-1',
  });
  v.push({
    ...(v.at(-1) as Vector),
    name: 'payment-replayed',
    description: 'payment-good published again (not a broker redelivery): its jti was already processed.',
    jws: paid,
    expect: { event: 'rejected', reason: 'replayed' },
  });
  add('payment-after-paid', 'payment', 'A second confirmation (new jti) for the order already paid.', payment('V-1', 'vec-pay-again'), {
    event: 'rejected',
    reason: 'order_closed',
  });
  add('charge-second', 'charge', 'A second sale.', charge('V-2', 'vec-charge-2'), { event: 'displayed', orderId: 'V-2' });
  add('cancel-good', 'cancel', 'Cancel the sale on screen.', cancel('V-2', 'vec-cancel-2'), { event: 'cancelled', orderId: 'V-2' });
  add('cancel-unknown-order', 'cancel', 'Cancel an order the device never showed.', cancel('V-405', 'vec-cancel-405'), {
    event: 'rejected',
    reason: 'unknown_order',
  });
  add('charge-third', 'charge', 'A third sale.', charge('V-3', 'vec-charge-3'), { event: 'displayed', orderId: 'V-3' });
  add('payment-failed', 'payment', 'The provider says the payment failed: the failure is shown.', payment('V-3', 'vec-pay-3-failed', { status: 'failed' }), {
    event: 'failed',
    orderId: 'V-3',
  });
  return {
    format: 'tillqr-test-vectors/1',
    about:
      'Play the vectors in order into one device whose only trusted backend key is `key`, whose id is device.deviceId and whose clock reads device.now, starting idle. Each must produce exactly one event matching `expect` (type, and reason or orderId). The keys are RFC 8032 section 7.1 TEST 1 (trusted) and TEST 2 (untrusted): public, for tests only. Ed25519 signatures are deterministic: signing `header` and `payload` (the exact UTF-8 bytes, base64url without padding) with `key` gives exactly `jws` for every vector not described as tampered or alg none.',
    device: { deviceId: VECTOR_DEVICE_ID, now: VECTOR_NOW, clockSkewSec: VECTOR_SKEW_SEC, trustedKids: [key.kid] },
    key,
    untrustedKey: untrusted,
    vectors: v,
  };
}

export function renderVectors(): string {
  return `${JSON.stringify(buildVectors(), null, 2)}\n`;
}
