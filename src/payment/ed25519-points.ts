/**
 * Weak Ed25519 points, found from their 32-byte encodings (RFC 8032 section 5.1.3).
 *
 * Invariant: a public key or a signature's R that this module calls weak is never trusted or
 * accepted. Weak means one of:
 * - a small-order point (the eight points of order 1, 2, 4 or 8). With the identity trusted as a
 *   public key, the signature (R = identity, S = 0) verifies for every message; with another
 *   small-order key, a forged signature verifies for a large share of messages;
 * - a non-canonical encoding: y >= p (among them the aliases p and p + 1 of the small-order y
 *   values 0 and 1), or x = 0 with the sign bit set (the sign-bit variants of y = 1 and y = p - 1),
 *   so one point has two byte forms;
 * - for a public key, an encoding that is no point on the curve (nothing could ever verify).
 *
 * The byte-level checks (`encodingProblem`) are comparisons only and run on every verification;
 * the curve arithmetic (`decodePoint`, BigInt) runs once per key load.
 */

/** The field prime 2^255 - 19. */
export const P = 2n ** 255n - 19n;
/** The order of the prime-order subgroup (the base point's order). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const inv = (a: bigint): bigint => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** Little-endian integer of some bytes. */
export function leToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

function bigIntToLe(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The canonical encodings of the eight small-order points, with each point's order. */
export const SMALL_ORDER_ENCODINGS: ReadonlyMap<string, number> = new Map([
  ['0100000000000000000000000000000000000000000000000000000000000000', 1],
  ['ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 2],
  ['0000000000000000000000000000000000000000000000000000000000000000', 4],
  ['0000000000000000000000000000000000000000000000000000000000000080', 4],
  ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 8],
  ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', 8],
  ['c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 8],
  ['c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 8],
]);

export type PointProblem =
  | { readonly kind: 'wrong_length'; readonly length: number }
  | { readonly kind: 'non_canonical'; readonly why: 'y >= p' | 'x = 0 with the sign bit set' }
  | { readonly kind: 'small_order'; readonly order: number }
  | { readonly kind: 'not_on_curve' };

/** The y coordinate (sign bit cleared) and the sign bit of an encoding. */
function split(bytes: Uint8Array): { y: bigint; sign: boolean } {
  const copy = Uint8Array.from(bytes);
  const last = copy[31] ?? 0;
  copy[31] = last & 0x7f;
  return { y: leToBigInt(copy), sign: (last & 0x80) !== 0 };
}

/**
 * Weak by its bytes alone: wrong length, non-canonical, or one of the eight small-order encodings.
 * A canonical encoding of a small-order point is always one of the eight, so no arithmetic is needed.
 */
export function encodingProblem(bytes: Uint8Array): PointProblem | undefined {
  if (bytes.length !== 32) return { kind: 'wrong_length', length: bytes.length };
  const { y, sign } = split(bytes);
  if (y >= P) return { kind: 'non_canonical', why: 'y >= p' };
  // x = 0 exactly when y = 1 or y = p - 1; its sign bit must then be 0.
  if (sign && (y === 1n || y === P - 1n)) return { kind: 'non_canonical', why: 'x = 0 with the sign bit set' };
  const order = SMALL_ORDER_ENCODINGS.get(hex(bytes));
  if (order !== undefined) return { kind: 'small_order', order };
  return undefined;
}

/** A point in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
export interface Point {
  readonly X: bigint;
  readonly Y: bigint;
  readonly Z: bigint;
  readonly T: bigint;
}

export const IDENTITY: Point = { X: 0n, Y: 1n, Z: 1n, T: 0n };

/** RFC 8032 decoding; undefined when the bytes are not a canonical encoding of a curve point. */
export function decodePoint(bytes: Uint8Array): Point | undefined {
  if (bytes.length !== 32) return undefined;
  const { y, sign } = split(bytes);
  if (y >= P) return undefined;
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const v3 = (v * v * v) % P;
  let x = (u * v3 * pow(u * v3 * v3 * v, (P - 5n) / 8n)) % P;
  const vx2 = (v * x * x) % P;
  if (vx2 === u) {
    // x is a root
  } else if (vx2 === mod(-u)) {
    x = (x * SQRT_M1) % P;
  } else {
    return undefined;
  }
  if (x === 0n && sign) return undefined;
  if ((x & 1n) === 1n) {
    if (!sign) x = P - x;
  } else if (sign) {
    x = P - x;
  }
  return { X: x, Y: y, Z: 1n, T: (x * y) % P };
}

/** The canonical encoding of a point. */
export function encodePoint(p: Point): Uint8Array {
  const zi = inv(p.Z);
  const x = mod(p.X * zi);
  const y = mod(p.Y * zi);
  const out = bigIntToLe(y, 32);
  if ((x & 1n) === 1n) out[31] = (out[31] ?? 0) | 0x80;
  return out;
}

/** Point addition (RFC 8032 section 5.1.4; complete, so it also doubles). */
export function addPoints(a: Point, b: Point): Point {
  const A = mod((a.Y - a.X) * (b.Y - b.X));
  const B = mod((a.Y + a.X) * (b.Y + b.X));
  const C = mod(2n * a.T * b.T * D);
  const Dz = mod(2n * a.Z * b.Z);
  const E = B - A;
  const F = Dz - C;
  const G = Dz + C;
  const H = B + A;
  return { X: mod(E * F), Y: mod(G * H), Z: mod(F * G), T: mod(E * H) };
}

export function isIdentity(p: Point): boolean {
  return mod(p.X) === 0n && mod(p.Y - p.Z) === 0n;
}

/** The order of a small-order point (1, 2, 4 or 8), or undefined when [8]P is not the identity. */
export function smallOrder(p: Point): number | undefined {
  let q = p;
  for (const order of [1, 2, 4, 8]) {
    if (isIdentity(q)) return order;
    if (order < 8) q = addPoints(q, q);
  }
  return undefined;
}

/** Everything wrong with a public key's 32 bytes, or undefined when it is a usable point. */
export function publicKeyProblem(bytes: Uint8Array): PointProblem | undefined {
  const byBytes = encodingProblem(bytes);
  if (byBytes !== undefined) return byBytes;
  const point = decodePoint(bytes);
  if (point === undefined) return { kind: 'not_on_curve' };
  const order = smallOrder(point);
  return order === undefined ? undefined : { kind: 'small_order', order };
}

/** A phrase that completes "the public key ..." or "the signature's R ...". */
export function describePointProblem(p: PointProblem): string {
  switch (p.kind) {
    case 'wrong_length':
      return `is ${p.length} bytes, not 32`;
    case 'non_canonical':
      return `is a non-canonical encoding (${p.why})`;
    case 'small_order':
      return `is a small-order point (order ${p.order}${p.order === 1 ? ', the identity' : ''})`;
    case 'not_on_curve':
      return 'is not a point on the Ed25519 curve';
  }
}

/** A phrase that completes "the public key ...", with what trusting such a key would mean. */
export function describePublicKeyProblem(p: PointProblem): string {
  const what = describePointProblem(p);
  if (p.kind === 'small_order') return `${what}: anyone could forge signatures that verify with it, without a private key`;
  if (p.kind === 'non_canonical') return `${what}: refused, so that one key has one byte form`;
  return what;
}

/**
 * Why a 64-byte Ed25519 signature is refused before the curve check: R weak (small order or
 * non-canonical) or S >= L (not reduced). Undefined when neither.
 */
export function signatureProblem(signature: Uint8Array): string | undefined {
  if (signature.length !== 64) return `an Ed25519 signature is 64 bytes, this is ${signature.length}`;
  const r = encodingProblem(signature.subarray(0, 32));
  if (r !== undefined) return `the signature's R ${describePointProblem(r)}`;
  if (leToBigInt(signature.subarray(32)) >= L) return "the signature's S is not below the group order L";
  return undefined;
}
