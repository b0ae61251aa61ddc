import { boolean, int, object, oneOf, string } from '../core/schema.js';
import { DEFAULT_CONSOLE_PORT } from './header-uart.js';

export const consoleConfigSchema = object({
  enabled: boolean().default(true).restart(),
  port: string({ pattern: /^\/\S+$/, expected: 'a device path such as /dev/serial0 or /dev/ttyGS0' })
    .default(DEFAULT_CONSOLE_PORT)
    .restart()
    .doc(
      'Serial port of the technician console: /dev/serial0 (the header UART; on a Pi 5 the default means /dev/ttyAMA0, see src/console/header-uart.ts), /dev/ttyGS0 (USB gadget) or a /dev/serial/by-id/... path for a USB adapter.',
    ),
  baudRate: oneOf([9600, 19200, 38400, 57600, 115200, 230400] as const)
    .default(115200)
    .restart()
    .doc('Line speed (8N1).'),
  passphraseHash: string({ pattern: /^scrypt\$/, expected: 'a passphrase hash "scrypt$N$r$p$salt$hash"' })
    .optional()
    .secret()
    .doc('Technician passphrase (scrypt hash); set by provisioning. While unset the console is open.'),
  maxLineBytes: int({ min: 256, max: 262_144 }).default(65_536).doc('Longer lines are refused (a provisioning bundle with TLS material is sent as one line).'),
  idleLogoutSec: int({ min: 30, max: 86_400 }).default(900).doc('A logged-in console session is logged out after this long without input.'),
});
