import { boolean, int, object, oneOf, string } from '../core/schema.js';

export const consoleConfigSchema = object({
  enabled: boolean().default(true).restart(),
  port: string({ pattern: /^\/dev\/\S+$/, expected: 'a device path such as /dev/serial0 or /dev/ttyGS0' }).default('/dev/serial0').restart().doc('Serial port of the technician console.'),
  baudRate: oneOf([9600, 19200, 38400, 57600, 115200, 230400] as const).default(115200).restart(),
  passphraseHash: string({ pattern: /^scrypt\$/, expected: 'a scrypt passphrase hash' }).optional().secret().doc('Technician passphrase (scrypt hash); set by provisioning.'),
  maxLineBytes: int({ min: 256, max: 65_536 }).default(16_384).doc('Longer lines are refused.'),
});
