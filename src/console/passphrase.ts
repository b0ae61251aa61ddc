/**
 * The technician passphrase is kept only as a scrypt hash: `scrypt$N$r$p$salt$hash` with salt
 * and hash in base64. Verification takes N, r and p from the stored string (within limits, so a
 * crafted hash cannot make the device allocate gigabytes) and compares in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { TillqrError } from '../core/errors.js';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 16 MiB and about 0.1-0.3 s on a Pi Zero 2 W: slow for guessing, fine for a login. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 16_384, r: 8, p: 1 };
const KEY_LEN = 32;
const MAX_N = 1 << 17;
const MAX_R = 16;
const MAX_P = 4;

function derive(passphrase: string, salt: Buffer, params: ScryptParams, keyLen = KEY_LEN): Promise<Buffer> {
  const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassphrase(passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(passphrase, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

export function parseHash(stored: string): ParsedHash {
  const m = /^scrypt\$([0-9]{1,7})\$([0-9]{1,3})\$([0-9]{1,2})\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/.exec(stored);
  const bad = (why: string): TillqrError =>
    new TillqrError('CONFIG_INVALID', `console.passphraseHash is not a usable scrypt hash (${why}); provision the device again`);
  if (m === null) throw bad('format');
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0) throw bad(`N=${N}`);
  if (r < 1 || r > MAX_R || p < 1 || p > MAX_P) throw bad(`r=${r} p=${p}`);
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const key = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 8 || key.length < 16) throw bad('salt or hash too short');
  return { params: { N, r, p }, salt, key };
}

export async function verifyPassphrase(passphrase: string, stored: string): Promise<boolean> {
  const { params, salt, key } = parseHash(stored);
  const got = await derive(passphrase, salt, params, key.length);
  return got.length === key.length && timingSafeEqual(got, key);
}
