/**
 * A provisioning bundle: everything a shop's device needs in one JSON document (optionally
 * base64), checked whole before anything is written: the schema, then the PEM material (each
 * certificate parses, the client key matches its certificate). Trusted keys are read by their
 * schema (src/payment/trust-config.ts): unreadable, non-Ed25519 and weak keys are refused there.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { TillqrError } from '../core/errors.js';
import { array, literal, object, string, type Infer, type Issue } from '../core/schema.js';
import { DEVICE_ID } from '../config/schema.js';
import { displayConfigSchema } from '../display/config.js';
import { mqttConfigSchema } from '../link/config.js';
import { merchantConfigSchema } from '../payment/merchant-config.js';
import { trustedKeySchema } from '../payment/trust-config.js';
import { signalConfigSchema } from '../signal/config.js';

const MAX_BUNDLE_BYTES = 192 * 1024;
const PEM_CERTS = /^(\s*-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\s*)+$/;
const PEM_KEY = /^\s*-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+-----END (RSA |EC |ENCRYPTED )?PRIVATE KEY-----\s*$/;
const mqttShape = mqttConfigSchema.shape ?? {};
const pick = (name: string) => {
  const s = mqttShape[name];
  if (s === undefined) throw new Error(`mqtt config has no key ${name}`);
  return s;
};

export const bundleSchema = object({
  format: literal('tillqr-provisioning/1'),
  deviceId: string({ pattern: DEVICE_ID, expected: 'a device id of 1-64 letters, digits, ".", "_" or "-"' }),
  mqtt: object({
    url: pick('url'),
    topicPrefix: pick('topicPrefix'),
    username: pick('username'),
    password: pick('password'),
    groups: pick('groups'),
    rejectUnauthorized: pick('rejectUnauthorized'),
    caPem: string({ pattern: PEM_CERTS, expected: 'PEM certificates (-----BEGIN CERTIFICATE-----)' }).optional(),
    certPem: string({ pattern: PEM_CERTS, expected: 'a PEM client certificate' }).optional(),
    keyPem: string({ pattern: PEM_KEY, expected: 'a PEM private key (-----BEGIN PRIVATE KEY-----)' }).optional(),
  }),
  backendKeys: array(trustedKeySchema, { min: 1, max: 16 }),
  fleetKeys: array(trustedKeySchema, { max: 16 }).optional(),
  releaseKeys: array(trustedKeySchema, { max: 16 }).optional(),
  merchant: merchantConfigSchema,
  display: displayConfigSchema.optional(),
  signal: signalConfigSchema.optional(),
  wifi: object({ ssid: string({ min: 1, max: 32 }), psk: string({ max: 64 }).optional() }).optional(),
  passphrase: string({ min: 8, max: 256, expected: 'a technician passphrase of 8-256 characters' }),
});

export type Bundle = Infer<typeof bundleSchema>;

/** The bundle as sent (the raw object: config parts are merged as given, not with defaults filled in). */
export interface DecodedBundle {
  readonly bundle: Bundle;
  readonly raw: Record<string, unknown>;
}

/** JSON text, or base64 of it. */
export function decodeBundleText(text: string): unknown {
  const t = text.trim();
  if (t.length > MAX_BUNDLE_BYTES * 2) throw new TillqrError('PROVISION_INVALID', `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
  let json = t;
  if (!t.startsWith('{')) {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t.replace(/\s+/g, ''))) throw new TillqrError('PROVISION_INVALID', 'the bundle is neither JSON nor base64');
    json = Buffer.from(t.replace(/\s+/g, ''), t.includes('-') || t.includes('_') ? 'base64url' : 'base64').toString('utf8');
    if (!json.trimStart().startsWith('{')) throw new TillqrError('PROVISION_INVALID', 'the base64 bundle does not hold a JSON object');
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_BUNDLE_BYTES) throw new TillqrError('PROVISION_INVALID', `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
  try {
    return JSON.parse(json) as unknown;
  } catch (e) {
    throw new TillqrError('PROVISION_INVALID', `the bundle is not valid JSON: ${(e as Error).message}`);
  }
}

/** Validate a bundle whole: schema, then key material. Throws PROVISION_INVALID listing every problem. */
export function validateBundle(value: unknown): DecodedBundle {
  const r = bundleSchema.safeParse(value);
  if (!r.ok) throw invalid(r.issues.map((i) => safeIssue(i, (p) => BUNDLE_SECRETS.has(p))));
  const b = r.value;
  const problems: string[] = [];
  const certs = (pem: string, where: string): X509Certificate[] => {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return blocks.flatMap((block, i) => {
      try {
        return [new X509Certificate(block)];
      } catch (e) {
        problems.push(`${where}: certificate ${i + 1} does not parse (${(e as Error).message})`);
        return [];
      }
    });
  };
  if (b.mqtt.caPem !== undefined) certs(b.mqtt.caPem, 'mqtt.caPem');
  const { certPem, keyPem } = b.mqtt;
  if ((certPem === undefined) !== (keyPem === undefined)) problems.push('mqtt: certPem and keyPem come together (a client certificate needs its key)');
  if (certPem !== undefined && keyPem !== undefined) {
    const [leaf] = certs(certPem, 'mqtt.certPem');
    try {
      const key = createPrivateKey(keyPem);
      if (leaf !== undefined && !leaf.checkPrivateKey(key)) problems.push('mqtt.keyPem: the key does not belong to the certificate in mqtt.certPem');
    } catch (e) {
      problems.push(`mqtt.keyPem: the key does not parse (${(e as Error).message}; an encrypted key cannot be used)`);
    }
  }
  if ((b.mqtt.caPem !== undefined || certPem !== undefined) && !/^(mqtts|wss):/.test(String(b.mqtt.url)))
    problems.push('mqtt.url: TLS material was given, so the URL must be mqtts:// or wss://');
  if (b.wifi?.psk !== undefined && b.wifi.psk !== '' && b.wifi.psk.length < 8) problems.push('wifi.psk: a WPA passphrase has at least 8 characters');
  if (problems.length > 0) throw invalid(problems);
  return { bundle: b, raw: value as Record<string, unknown> };
}

/** Bundle fields whose values must never be quoted back. */
const BUNDLE_SECRETS = new Set(['passphrase', 'mqtt.password', 'mqtt.keyPem', 'wifi.psk']);

/** An issue's message, without the value when the path holds a secret. */
export function safeIssue(i: Issue, secret: (path: string) => boolean): string {
  if (!secret(i.path)) return i.message;
  return i.value === undefined ? `${i.path}: is missing; expected ${i.expected}` : `${i.path}: is not ${i.expected} (value not shown)`;
}

function invalid(problems: string[]): TillqrError {
  return new TillqrError(
    'PROVISION_INVALID',
    `the bundle has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    { problems },
  );
}

export function parseBundle(text: string): DecodedBundle {
  return validateBundle(decodeBundleText(text));
}
