/** The `tillqr` commands that take a public key refuse a weak one, in-process with a captured io. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/tillqr.js';
import { EXIT } from '../../../src/core/errors.js';
import { generateEd25519KeyPair } from '../../../src/payment/keys.js';
import { IDENTITY_RAW, pemOfRaw, weakKeys } from '../../helpers/weak-keys.js';
import { makeBundle } from '../console/bundle-fixture.js';

const evil = { kid: 'evil-1', publicKeyPem: pemOfRaw(IDENTITY_RAW) };

async function dir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tillqr-weak-cli-'));
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({}, cwd);
  const code = await main(argv, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

describe('tillqr commands and weak public keys', () => {
  it('keys kid refuses every weak public key and still prints the kid of a good one', async () => {
    const d = await dir();
    for (const { label, raw } of weakKeys()) {
      await writeFile(join(d, 'weak.pub.pem'), pemOfRaw(raw));
      const r = await cli(d, 'keys', 'kid', 'weak.pub.pem');
      expect(r.code, label).toBe(EXIT.DATAERR);
      expect(r.out, label).toBe('');
      expect(r.err, label).toMatch(/^tillqr keys: weak\.pub\.pem: the public key is a (small-order point|non-canonical encoding)/);
    }
    const pair = generateEd25519KeyPair();
    await writeFile(join(d, 'good.pub.pem'), pair.publicKeyPem);
    await writeFile(join(d, 'good.key.pem'), pair.privateKeyPem);
    expect(await cli(d, 'keys', 'kid', 'good.pub.pem')).toEqual({ code: EXIT.OK, out: `${pair.kid}\n`, err: '' });
    expect((await cli(d, 'keys', 'kid', 'good.key.pem')).out).toBe(`${pair.kid}\n`);
  });

  it('config check refuses a config file trusting the identity key, naming list, index and kid', async () => {
    const d = await dir();
    await writeFile(join(d, 'config.json'), JSON.stringify({ deviceId: 'till-1', trust: { releaseKeys: [evil] } }));
    const r = await cli(d, 'config', 'check', '--config', join(d, 'config.json'));
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.out + r.err).toContain('trust.releaseKeys[0]: the public key of kid "evil-1" is a small-order point (order 1, the identity)');
  });

  it('provision refuses a bundle with a weak key before it opens the port', async () => {
    const d = await dir();
    await writeFile(join(d, 'bundle.json'), JSON.stringify(makeBundle({ backendKeys: [evil] })));
    const r = await cli(d, 'provision', '--port', join(d, 'no-such-tty'), '--bundle', 'bundle.json');
    expect(r.code).toBe(EXIT.DATAERR);
    expect(r.err).toContain('backendKeys[0]: the public key of kid "evil-1" is a small-order point');
  });

  it('fleet config push refuses a desired document that would trust a weak key, before signing or connecting', async () => {
    const d = await dir();
    const fleetKey = generateEd25519KeyPair();
    await writeFile(join(d, 'fleet.key.pem'), fleetKey.privateKeyPem);
    await writeFile(
      join(d, 'desired.json'),
      JSON.stringify({ trust: { backendKeys: [{ kid: 'ok', publicKeyPem: generateEd25519KeyPair().publicKeyPem }, evil] } }),
    );
    // No broker listens on this port: the command must stop before it tries one.
    const r = await cli(
      d,
      'fleet',
      'config',
      'push',
      '--device',
      'till-1',
      '--file',
      join(d, 'desired.json'),
      '--key',
      join(d, 'fleet.key.pem'),
      '--url',
      'mqtt://127.0.0.1:9',
    );
    expect(r.code).toBe(EXIT.DATAERR);
    expect(r.err).toContain('not pushed; devices would refuse these keys:');
    expect(r.err).toContain('trust.backendKeys[1]: the public key of kid "evil-1" is a small-order point');
  });
});
