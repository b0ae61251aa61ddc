/**
 * What leaves the device from a new release's `config check`: every secret value of the
 * configuration is taken out of its output, a multi-line PEM key line by line too.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';
import { configSchema } from '../../../src/config/schema.js';
import { scrub, secretValues } from '../../../src/fleet/release-check.js';

const KEY_LINE = 'MC4CAQAwBQYDK2VwBCIEIDxqW9sVx0cV2Yk0bXQnq2m3Sp7c1kzq4jK8eYQm1bW3';
const PEM = `-----BEGIN PRIVATE KEY-----\n${KEY_LINE}\n-----END PRIVATE KEY-----\n`;

describe('the output of a release config check', () => {
  const config = validateConfig({ deviceId: 'till-s', mqtt: { username: 'till-s', password: 'hunter2-broker-password' } });

  it('finds the secret values of a configuration and only those', () => {
    const secrets = secretValues(configSchema, config);
    expect(secrets).toContain('hunter2-broker-password');
    expect(secrets).not.toContain('till-s');
  });

  it('replaces each secret, a PEM body line by line, and leaves the rest as it was', () => {
    const out = `mqtt.password was hunter2-broker-password\nkey line ${KEY_LINE}\ndisplay.rotation: 45 is not one of 0, 90, 180, 270`;
    const clean = scrub(out, ['hunter2-broker-password', PEM, ...PEM.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))]);
    expect(clean).not.toContain('hunter2');
    expect(clean).not.toContain(KEY_LINE);
    expect(clean).toContain('display.rotation: 45 is not one of 0, 90, 180, 270');
    expect(clean.match(/\[redacted\]/g)).toHaveLength(2);
  });

  it('does not blank out short values that would match everywhere', () => {
    expect(scrub('a b c', ['a', 'abc'])).toBe('a b c');
  });
});
