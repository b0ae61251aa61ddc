/**
 * JWS compact serialization (RFC 7515) with EdDSA over Ed25519 (RFC 8037), and nothing else.
 *
 * Verification never throws: it returns why a token was refused, so the caller can report it as a
 * machine-readable reason. Decoding is strict (base64url without padding, canonical encodings
 * only, header and payload JSON objects), so one message has exactly one byte form.
 *
 * Weak keys and signatures (src/payment/ed25519-points.ts) are refused here as well as where keys
 * are loaded: no public key of small order or in a non-canonical encoding is ever parsed, and a
 * signature whose R is weak, whose S is not reduced, or whose key turns out weak does not verify.
 */
import { createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { TillqrError } from '../core/errors.js';
import { describePointProblem, describePublicKeyProblem, encodingProblem, publicKeyProblem, signatureProblem } from './ed25519-points.js';

export const JWS_ALG = 'EdDSA';

const B64URL = /^[A-Za-z0-9_-]*$/;

export function b64urlEncode(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

/** Strict base64url: no padding, no other characters, and the canonical form (unused bits zero). */
export function b64urlDecode(text: string): Buffer | undefined {
  if (!B64URL.test(text) || text.length % 4 === 1) return undefined;
  const buf = Buffer.from(text, 'base64url');
  return buf.toString('base64url') === text ? buf : undefined;
}

export interface JwsHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
  readonly [param: string]: unknown;
}

export type JwsFailure = 'malformed' | 'unsupported_alg' | 'unknown_kid' | 'bad_signature';

export type VerifyResult =
  | { readonly ok: true; readonly kid: string; readonly header: JwsHeader; readonly payload: Buffer }
  | { readonly ok: false; readonly reason: JwsFailure; readonly detail: string };

/** Sign `payload` (bytes or a string) into a compact JWS with `alg: EdDSA` and the given header parameters. */
export function signCompact(payload: Uint8Array | string, privateKey: KeyObject, header: { kid?: string; typ?: string } = {}): string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TillqrError('JWS_BAD_KEY', 'signing needs an Ed25519 private key', { keyType: privateKey.asymmetricKeyType });
  }
  const protectedHeader = b64urlEncode(JSON.stringify({ alg: JWS_ALG, ...header }));
  const signingInput = `${protectedHeader}.${b64urlEncode(payload)}`;
  const signature = cryptoSign(null, Buffer.from(signingInput, 'ascii'), privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function fail(reason: JwsFailure, detail: string): VerifyResult {
  return { ok: false, reason, detail };
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Something that can find the public key for a `kid`. */
export interface KeyLookup {
  get(kid: string): KeyObject | undefined;
}

/**
 * Check the structure, the header and the signature of a compact JWS. The payload is returned as
 * bytes; what it means (claims, schema) is the caller's business.
 */
export function verifyCompact(token: string, keys: KeyLookup): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return fail('malformed', `a compact JWS has 3 parts, this has ${parts.length}`);
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = b64urlDecode(h);
  const payload = b64urlDecode(p);
  const signature = b64urlDecode(s);
  if (headerBytes === undefined || payload === undefined || signature === undefined) return fail('malformed', 'a part is not canonical base64url');
  const header = parseJsonObject(headerBytes);
  if (header === undefined) return fail('malformed', 'the protected header is not a JSON object');
  if (header.alg !== JWS_ALG) return fail('unsupported_alg', `alg ${JSON.stringify(header.alg)} is not "EdDSA"`);
  if ('crit' in header) return fail('malformed', 'critical header parameters are not supported');
  if (typeof header.kid !== 'string' || header.kid === '') return fail('unknown_kid', 'the header names no kid');
  const key = keys.get(header.kid);
  if (key === undefined) return fail('unknown_kid', 'the kid is not among the trusted keys');
  if (signature.length !== 64) return fail('bad_signature', 'an Ed25519 signature is 64 bytes');
  const weakSignature = signatureProblem(signature);
  if (weakSignature !== undefined) return fail('bad_signature', weakSignature);
  // A lookup may hold a KeyObject that never went through parseEd25519PublicKey: check it (byte comparisons only).
  const raw = rawEd25519PublicKey(key);
  const weakKey = raw === undefined ? { kind: 'wrong_length' as const, length: 0 } : encodingProblem(raw);
  if (weakKey !== undefined)
    return fail(
      'bad_signature',
      `the trusted key for kid ${JSON.stringify(header.kid)} ${raw === undefined ? 'is not an Ed25519 public key' : describePointProblem(weakKey)}`,
    );
  let good: boolean;
  try {
    good = cryptoVerify(null, Buffer.from(`${h}.${p}`, 'ascii'), key, signature);
  } catch {
    good = false;
  }
  if (!good) return fail('bad_signature', 'the signature does not verify');
  return { ok: true, kid: header.kid, header: header as JwsHeader, payload };
}

/** The trusted public keys, parsed once into KeyObjects (the verify path does no PEM parsing). */
export class TrustedKeys implements KeyLookup {
  readonly #byKid = new Map<string, KeyObject>();

  constructor(keys: readonly { readonly kid: string; readonly publicKeyPem: string }[]) {
    for (const k of keys) {
      if (this.#byKid.has(k.kid)) throw new TillqrError('JWS_BAD_KEY', `key id ${JSON.stringify(k.kid)} is listed twice`, { kid: k.kid });
      this.#byKid.set(k.kid, parseEd25519PublicKey(k.publicKeyPem, k.kid));
    }
  }

  get(kid: string): KeyObject | undefined {
    return this.#byKid.get(kid);
  }

  get kids(): string[] {
    return [...this.#byKid.keys()];
  }
}

/** The 32-byte encoding of an Ed25519 public key; undefined for any other key. */
export function rawEd25519PublicKey(key: KeyObject): Buffer | undefined {
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') return undefined;
  const x = key.export({ format: 'jwk' }).x;
  return typeof x === 'string' ? Buffer.from(x, 'base64url') : undefined;
}

export type PublicKeyRead = { readonly ok: true; readonly key: KeyObject } | { readonly ok: false; readonly problem: string; readonly cause?: unknown };

/**
 * Read a public key PEM as a usable Ed25519 key. The problem, when there is one, completes the
 * sentence "the public key ...": unreadable, another algorithm, or weak (small order, a
 * non-canonical encoding, no point on the curve).
 */
export function readEd25519PublicKey(pem: string): PublicKeyRead {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    return { ok: false, problem: `is not a readable public key PEM (${(e as Error).message})`, cause: e };
  }
  if (key.type !== 'public') return { ok: false, problem: 'is not a public key' };
  if (key.asymmetricKeyType !== 'ed25519') return { ok: false, problem: `is ${String(key.asymmetricKeyType)}, not Ed25519` };
  const raw = rawEd25519PublicKey(key);
  const weak = raw === undefined ? { kind: 'wrong_length' as const, length: 0 } : publicKeyProblem(raw);
  if (weak !== undefined) return { ok: false, problem: describePublicKeyProblem(weak) };
  return { ok: true, key };
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The key bytes of a PEM in the form Node writes (one Ed25519 SPKI block in canonical base64 lines); undefined for any other form. */
function plainEd25519Spki(pem: string): Buffer | undefined {
  const lines = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\s*$/
    .exec(pem)?.[1]
    ?.split(/\r?\n/)
    .filter((l) => l !== '');
  if (lines === undefined || lines.some((l) => l.length > 64)) return undefined;
  const body = lines.join('');
  const der = Buffer.from(body, 'base64');
  if (der.toString('base64') !== body || der.length !== 44 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) return undefined;
  return der.subarray(12);
}

/**
 * Answers of `ed25519PublicKeyProblem` by PEM. The configuration schema asks for every key at
 * every validation (a fleet config push validates the whole file at least twice, each with every
 * trusted key), and the point check is a modular exponentiation in BigInt: about a quarter of a
 * push's CPU before this (bench/cluster.ts profile). A PEM's answer never changes, so this table
 * changes only the time; it is bounded (a device trusts at most 48 keys; the oldest entry goes).
 */
const keyProblems = new Map<string, { readonly problem: string | undefined }>();
const KEY_PROBLEMS_MAX = 256;

/**
 * What `readEd25519PublicKey` would say about a PEM, without building a KeyObject when the PEM is
 * a plain Ed25519 SPKI block (the configuration schema runs this for every key at every
 * validation). Undefined when the key is usable.
 */
export function ed25519PublicKeyProblem(pem: string): string | undefined {
  const known = keyProblems.get(pem);
  if (known !== undefined) return known.problem;
  const problem = checkEd25519PublicKey(pem);
  if (keyProblems.size >= KEY_PROBLEMS_MAX) keyProblems.delete(keyProblems.keys().next().value ?? '');
  keyProblems.set(pem, { problem });
  return problem;
}

function checkEd25519PublicKey(pem: string): string | undefined {
  const raw = plainEd25519Spki(pem);
  if (raw === undefined) {
    const r = readEd25519PublicKey(pem);
    return r.ok ? undefined : r.problem;
  }
  const weak = publicKeyProblem(raw);
  return weak === undefined ? undefined : describePublicKeyProblem(weak);
}

/** Parse a trusted public key; throws JWS_BAD_KEY naming the kid when it is unreadable, not Ed25519 or weak. */
export function parseEd25519PublicKey(pem: string, kid?: string): KeyObject {
  const r = readEd25519PublicKey(pem);
  if (r.ok) return r.key;
  const whose = kid === undefined ? 'the public key' : `the public key of kid ${JSON.stringify(kid)}`;
  throw new TillqrError('JWS_BAD_KEY', `${whose} ${r.problem}`, kid === undefined ? {} : { kid }, r.cause === undefined ? undefined : { cause: r.cause });
}
