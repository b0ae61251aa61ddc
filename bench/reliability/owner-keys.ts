/**
 * Owner change and weak keys, tried as an attacker and a new owner would:
 *
 *  - every weak Ed25519 public key (the eight small-order encodings, every encoding with y >= p,
 *    x = 0 with the sign bit set) offered through each way a key enters: a config file, the
 *    console's `set` (ConfigStore.merge, as `set` calls it), a provisioning bundle and a fleet
 *    document's leaf check; each must be refused with a message naming the list, index and kid,
 *    and the config file must keep its bytes;
 *  - signatures no private key made (R small-order or non-canonical, S + L) on a genuine key, and
 *    the forgery R = identity, S = 0: the verifier must refuse every one;
 *  - a fleet document the old owner signed, persisted on the till, re-read at start under a new
 *    owner's fleet key: it must be dropped, not applied.
 *
 * The whole-daemon owner-change scenarios (factory reset then a new bundle; a new bundle while
 * logged in; a new device id) run over a real broker and pty in
 * test/integration/fleet/owner-change.test.ts; this run counts the attempts at the boundaries.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '../../src/config/config-store.js';
import { validateConfig } from '../../src/config/load.js';
import { isTillqrError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { validateBundle } from '../../src/console/bundle.js';
import { checkLeaf } from '../../src/fleet/config-merge.js';
import { b64urlDecode, b64urlEncode, signCompact, TrustedKeys, verifyCompact } from '../../src/payment/jws.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../../src/payment/keys.js';
import { makeBundle } from '../../test/unit/console/bundle-fixture.js';
import { IDENTITY_RAW, le32, nonCanonicalY, pemOfRaw, SMALL_ORDER_HEX, X_ZERO_SIGNED } from '../../test/helpers/weak-keys.js';
import { check, n, type Section } from './types.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export interface OwnerKeysResult {
  readonly weak: number;
  /** path -> [refused, offered, messages naming the kid] */
  readonly paths: ReadonlyMap<string, { refused: number; offered: number; named: number }>;
  readonly fileChanged: number;
  readonly forged: { refused: number; offered: number };
}

