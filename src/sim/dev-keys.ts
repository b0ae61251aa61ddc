/**
 * The simulator's development signing key: an Ed25519 key made on first start and kept in the
 * sim state dir (mode 0600, gitignored). Its kid starts with `sim-dev-` and only the sim config
 * trusts it, so it is worth nothing outside the simulator. The forger key, used to show forged
 * confirmations being refused, is made afresh in memory each run and trusted by nobody.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { isTillqrError, TillqrError } from '../core/errors.js';
import { object, string } from '../core/schema.js';
import { parseEd25519PublicKey } from '../payment/jws.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey, thumbprintKid } from '../payment/keys.js';
import { readJsonFile, writeJsonAtomic } from '../store/atomic-file.js';

export const DEV_KEY_FILE = 'dev-backend-key.json';
export const DEV_KID_PREFIX = 'sim-dev-';

export interface SimKey {
  readonly kid: string;
  readonly key: KeyObject;
  readonly publicKeyPem: string;
}

const fileSchema = object({
  kid: string({ pattern: /^sim-dev-[A-Za-z0-9_-]{16}$/, expected: 'a sim-dev- key id' }),
  privateKeyPem: string({ min: 1 }),
  publicKeyPem: string({ min: 1 }),
  note: string().optional(),
});

/** `sim-dev-` and the first 16 characters of the RFC 7638 thumbprint. */
export function devKid(publicKey: KeyObject): string {
  return DEV_KID_PREFIX + thumbprintKid(publicKey).slice(0, 16);
}

export interface DevKeyResult {
  readonly key: SimKey;
  /** true when the key was made now (first start, or the old file was unreadable). */
  readonly created: boolean;
  /** Where an unreadable old file was moved, if one was. */
  readonly keptAside?: string;
}

/** Load the dev key from `stateDir`, or make and store one. */
export async function loadOrCreateDevKey(stateDir: string, now: () => number = Date.now): Promise<DevKeyResult> {
  const path = join(stateDir, DEV_KEY_FILE);
  let raw: unknown;
  try {
    raw = await readJsonFile(path);
  } catch (e) {
    if (!isTillqrError(e, 'STORE_CORRUPT')) throw e;
    raw = null;
  }
  if (raw === undefined) return create(path);
  const loaded = fromFile(raw);
  if (loaded !== undefined) return { key: loaded, created: false };
  // Unreadable: keep it for a look, then make a new one (the sim config is rewritten to trust it).
  const aside = await keepAside(path, now);
  return { ...(await create(path)), ...aside };
}

function fromFile(raw: unknown): SimKey | undefined {
  const r = fileSchema.safeParse(raw);
  if (!r.ok) return undefined;
  try {
    const priv = parseEd25519PrivateKey(r.value.privateKeyPem);
    const pub = parseEd25519PublicKey(r.value.publicKeyPem);
    // The stored public key and kid must belong to the stored private key.
    if (devKid(priv) !== r.value.kid || devKid(pub) !== r.value.kid) return undefined;
    return { kid: r.value.kid, key: priv, publicKeyPem: r.value.publicKeyPem };
  } catch (e) {
    if (isTillqrError(e)) return undefined;
    throw e;
  }
}

async function create(path: string): Promise<{ key: SimKey; created: true }> {
  const pair = generateEd25519KeyPair();
  const priv = parseEd25519PrivateKey(pair.privateKeyPem);
  const kid = devKid(priv);
  await writeJsonAtomic(
    path,
    {
      kid,
      privateKeyPem: pair.privateKeyPem,
      publicKeyPem: pair.publicKeyPem,
      note: 'tillqr simulator development key: trusted only by the simulator config; never put it on a real device',
    },
    { mode: 0o600 },
  );
  return { key: { kid, key: priv, publicKeyPem: pair.publicKeyPem }, created: true };
}

async function keepAside(path: string, now: () => number): Promise<{ keptAside?: string }> {
  const aside = `${path}.unreadable-${now()}`;
  try {
    await rename(path, aside);
    return { keptAside: aside };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new TillqrError('STORE_WRITE_FAILED', `cannot move the unreadable ${path} aside: ${(e as Error).message}`, { path }, { cause: e });
  }
}

/** A key nobody trusts, for the "forged confirmation" control; made anew each run. */
export function forgerKey(): SimKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kid: `sim-forger-${thumbprintKid(publicKey).slice(0, 12)}`,
    key: privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}
