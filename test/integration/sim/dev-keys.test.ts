import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrustedKeys, verifyCompact, signCompact } from '../../../src/payment/jws.js';
import { DEV_KEY_FILE, forgerKey, loadOrCreateDevKey } from '../../../src/sim/dev-keys.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tillqr-devkey-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the simulator dev key', () => {
  it('is made on first start, private to the user, and the same on the next start', async () => {
    const first = await loadOrCreateDevKey(dir);
    expect(first.created).toBe(true);
    expect(first.key.kid).toMatch(/^sim-dev-[A-Za-z0-9_-]{16}$/);
    expect((await stat(join(dir, DEV_KEY_FILE))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateDevKey(dir);
    expect(again.created).toBe(false);
    expect(again.key.kid).toBe(first.key.kid);
    // The reloaded private key signs what the first public key verifies.
    const token = signCompact('{"x":1}', again.key.key, { kid: again.key.kid });
    const keys = new TrustedKeys([{ kid: first.key.kid, publicKeyPem: first.key.publicKeyPem }]);
    expect(verifyCompact(token, keys).ok).toBe(true);
  });

  it('keeps an unreadable key file aside and makes a new key', async () => {
    await writeFile(join(dir, DEV_KEY_FILE), '{ not json');
    const r = await loadOrCreateDevKey(dir, () => 1234);
    expect(r.created).toBe(true);
    expect(r.keptAside).toBe(join(dir, `${DEV_KEY_FILE}.unreadable-1234`));
    expect(await readFile(r.keptAside!, 'utf8')).toBe('{ not json');
    expect((await loadOrCreateDevKey(dir)).key.kid).toBe(r.key.kid);
  });

  it('refuses a file whose kid does not belong to its key', async () => {
    const first = await loadOrCreateDevKey(dir);
    const path = join(dir, DEV_KEY_FILE);
    const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
    await writeFile(path, JSON.stringify({ ...raw, kid: 'sim-dev-AAAAAAAAAAAAAAAA' }));
    const r = await loadOrCreateDevKey(dir, () => 5);
    expect(r.created).toBe(true);
    expect(r.key.kid).not.toBe(first.key.kid);
    expect(await readdir(dir)).toContain(`${DEV_KEY_FILE}.unreadable-5`);
  });

  it('the forger key is a different key with a kid no sim config trusts', async () => {
    const dev = await loadOrCreateDevKey(dir);
    const f = forgerKey();
    expect(f.kid).toMatch(/^sim-forger-/);
    const token = signCompact('{"x":1}', f.key, { kid: dev.key.kid });
    const keys = new TrustedKeys([{ kid: dev.key.kid, publicKeyPem: dev.key.publicKeyPem }]);
    const r = verifyCompact(token, keys);
    expect(r.ok ? 'verified' : r.reason).toBe('bad_signature');
  });
});
