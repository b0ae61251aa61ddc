/**
 * The whole device configuration: one schema composed of each subsystem's own part (kept beside
 * its code). Validated once into a frozen, typed object that is passed in through constructors.
 */
import { int, object, oneOf, string, type Infer } from '../core/schema.js';
import { saleConfigSchema } from '../core/sale-config.js';
import { consoleConfigSchema } from '../console/config.js';
import { displayConfigSchema } from '../display/config.js';
import { fleetConfigSchema } from '../fleet/config.js';
import { mqttConfigSchema } from '../link/config.js';
import { merchantConfigSchema } from '../payment/merchant-config.js';
import { trustConfigSchema } from '../payment/trust-config.js';
import { signalConfigSchema } from '../signal/config.js';
import { shopConfigSchema, voiceConfigSchema } from '../voice/config.js';

export const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export const configSchema = object({
  configVersion: int({ min: 1, expected: 'a format version (a whole number of at least 1)' })
    .optional()
    .restart()
    .doc('The format of this file (src/config/migrations.ts); absent means 1. Written by the release that migrated the file; never set it by hand.'),
  deviceId: string({ pattern: DEVICE_ID, expected: 'a device id of 1-64 letters, digits, ".", "_" or "-"' })
    .optional()
    .restart()
    .doc("This device's id: its MQTT topics are <topicPrefix>/<deviceId>/...; set by provisioning."),
  hardware: oneOf(['pi', 'sim'] as const)
    .default('pi')
    .restart()
    .doc('"pi" drives the real panel, LED and buzzer; "sim" simulates them.'),
  stateDir: string({ pattern: /^\//, expected: 'an absolute directory path' })
    .default('/var/lib/tillqr')
    .restart()
    .doc('Where state (replay cache, sales, releases) is kept.'),
  logLevel: oneOf(['debug', 'info', 'warn', 'error'] as const)
    .default('info')
    .doc('Least severe log level written.'),
  mqtt: mqttConfigSchema.default(defaults(mqttConfigSchema)),
  trust: trustConfigSchema.default(defaults(trustConfigSchema)),
  merchant: merchantConfigSchema.optional().doc('The store profile; set by provisioning.'),
  display: displayConfigSchema.default(defaults(displayConfigSchema)),
  signal: signalConfigSchema.default(defaults(signalConfigSchema)),
  sale: saleConfigSchema.default(defaults(saleConfigSchema)),
  console: consoleConfigSchema.default(defaults(consoleConfigSchema)),
  fleet: fleetConfigSchema.default(defaults(fleetConfigSchema)),
  voice: voiceConfigSchema.default(defaults(voiceConfigSchema)),
  shop: shopConfigSchema.default(defaults(shopConfigSchema)),
});

export type Config = Infer<typeof configSchema>;

/** The value an object schema gives for `{}`: every key's default. */
function defaults<T>(schema: { safeParse(v: unknown): { ok: true; value: T } | { ok: false } }): T {
  const r = schema.safeParse({});
  if (!r.ok) throw new Error('config schema part has a key without a default');
  return r.value;
}
