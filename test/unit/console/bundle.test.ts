import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBundleText, parseBundle, validateBundle } from '../../../src/console/bundle.js';
import { IDENTITY_RAW, pemOfRaw, weakKeys } from '../../helpers/weak-keys.js';
import { BUNDLE_PASSPHRASE, ed25519PublicPem, makeBundle, toBase64 } from './bundle-fixture.js';

function problems(value: unknown): string {
  try {
    validateBundle(value);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the bundle was accepted');
}

describe('provisioning bundle', () => {
  it('accepts a bundle as JSON and as base64 (standard or URL-safe)', () => {
    const b = makeBundle();
    expect(parseBundle(JSON.stringify(b)).bundle.deviceId).toBe('shop-042');
    expect(parseBundle(toBase64(b)).bundle.merchant.name).toBe('CAFE MORI');
    const url = Buffer.from(JSON.stringify(b)).toString('base64url');
    expect(parseBundle(url).bundle.passphrase).toBe(BUNDLE_PASSPHRASE);
    // a pasted base64 bundle may be wrapped over lines
    expect(parseBundle(toBase64(b).replace(/(.{76})/g, '$1\n')).bundle.deviceId).toBe('shop-042');
  });

  it('keeps the raw bundle so only what it sets is merged', () => {
    const d = parseBundle(JSON.stringify(makeBundle()));
    expect(d.raw.display).toEqual({ panel: 'waveshare-4in2-v2', rotation: 90 });
    expect(d.bundle.display?.partialRefreshLimit).toBe(10); // the parsed one has defaults filled in
  });

  it('lists every problem of a bad bundle at once', () => {
    const msg = problems(makeBundle({ deviceId: 'bad id!', merchant: { name: 'X' }, format: 'v0' }));
    expect(msg).toMatch(/the bundle has \d+ problems/);
    expect(msg).toMatch(/deviceId/);
    expect(msg).toMatch(/merchant.city: is missing/);
    expect(msg).toMatch(/format/);
  });

  it('never quotes a secret value back in a problem', () => {
    const msg = problems(makeBundle({ passphrase: 'short', mqtt: { url: 'mqtt://h', password: 42 } }));
    expect(msg).toMatch(/passphrase: is not a technician passphrase of 8-256 characters \(value not shown\)/);
    expect(msg).toMatch(/mqtt.password: is not/);
    expect(msg).not.toContain('short');
    expect(msg).not.toContain('42');
  });

  it('refuses keys that are not Ed25519 and TLS material without an mqtts URL', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(problems(makeBundle({ backendKeys: [{ kid: 'rsa-1', publicKeyPem: rsa }] }))).toMatch(
      /backendKeys\[0\]: the public key of kid "rsa-1" is rsa, not Ed25519/,
    );
    const garbage = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
    expect(problems(makeBundle({ backendKeys: [{ kid: 'k', publicKeyPem: garbage }] }))).toMatch(
      /backendKeys\[0\]: the public key of kid "k" is not a readable public key PEM/,
    );
    const fakeCa = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const msg = problems(makeBundle({ mqtt: { url: 'mqtt://h:1883', caPem: fakeCa } }));
    expect(msg).toMatch(/mqtt.caPem: certificate 1 does not parse/);
    expect(msg).toMatch(/must be mqtts/);
    expect(problems(makeBundle({ mqtt: { url: 'mqtts://h:8883', keyPem: '-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----' } }))).toMatch(
      /certPem and keyPem come together/,
    );
    expect(problems(makeBundle({ backendKeys: [] }))).toMatch(/backendKeys/);
  });

  it('refuses a weak backend, fleet or release key, naming its list, index and kid', () => {
    const msg = problems(makeBundle({ backendKeys: [{ kid: 'evil-1', publicKeyPem: pemOfRaw(IDENTITY_RAW) }] }));
    expect(msg).toMatch(/^the bundle has 1 problem:\n {2}backendKeys\[0\]: the public key of kid "evil-1" is a small-order point \(order 1, the identity\)/);
    for (const { label, raw } of weakKeys()) {
      const good = { kid: 'fleet-ok', publicKeyPem: ed25519PublicPem() };
      const weak = { kid: 'weak-k', publicKeyPem: pemOfRaw(raw) };
      expect(problems(makeBundle({ fleetKeys: [good, weak] })), label).toMatch(
        /fleetKeys\[1\]: the public key of kid "weak-k" is a (small-order point|non-canonical encoding)/,
      );
      expect(problems(makeBundle({ releaseKeys: [weak] })), label).toMatch(/releaseKeys\[0\]: the public key of kid "weak-k" is a/);
    }
  });

  it('says clearly when the text is neither JSON nor base64', () => {
    expect(() => decodeBundleText('hello world!')).toThrow(/neither JSON nor base64/);
    expect(() => decodeBundleText('{"format":')).toThrow(/not valid JSON/);
    expect(() => decodeBundleText(Buffer.from('not json').toString('base64'))).toThrow(/does not hold a JSON object/);
    expect(() => decodeBundleText(`{"x":"${'a'.repeat(200 * 1024)}"}`)).toThrow(/larger than/);
  });
});
