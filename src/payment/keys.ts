/**
 * Ed25519 signing keys for backends.
 *
 * Key id: the RFC 7638 JWK thumbprint of the public key, i.e. base64url(SHA-256) of the JSON text
 * `{"crv":"Ed25519","kty":"OKP","x":"<base64url public key>"}` (members in lexicographic order, no
 * spaces). Anyone holding the public key can recompute it, so a kid cannot silently name a
 * different key; it is 43 characters and fits `trust.backendKeys[].kid`.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { TillqrError } from '../core/errors.js';
import { parseEd25519PublicKey } from './jws.js';

export interface KeyPairPem {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly kid: string;
}

export function generateEd25519KeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    kid: thumbprintKid(publicKey),
  };
}

/** RFC 7638 thumbprint of an Ed25519 public (or private) key. */
export function thumbprintKid(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new TillqrError('JWS_BAD_KEY', `a ${String(pub.asymmetricKeyType)} key has no Ed25519 thumbprint`);
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new TillqrError('JWS_BAD_KEY', 'the public key has no x coordinate');
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

export function parseEd25519PrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new TillqrError('JWS_BAD_KEY', 'not a readable private key PEM', {}, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TillqrError('JWS_BAD_KEY', `the private key is ${String(key.asymmetricKeyType)}, not Ed25519`);
  return key;
}

/** The kid of a public key PEM (what goes beside it in trust.backendKeys). */
export function kidOfPublicKeyPem(pem: string): string {
  return thumbprintKid(parseEd25519PublicKey(pem));
}
