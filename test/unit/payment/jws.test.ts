import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64urlDecode, b64urlEncode, signCompact, TrustedKeys, verifyCompact } from '../../../src/payment/jws.js';
import { generateEd25519KeyPair, kidOfPublicKeyPem, parseEd25519PrivateKey, thumbprintKid } from '../../../src/payment/keys.js';

// RFC 8037 appendix A.1-A.4: the Ed25519 key, its thumbprint and the signed example.
const RFC_JWK = { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
const RFC_COMPACT =
  'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';

function keyring() {
  const a = generateEd25519KeyPair();
  const b = generateEd25519KeyPair();
  return { a, b, keys: new TrustedKeys([a, b].map((k) => ({ kid: k.kid, publicKeyPem: k.publicKeyPem }))) };
}

describe('JWS EdDSA (RFC 7515 + RFC 8037)', () => {
  it('signs the RFC 8037 A.4 example byte for byte', () => {
    const key = createPrivateKey({ key: RFC_JWK, format: 'jwk' });
    expect(signCompact('Example of Ed25519 signing', key)).toBe(RFC_COMPACT);
  });

  it('computes the RFC 8037 A.3 thumbprint as the kid', () => {
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: RFC_JWK.x }, format: 'jwk' });
    expect(thumbprintKid(pub)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
    expect(thumbprintKid(createPrivateKey({ key: RFC_JWK, format: 'jwk' }))).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('verifies the RFC example once it names a trusted kid, and refuses it without one', () => {
    const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: RFC_JWK.x }, format: 'jwk' })
      .export({ format: 'pem', type: 'spki' })
      .toString();
    const keys = new TrustedKeys([{ kid: 'rfc', publicKeyPem: pem }]);
    expect(verifyCompact(RFC_COMPACT, keys)).toMatchObject({ ok: false, reason: 'unknown_kid' });
    const token = signCompact('Example of Ed25519 signing', createPrivateKey({ key: RFC_JWK, format: 'jwk' }), { kid: 'rfc' });
    const r = verifyCompact(token, keys);
    expect(r.ok && r.payload.toString()).toBe('Example of Ed25519 signing');
  });

  it('round-trips any payload with any of several trusted keys', () => {
    const { a, b, keys } = keyring();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (payload, useA) => {
        const k = useA ? a : b;
        const token = signCompact(payload, parseEd25519PrivateKey(k.privateKeyPem), { kid: k.kid });
        const r = verifyCompact(token, keys);
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.kid).toBe(k.kid);
          expect([...r.payload]).toEqual([...payload]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('never accepts a token with any single character changed', () => {
    const { a, keys } = keyring();
    const token = signCompact(JSON.stringify({ typ: 'payment', amount: 1200 }), parseEd25519PrivateKey(a.privateKeyPem), { kid: a.kid });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), (i, c) => {
        fc.pre(token[i] !== c);
        const forged = token.slice(0, i) + c + token.slice(i + 1);
        const r = verifyCompact(forged, keys);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('names why a token is refused', () => {
    const { a, keys } = keyring();
    const priv = parseEd25519PrivateKey(a.privateKeyPem);
    const good = signCompact('{}', priv, { kid: a.kid });
    const [h, p, s] = good.split('.') as [string, string, string];
    expect(verifyCompact('abc', keys)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyCompact(`${h}.${p}`, keys)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyCompact(`${h}=.${p}.${s}`, keys)).toMatchObject({ ok: false, reason: 'malformed' });
    // alg "none" and HMAC confusion are refused before any key is looked at.
    for (const alg of ['none', 'HS256', 'ES256', 'eddsa']) {
      const hdr = b64urlEncode(JSON.stringify({ alg, kid: a.kid }));
      expect(verifyCompact(`${hdr}.${p}.${alg === 'none' ? '' : s}`, keys)).toMatchObject({ ok: false, reason: 'unsupported_alg' });
    }
    const crit = b64urlEncode(JSON.stringify({ alg: 'EdDSA', kid: a.kid, crit: ['exp'] }));
    expect(verifyCompact(`${crit}.${p}.${s}`, keys)).toMatchObject({ ok: false, reason: 'malformed' });
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(verifyCompact(signCompact('{}', other, { kid: a.kid }), keys)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyCompact(signCompact('{}', other, { kid: 'stranger' }), keys)).toMatchObject({ ok: false, reason: 'unknown_kid' });
    expect(verifyCompact(`${h}.${p}.${s.slice(0, 40)}`, keys)).toMatchObject({ ok: false, reason: 'bad_signature' });
    const notJson = b64urlEncode('[1,2]');
    expect(verifyCompact(`${notJson}.${p}.${s}`, keys)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('decodes base64url strictly: no padding, no foreign characters, canonical trailing bits', () => {
    expect(b64urlDecode('QQ')?.toString()).toBe('A');
    expect(b64urlDecode('QQ==')).toBeUndefined();
    expect(b64urlDecode('QR')).toBeUndefined(); // same bytes as "QQ" with non-zero unused bits
    expect(b64urlDecode('Q')).toBeUndefined();
    expect(b64urlDecode('Q+8')).toBeUndefined();
    expect(b64urlDecode('')?.length).toBe(0);
  });

  it('refuses keys that are not Ed25519 and duplicate kids', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(() => new TrustedKeys([{ kid: 'r', publicKeyPem: rsa }])).toThrow(/not Ed25519/);
    expect(() => new TrustedKeys([{ kid: 'x', publicKeyPem: 'garbage' }])).toThrow(/not a readable/);
    const k = generateEd25519KeyPair();
    expect(() => new TrustedKeys([k, k].map((x) => ({ kid: 'same', publicKeyPem: x.publicKeyPem })))).toThrow(/twice/);
    expect(() => signCompact('x', createPublicKey(k.publicKeyPem))).toThrow(/private key/);
  });

  it('gives a generated pair a kid recomputable from its public key', () => {
    const k = generateEd25519KeyPair();
    expect(k.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(kidOfPublicKeyPem(k.publicKeyPem)).toBe(k.kid);
    expect(k.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});
