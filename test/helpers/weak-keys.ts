/**
 * Weak Ed25519 public keys for tests: the eight small-order encodings, the non-canonical ones
 * (y >= p, among them the small-order points' aliases, and x = 0 with the sign bit set), as SPKI
 * PEM, and a forged compact JWS (R = identity, S = 0) that verifies with the identity key.
 */
import { b64urlEncode } from '../../src/payment/jws.js';

const P = 2n ** 255n - 19n;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function le32(n: bigint): Buffer {
  const b = Buffer.alloc(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

export function withSign(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c[31] = (c[31] ?? 0) | 0x80;
  return c;
}

/** An SPKI PEM holding these 32 bytes as an Ed25519 public key (Node reads any 32 bytes). */
export function pemOfRaw(raw: Uint8Array): string {
  const b64 = Buffer.concat([SPKI_ED25519_PREFIX, raw]).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/** The eight small-order points' canonical encodings, written out independently of the code under test. */
export const SMALL_ORDER_HEX: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
];

export const IDENTITY_RAW = Buffer.from(SMALL_ORDER_HEX[0] ?? '', 'hex');

/** Every encoding with y >= p (19 values of y, each with both sign bits). */
export function nonCanonicalY(): Buffer[] {
  const out: Buffer[] = [];
  for (let y = P; y < 2n ** 255n; y++) out.push(le32(y), withSign(le32(y)));
  return out;
}

/** x = 0 with the sign bit set: the sign-bit variants of y = 1 (identity) and y = p - 1 (order 2). */
export const X_ZERO_SIGNED: readonly Buffer[] = [withSign(le32(1n)), withSign(le32(P - 1n))];

/** Weak keys with a short label each (for test names and messages). */
export function weakKeys(): { label: string; raw: Buffer }[] {
  return [
    ...SMALL_ORDER_HEX.map((h, i) => ({ label: `small-order #${i}`, raw: Buffer.from(h, 'hex') })),
    { label: 'identity alias y = p + 1', raw: le32(P + 1n) },
    { label: 'order-4 alias y = p', raw: le32(P) },
    { label: 'y = 2^255 - 1', raw: le32(2n ** 255n - 1n) },
    ...X_ZERO_SIGNED.map((raw, i) => ({ label: `x = 0, sign set #${i}`, raw })),
  ];
}

/** A compact JWS for `payload` signed by nobody: R = identity, S = 0. With the identity key trusted it verifies for every payload. */
export function forgeWithIdentity(payload: string, kid: string): string {
  const header = b64urlEncode(JSON.stringify({ alg: 'EdDSA', kid }));
  const sig = Buffer.concat([IDENTITY_RAW, Buffer.alloc(32)]);
  return `${header}.${b64urlEncode(payload)}.${sig.toString('base64url')}`;
}
