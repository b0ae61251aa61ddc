import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addPoints,
  decodePoint,
  encodePoint,
  encodingProblem,
  IDENTITY,
  L,
  leToBigInt,
  publicKeyProblem,
  signatureProblem,
  SMALL_ORDER_ENCODINGS,
  smallOrder,
} from '../../../src/payment/ed25519-points.js';
import { le32, nonCanonicalY, SMALL_ORDER_HEX, X_ZERO_SIGNED } from '../../helpers/weak-keys.js';

const rawOf = (): Buffer => {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url');
};

// RFC 8032: the base point B.
const BASE_HEX = '5866666666666666666666666666666666666666666666666666666666666666';

describe('Ed25519 point checks', () => {
  it('knows exactly the eight small-order points, and [8]P is the identity for each', () => {
    expect([...SMALL_ORDER_ENCODINGS.keys()].sort()).toEqual([...SMALL_ORDER_HEX].sort());
    const orders = SMALL_ORDER_HEX.map((h) => {
      const p = decodePoint(Buffer.from(h, 'hex'));
      expect(p, h).toBeDefined();
      return p === undefined ? undefined : smallOrder(p);
    });
    expect(orders).toEqual([1, 2, 4, 4, 8, 8, 8, 8]);
    // The multiples of one order-8 point are the whole torsion group: the same eight encodings.
    const t8 = decodePoint(Buffer.from(SMALL_ORDER_HEX[4] ?? '', 'hex'));
    if (t8 === undefined) throw new Error('order-8 point does not decode');
    const multiples = new Set<string>();
    let q = IDENTITY;
    for (let i = 0; i < 8; i++) {
      multiples.add(Buffer.from(encodePoint(q)).toString('hex'));
      q = addPoints(q, t8);
    }
    expect([...multiples].sort()).toEqual([...SMALL_ORDER_HEX].sort());
    for (const h of SMALL_ORDER_HEX) expect(encodingProblem(Buffer.from(h, 'hex'))).toMatchObject({ kind: 'small_order' });
  });

  it('refuses every non-canonical encoding: y >= p with either sign, and x = 0 with the sign bit set', () => {
    const ys = nonCanonicalY();
    expect(ys).toHaveLength(38);
    for (const b of ys) {
      expect(encodingProblem(b)).toEqual({ kind: 'non_canonical', why: 'y >= p' });
      expect(decodePoint(b)).toBeUndefined();
    }
    for (const b of X_ZERO_SIGNED) {
      expect(encodingProblem(b)).toEqual({ kind: 'non_canonical', why: 'x = 0 with the sign bit set' });
      expect(decodePoint(b)).toBeUndefined();
      expect(publicKeyProblem(b)).toMatchObject({ kind: 'non_canonical' });
    }
  });

  it('accepts genuine keys and the base point, which round-trip through decode and encode', () => {
    expect(Buffer.from(encodePoint(decodePoint(Buffer.from(BASE_HEX, 'hex')) ?? IDENTITY)).toString('hex')).toBe(BASE_HEX);
    for (let i = 0; i < 40; i++) {
      const raw = rawOf();
      expect(publicKeyProblem(raw)).toBeUndefined();
      const p = decodePoint(raw);
      expect(p && Buffer.from(encodePoint(p)).equals(raw)).toBe(true);
      expect(p && smallOrder(p)).toBeUndefined();
    }
  });

  it('calls an encoding that is no curve point not_on_curve, and a short one wrong_length', () => {
    let y = 2n;
    while (decodePoint(le32(y)) !== undefined) y++;
    expect(publicKeyProblem(le32(y))).toEqual({ kind: 'not_on_curve' });
    expect(publicKeyProblem(Buffer.alloc(31))).toEqual({ kind: 'wrong_length', length: 31 });
  });

  it('refuses a signature whose R is small-order or non-canonical, or whose S is not below L', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const good = sign(null, Buffer.from('m'), privateKey);
    expect(signatureProblem(good)).toBeUndefined();
    for (const h of SMALL_ORDER_HEX) {
      expect(signatureProblem(Buffer.concat([Buffer.from(h, 'hex'), good.subarray(32)]))).toMatch(/^the signature's R is a small-order point/);
    }
    for (const r of [...nonCanonicalY(), ...X_ZERO_SIGNED]) {
      expect(signatureProblem(Buffer.concat([r, good.subarray(32)]))).toMatch(/^the signature's R is a non-canonical encoding/);
    }
    const s = leToBigInt(good.subarray(32));
    expect(signatureProblem(Buffer.concat([good.subarray(0, 32), le32(s + L)]))).toMatch(/S is not below the group order/);
    expect(signatureProblem(Buffer.concat([good.subarray(0, 32), le32(L)]))).toMatch(/S is not below/);
    expect(signatureProblem(Buffer.concat([good.subarray(0, 32), le32(L - 1n)]))).toBeUndefined();
    expect(signatureProblem(good.subarray(0, 63))).toMatch(/64 bytes/);
  });
});
