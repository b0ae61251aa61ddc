import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/config/config-store.js';
import { loadConfig, validateConfig } from '../../../src/config/load.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { checkLeaf } from '../../../src/fleet/config-merge.js';
import { generateEd25519KeyPair } from '../../../src/payment/keys.js';
import { IDENTITY_RAW, pemOfRaw, weakKeys } from '../../helpers/weak-keys.js';

const good = generateEd25519KeyPair();
const goodKey = { kid: good.kid, publicKeyPem: good.publicKeyPem };
const evil = { kid: 'evil-1', publicKeyPem: pemOfRaw(IDENTITY_RAW) };
const IDENTITY_MSG = 'the public key of kid "evil-1" is a small-order point (order 1, the identity)';

async function fileWith(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-weak-'));
  const p = join(dir, 'config.json');
  await writeFile(p, JSON.stringify(content));
  return p;
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (isTillqrError(e, 'CONFIG_INVALID')) return e;
    throw e;
  }
  throw new Error('the configuration was accepted');
}

describe('weak trusted keys in the configuration', () => {
  it('a config file trusting the identity key does not load: the line names list, index and kid', async () => {
    const path = await fileWith({ deviceId: 'till-1', trust: { backendKeys: [goodKey, evil] } });
    const e = await refusal(loadConfig({ path }));
    expect(e.message).toContain(`trust.backendKeys[1]: ${IDENTITY_MSG}`);
    expect(e.message).not.toContain('BEGIN PUBLIC KEY'); // the message says what is wrong, it does not quote the PEM
  });

  it('every weak key is refused in every trust list', () => {
    for (const { label, raw } of weakKeys()) {
      for (const list of ['backendKeys', 'fleetKeys', 'releaseKeys']) {
        let msg = '';
        try {
          validateConfig({ trust: { [list]: [{ kid: 'weak-k', publicKeyPem: pemOfRaw(raw) }] } });
        } catch (e) {
          msg = (e as Error).message;
        }
        expect(msg, `${label} in ${list}`).toMatch(
          new RegExp(`trust\\.${list}\\[0\\]: the public key of kid "weak-k" is a (small-order point|non-canonical encoding)`),
        );
      }
    }
    expect(validateConfig({ trust: { backendKeys: [goodKey] } }).trust.backendKeys).toHaveLength(1);
  });

  it('a ConfigStore refuses a weak key from set and merge, and the file and the live config stay as they were', async () => {
    const path = await fileWith({ deviceId: 'till-1', trust: { backendKeys: [goodKey] } });
    const before = await readFile(path, 'utf8');
    const s = await ConfigStore.open(path, {}, silentLogger);
    const viaSet = await refusal(s.setText('trust.backendKeys', JSON.stringify([evil]), 'console'));
    expect(viaSet.message).toContain(`trust.backendKeys[0]: ${IDENTITY_MSG}`);
    const viaMerge = await refusal(s.merge({ trust: { fleetKeys: [evil] } }, 'fleet'));
    expect(viaMerge.message).toContain(`trust.fleetKeys[0]: ${IDENTITY_MSG}`);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(s.current.trust.backendKeys.map((k) => k.kid)).toEqual([good.kid]);
    expect(s.current.trust.fleetKeys).toEqual([]);
  });

  it('a fleet document key setting a weak backend key gets its own error', () => {
    const current = validateConfig({ deviceId: 'till-1', trust: { backendKeys: [goodKey] } });
    const problem = checkLeaf(current, { key: 'trust.backendKeys', path: ['trust', 'backendKeys'], value: [goodKey, evil] });
    expect(problem).toBe(`trust.backendKeys[1]: ${IDENTITY_MSG}: anyone could forge signatures that verify with it, without a private key`);
  });
});
