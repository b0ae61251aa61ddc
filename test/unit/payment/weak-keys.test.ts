import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import { checkInbound } from '../../../src/daemon/inbound.js';
import {
  b64urlEncode,
  ed25519PublicKeyProblem,
  parseEd25519PublicKey,
  readEd25519PublicKey,
  TrustedKeys,
  verifyCompact,
  type KeyLookup,
} from '../../../src/payment/jws.js';
import { generateEd25519KeyPair } from '../../../src/payment/keys.js';
import { kidOfPublicKeyPem } from '../../../src/payment/keys.js';
import { ReplayCache } from '../../../src/payment/replay-cache.js';
import { forgeWithIdentity, IDENTITY_RAW, pemOfRaw, weakKeys } from '../../helpers/weak-keys.js';

const NOW = 1_760_000_000;

/** A key lookup that trusts a KeyObject as Node reads it, without tillqr's key checks (the verifier must still refuse). */
const rawLookup = (kid: string, key: KeyObject): KeyLookup => ({ get: (k) => (k === kid ? key : undefined) });

/** A payment confirmation that passes every check of the inbound gate but the signature. */
function confirmation(orderId: string): string {
  const claims = { aud: 'shop-042', iat: NOW, exp: NOW + 300, jti: `j-${orderId}` };
  return JSON.stringify({
    typ: 'payment',
    orderId,
    amount: 1200,
    currency: 'JPY',
    status: 'succeeded',
    providerTxnId: `txn-${orderId}`,
    paidAt: NOW,
    ...claims,
  });
}

describe('weak Ed25519 keys: the forgery', () => {
  it('is real: Node accepts the identity key and R = identity, S = 0 verifies for any message', () => {
    const identity = createPublicKey(pemOfRaw(IDENTITY_RAW));
    const sig = Buffer.concat([IDENTITY_RAW, Buffer.alloc(32)]);
    for (const m of ['charge A-1', 'payment A-1 1200 JPY', '']) expect(cryptoVerify(null, Buffer.from(m), identity, sig)).toBe(true);
  });

  it('is refused where the identity key is trusted: TrustedKeys will not hold it', () => {
    let err: unknown;
    try {
      new TrustedKeys([{ kid: 'evil-1', publicKeyPem: pemOfRaw(IDENTITY_RAW) }]);
    } catch (e) {
      err = e;
    }
    expect(isTillqrError(err, 'JWS_BAD_KEY')).toBe(true);
    expect((err as Error).message).toBe(
      'the public key of kid "evil-1" is a small-order point (order 1, the identity): anyone could forge signatures that verify with it, without a private key',
    );
  });

  it('is refused by the verifier even through a key lookup that skipped the key check', () => {
    const keys = rawLookup('evil-1', createPublicKey(pemOfRaw(IDENTITY_RAW)));
    // R = identity, S = 0: a forged payment confirmation and a forged charge.
    for (const payload of [confirmation('A-1'), JSON.stringify({ typ: 'charge', orderId: 'A-2', amount: 1, qr: 'https://attacker.example/pay' })]) {
      const r = verifyCompact(forgeWithIdentity(payload, 'evil-1'), keys);
      expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
    // R = B, S = 1 ([1]B = R + [k]identity): R is a proper point, the key alone is what is wrong.
    const base = Buffer.from('5866666666666666666666666666666666666666666666666666666666666666', 'hex');
    const s1 = Buffer.alloc(32);
    s1[0] = 1;
    const h = b64urlEncode(JSON.stringify({ alg: 'EdDSA', kid: 'evil-1' }));
    const p = b64urlEncode(confirmation('A-3'));
    const token = `${h}.${p}.${Buffer.concat([base, s1]).toString('base64url')}`;
    expect(cryptoVerify(null, Buffer.from(`${h}.${p}`), createPublicKey(pemOfRaw(IDENTITY_RAW)), Buffer.concat([base, s1]))).toBe(true);
    expect(verifyCompact(token, keys)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
      detail: expect.stringMatching(/trusted key .*small-order point/) as unknown,
    });
  });

  it('never reaches a decision: a forged confirmation is refused bad_signature by the inbound gate', () => {
    const keys = rawLookup('evil-1', createPublicKey(pemOfRaw(IDENTITY_RAW)));
    const ctx = { deviceId: 'shop-042', keys, skewSec: 60, maxPayloadBytes: 8192, replay: new ReplayCache() };
    const decide = (token: string) => checkInbound('payment', Buffer.from(token), false, NOW * 1000, ctx);
    expect(decide(forgeWithIdentity(confirmation('A-4'), 'evil-1'))).toMatchObject({ kind: 'reject', reason: 'bad_signature' });
  });
});

describe('weak Ed25519 keys: every parse path refuses them', () => {
  for (const { label, raw } of weakKeys()) {
    it(`refuses ${label} (${raw.toString('hex').slice(0, 8)}…) in TrustedKeys, parseEd25519PublicKey and kidOfPublicKeyPem`, () => {
      const pem = pemOfRaw(raw);
      expect(() => createPublicKey(pem)).not.toThrow(); // Node itself takes it
      expect(() => new TrustedKeys([{ kid: 'weak-k', publicKeyPem: pem }])).toThrow(
        /^the public key of kid "weak-k" is a (small-order point|non-canonical encoding)/,
      );
      expect(() => parseEd25519PublicKey(pem, 'weak-k')).toThrow(/kid "weak-k"/);
      expect(() => kidOfPublicKeyPem(pem)).toThrow(/small-order|non-canonical/);
    });
  }
});

describe("the schema's quick key check", () => {
  const full = (pem: string): string | undefined => {
    const r = readEd25519PublicKey(pem);
    return r.ok ? undefined : r.problem;
  };

  it('says what the full read says, for any 32 bytes and for other PEM forms', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (raw) => {
        const pem = pemOfRaw(raw);
        expect(ed25519PublicKeyProblem(pem)).toBe(full(pem));
      }),
      { numRuns: 300 },
    );
    const good = generateEd25519KeyPair().publicKeyPem;
    const forms = [
      good,
      good.replace(/\n/g, '\r\n'),
      good.replace('-----\n', '-----\n\n'),
      ...weakKeys().map((k) => pemOfRaw(k.raw)),
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    ];
    for (const pem of forms) expect(ed25519PublicKeyProblem(pem)).toBe(full(pem));
    expect(ed25519PublicKeyProblem(good)).toBeUndefined();
  });
});
