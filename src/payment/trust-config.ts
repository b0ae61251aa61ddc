/**
 * The trust section of the configuration: the public keys that sign backend messages, fleet
 * documents and update jobs. Every key is read when the configuration is validated (config file,
 * console `set`, provisioning bundle, fleet document all pass here), so a key that is unreadable,
 * not Ed25519 or weak (small order, non-canonical) is refused with its list, index and kid, and
 * nothing is changed.
 */
import { array, int, object, string, type Issue } from '../core/schema.js';
import { ed25519PublicKeyProblem } from './jws.js';

export const KID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const USABLE_KEY = 'a trusted key whose public key is a usable Ed25519 key';

export const trustedKeySchema = object({
  kid: string({ pattern: KID_PATTERN, expected: 'a key id of 1-128 letters, digits, ".", "_", ":" or "-"' }),
  publicKeyPem: string({ pattern: /^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/, expected: 'an Ed25519 public key in SPKI PEM' }),
}).refine((k) => {
  const problem = ed25519PublicKeyProblem(k.publicKeyPem);
  return problem === undefined ? undefined : { expected: USABLE_KEY, message: `the public key of kid ${JSON.stringify(k.kid)} ${problem}` };
});

export const trustConfigSchema = object({
  backendKeys: array(trustedKeySchema, { max: 16 }).default([]).doc('Keys that sign charges, cancels and payment confirmations.'),
  fleetKeys: array(trustedKeySchema, { max: 16 }).default([]).doc('Keys that sign desired configuration.'),
  releaseKeys: array(trustedKeySchema, { max: 16 }).default([]).doc('Keys that sign software update jobs.'),
  clockSkewSec: int({ min: 0, max: 3600 }).default(60).doc('Allowed clock difference when checking iat/exp.'),
});

const trustListsSchema = object(
  { backendKeys: array(trustedKeySchema).optional(), fleetKeys: array(trustedKeySchema).optional(), releaseKeys: array(trustedKeySchema).optional() },
  { unknownKeys: 'strip' },
);

/** Problems with the key lists of a partial trust section (e.g. in a fleet document before it is signed); [] when there are none. */
export function trustedKeyProblems(trust: unknown, path = 'trust'): string[] {
  if (trust === null || typeof trust !== 'object' || Array.isArray(trust)) return [];
  const issues: Issue[] = [];
  trustListsSchema.run(trust, path, issues);
  return issues.map((i) => i.message);
}
