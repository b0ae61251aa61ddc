/** A valid provisioning bundle for tests (keys generated at test time, never committed). */
import { generateKeyPairSync } from 'node:crypto';

export const BUNDLE_PASSPHRASE = 'tech-Passw0rd-042';

export function ed25519PublicPem(): string {
  return generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function makeBundle(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'tillqr-provisioning/1',
    deviceId: 'shop-042',
    mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'shop-042', password: 'broker-Secret-77' },
    backendKeys: [{ kid: 'backend-2026', publicKeyPem: ed25519PublicPem() }],
    merchant: { name: 'CAFE MORI', displayName: 'カフェ森', city: 'TOKYO', country: 'JP', mcc: '5814', currency: 'JPY' },
    display: { panel: 'waveshare-4in2-v2', rotation: 90 },
    signal: { led: { kind: 'dual', green: 20, red: 21 } },
    passphrase: BUNDLE_PASSPHRASE,
    ...over,
  };
}

export const toBase64 = (b: unknown): string => Buffer.from(JSON.stringify(b)).toString('base64');
