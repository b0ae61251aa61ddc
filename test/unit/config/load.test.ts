import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import { envNameFor } from '../../../src/config/env-overrides.js';
import { loadConfig, missingForService, validateConfig } from '../../../src/config/load.js';
import { redactConfig } from '../../../src/config/redact.js';
import { configSchema } from '../../../src/config/schema.js';

async function fileWith(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-config-'));
  const p = join(dir, 'config.json');
  await writeFile(p, content);
  return p;
}

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (isTillqrError(e, 'CONFIG_INVALID')) return (e.context.problems as string[]) ?? [];
    throw e;
  }
  return [];
}

describe('config', () => {
  it('gives every key its default from an empty file and freezes the result', () => {
    const c = validateConfig({});
    expect(c.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(c.display.partialRefreshLimit).toBe(10);
    expect(c.trust.clockSkewSec).toBe(60);
    expect(c.hardware).toBe('pi');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.mqtt)).toBe(true);
    expect(missingForService(c)).toEqual(['deviceId', 'merchant', 'trust.backendKeys']);
  });

  it('names the key path, the value and what was expected for a bad URL', () => {
    expect(problems({ mqtt: { url: 'htp://x' } })).toEqual(['mqtt.url: "htp://x" is not an mqtt://, mqtts://, ws:// or wss:// URL']);
  });

  it('reports one message per problem, including unknown keys and nested list items', () => {
    const p = problems({
      deviceId: 'shop/042',
      display: { rotation: 45, panle: 'x' },
      trust: { backendKeys: [{ kid: 'k1', publicKeyPem: 'nope' }] },
      merchant: { name: 'Cafe', city: 'Tokyo', country: 'jp', mcc: '5814', currency: 'JPY' },
    });
    expect(p).toHaveLength(5);
    expect(p.find((l) => l.startsWith('deviceId:'))).toContain('"shop/042" is not a device id');
    expect(p).toContain('display.rotation: 45 is not one of 0, 90, 180, 270');
    expect(p.find((l) => l.startsWith('display.panle'))).toContain('is not a known key');
    expect(p.find((l) => l.startsWith('trust.backendKeys[0].publicKeyPem'))).toContain('Ed25519 public key');
    expect(p).toContain('merchant.country: "jp" is not an ISO 3166-1 alpha-2 country code such as "JP"');
  });

  it('reads the file named by TILLQR_CONFIG and applies TILLQR_* overrides by the fixed rule', async () => {
    const path = await fileWith(JSON.stringify({ deviceId: 'till-1', mqtt: { url: 'mqtt://a:1883' } }));
    const loaded = await loadConfig({
      env: { TILLQR_CONFIG: path, TILLQR_MQTT__URL: 'mqtts://broker.example:8883', TILLQR_DISPLAY__ROTATION: '90', TILLQR_DISPLAY__PARTIAL_REFRESH_LIMIT: '4' },
    });
    expect(loaded.path).toBe(path);
    expect(loaded.config.mqtt.url).toBe('mqtts://broker.example:8883');
    expect(loaded.config.display.rotation).toBe(90);
    expect(loaded.config.display.partialRefreshLimit).toBe(4);
    expect([...loaded.fromEnv].sort()).toEqual(['display.partialRefreshLimit', 'display.rotation', 'mqtt.url']);
  });

  it('refuses an override that names no key, and a value of the wrong type', async () => {
    const path = await fileWith('{}');
    await expect(loadConfig({ path, env: { TILLQR_MQTT__URLL: 'x' } })).rejects.toThrow(/TILLQR_MQTT__URLL: names no configuration key/);
    await expect(loadConfig({ path, env: { TILLQR_DISPLAY__ROTATION: 'sideways' } })).rejects.toThrow(
      /display.rotation: "sideways" is not one of 0, 90, 180, 270/,
    );
  });

  it('says clearly when the file is missing or is not JSON', async () => {
    await expect(loadConfig({ path: '/nonexistent/tillqr.json' })).rejects.toMatchObject({ code: 'CONFIG_UNREADABLE' });
    const bad = await fileWith('{ "deviceId": ');
    await expect(loadConfig({ path: bad })).rejects.toThrow(/is not valid JSON/);
    const list = await fileWith('[1,2]');
    await expect(loadConfig({ path: list })).rejects.toThrow(/top level must be a JSON object/);
    const missingOk = await loadConfig({ path: '/nonexistent/tillqr.json', allowMissing: true });
    expect(missingOk.config.deviceId).toBeUndefined();
  });

  it('maps key paths to environment names', () => {
    expect(envNameFor('mqtt.url')).toBe('TILLQR_MQTT__URL');
    expect(envNameFor('trust.backendKeys')).toBe('TILLQR_TRUST__BACKEND_KEYS');
    expect(envNameFor('deviceId')).toBe('TILLQR_DEVICE_ID');
  });

  it('redacts every secret key when printed', () => {
    const c = validateConfig({ mqtt: { password: 'hunter2', keyFile: '/etc/tillqr/key.pem' }, console: { passphraseHash: 'scrypt$abc' } });
    const printed = JSON.stringify(redactConfig(configSchema, c));
    expect(printed).not.toContain('hunter2');
    expect(printed).not.toContain('scrypt$abc');
    expect(printed).not.toContain('/etc/tillqr/key.pem');
    expect(printed).toContain('"password":"[redacted]"');
    expect(printed).toContain('"url":"mqtt://127.0.0.1:1883"');
  });
});
