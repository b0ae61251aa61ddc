import { array, int, object, string } from '../core/schema.js';

export const KID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const trustedKeySchema = object({
  kid: string({ pattern: KID_PATTERN, expected: 'a key id of 1-128 letters, digits, ".", "_", ":" or "-"' }),
  publicKeyPem: string({ pattern: /^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/, expected: 'an Ed25519 public key in SPKI PEM' }),
});

export const trustConfigSchema = object({
  backendKeys: array(trustedKeySchema, { max: 16 }).default([]).doc('Keys that sign charges, cancels and payment confirmations.'),
  fleetKeys: array(trustedKeySchema, { max: 16 }).default([]).doc('Keys that sign desired configuration.'),
  releaseKeys: array(trustedKeySchema, { max: 16 }).default([]).doc('Keys that sign software update jobs.'),
  clockSkewSec: int({ min: 0, max: 3600 }).default(60).doc('Allowed clock difference when checking iat/exp.'),
});