export async function runOwnerKeys(): Promise<OwnerKeysResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-owner-keys-'));
  const good = generateEd25519KeyPair();
  const base = {
    deviceId: 'till-keys',
    hardware: 'sim',
    stateDir: join(dir, 'state'),
    trust: { backendKeys: [{ kid: good.kid, publicKeyPem: good.publicKeyPem }] },
  };
  const paths = new Map<string, { refused: number; offered: number; named: number }>();
  const count = (path: string, refused: boolean, message: string, kid: string): void => {
    const p = paths.get(path) ?? { refused: 0, offered: 0, named: 0 };
    p.offered++;
    if (refused) p.refused++;
    if (refused && message.includes(`"${kid}"`)) p.named++;
    paths.set(path, p);
  };
  let fileChanged = 0;
  try {
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify(base));
    const store = await ConfigStore.open(configPath, {}, silentLogger);
    const before = await readFile(configPath);
    const keys = [
      ...SMALL_ORDER_HEX.map((h) => ({ raw: Buffer.from(h, 'hex') })),
      ...nonCanonicalY().map((raw) => ({ raw })),
      ...X_ZERO_SIGNED.map((raw) => ({ raw })),
    ];
    for (const [i, w] of keys.entries()) {
      const kid = `weak-${i}`;
      const entry = { kid, publicKeyPem: pemOfRaw(w.raw) };
      const lists = { backendKeys: [...base.trust.backendKeys, entry] };
      const refusal = (f: () => unknown): { refused: boolean; message: string } => {
        try {
          f();
          return { refused: false, message: '' };
        } catch (e) {
          return { refused: true, message: e instanceof Error ? e.message : String(e) };
        }
      };
      const file = refusal(() => validateConfig({ ...base, trust: lists }));
      count('config file', file.refused, file.message, kid);
      let set = { refused: false, message: '' };
      try {
        await store.merge({ trust: lists }, 'console');
      } catch (e) {
        set = { refused: isTillqrError(e, 'CONFIG_INVALID'), message: e instanceof Error ? e.message : String(e) };
      }
      count('console set', set.refused, set.message, kid);
      if (!(await readFile(configPath)).equals(before)) fileChanged++;
      const bundle = refusal(() => validateBundle(makeBundle({ backendKeys: [entry] })));
      count('provisioning bundle', bundle.refused, bundle.message, kid);
      const leaf = checkLeaf(store.current, { key: 'trust.backendKeys', path: ['trust', 'backendKeys'], value: lists.backendKeys });
      count('fleet document', leaf !== undefined, leaf ?? '', kid);
    }

    // Signatures no private key made, on a genuine trusted key.
    const key = parseEd25519PrivateKey(good.privateKeyPem);
    const trusted = new TrustedKeys([{ kid: good.kid, publicKeyPem: good.publicKeyPem }]);
    const genuine = signCompact(JSON.stringify({ typ: 'payment', n: 1 }), key, { kid: good.kid });
    const [h, p, s] = genuine.split('.') as [string, string, string];
    const sig = b64urlDecode(s) ?? Buffer.alloc(64);
    const S = sig.subarray(32).reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
    const forged: string[] = [];
    for (const w of keys.slice(0, 8)) forged.push(`${h}.${p}.${b64urlEncode(Buffer.concat([w.raw, sig.subarray(32)]))}`); // small-order R
    forged.push(`${h}.${p}.${b64urlEncode(Buffer.concat([sig.subarray(0, 32), le32(S + L)]))}`); // S + L
    forged.push(`${h}.${p}.${b64urlEncode(Buffer.concat([le32(2n ** 255n - 19n + 1n), sig.subarray(32)]))}`); // non-canonical R
    forged.push(`${h}.${p}.${b64urlEncode(Buffer.concat([IDENTITY_RAW, Buffer.alloc(32)]))}`); // R = identity, S = 0
    let refused = 0;
    for (const f of forged) if (!verifyCompact(f, trusted).ok) refused++;
    return { weak: keys.length, paths, fileChanged, forged: { refused, offered: forged.length } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function ownerKeysSection(r: OwnerKeysResult): Section {
  const all = [...r.paths.values()];
  return {
    title: 'Owner change and weak keys',
    method:
      'Every weak Ed25519 public key (8 small-order encodings, the 38 with y >= p, 2 with x = 0 and the sign bit set) offered as a trusted backend key through each way a key enters (bench/reliability/owner-keys.ts); signatures no private key made on a genuine key. The whole-daemon owner-change scenarios run over a real broker and pty in test/integration/fleet/owner-change.test.ts and test/integration/fleet/desired-config-reverify.test.ts (CI).',
    figures: [
      { metric: 'weak keys offered', value: `${n(r.weak)} keys × ${r.paths.size} entry paths` },
      ...[...r.paths].map(([path, c]) => ({ metric: path, value: `${n(c.refused)} of ${n(c.offered)} refused, ${n(c.named)} naming the kid` })),
      { metric: 'forged signatures on a genuine key', value: `${r.forged.refused} of ${r.forged.offered} refused` },
    ],
    checks: [
      check(
        'every weak key refused on every entry path',
        all.every((c) => c.refused === c.offered),
        all.map((c) => `${c.refused}/${c.offered}`).join(', '),
      ),
      check(
        'every refusal names the key (kid)',
        all.every((c) => c.named === c.refused),
        all.map((c) => `${c.named}/${c.refused}`).join(', '),
      ),
      check('a refused `set` leaves the config file byte for byte as it was', r.fileChanged === 0, `${r.fileChanged} writes changed the file`),
      check(
        'no forged signature verifies (R small-order or non-canonical, S + L, R = identity with S = 0)',
        r.forged.refused === r.forged.offered,
        `${r.forged.refused} of ${r.forged.offered}`,
      ),
    ],
    notes: [
      'Reproduced before the fix: with the identity key 01 00..00 trusted, the signature R = identity, S = 0 verified for every message in Node 20 / OpenSSL 3.0; a forged charge showed an attacker QR and a forged confirmation beeped.',
      "Reproduced before the fix: after `factory-reset` and a new owner's bundle, the next start re-applied the old owner's stored fleet document (its backend key and merchant account came back, its charge was shown and its confirmation beeped; the new fleet's version 1 was refused as stale). Now fleet documents are kept as signed and re-verified at every start against the current fleet keys, device id and groups; factory reset wipes every piece of owner state from one list (src/store/owner-state.ts) and says what it wiped; a new device id or new fleet keys found at start wipe what belonged to the old identity or fleet before anything loads.",
    ],
  };
}
