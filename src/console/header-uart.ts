/**
 * Which device is the header UART (GPIO14/15, pins 8/10) on this Raspberry Pi, for the default
 * console.port. On a Pi Zero 2 W, 3 and 4 it is /dev/serial0 (the mini UART or the PL011, as
 * Raspberry Pi OS's udev rules link it). On a Pi 5, Pi 500 and Compute Module 5, /dev/serial0 is
 * the 3-pin debug connector's UART (ttyAMA10, the "console" alias in bcm2712-rpi.dtsi), and the
 * header's UART0 is /dev/ttyAMA0 once config.txt has `dtparam=uart0=on` (device/config.txt).
 * The model comes from /proc/device-tree/model (a NUL-terminated string such as
 * "Raspberry Pi 5 Model B Rev 1.0"); anything unreadable or unknown keeps /dev/serial0.
 * Only the default is followed: a console.port set by hand is used as it is.
 */
import { readFile } from 'node:fs/promises';

export const DEFAULT_CONSOLE_PORT = '/dev/serial0';
export const PI5_HEADER_UART = '/dev/ttyAMA0';
export const DEVICE_TREE_MODEL = '/proc/device-tree/model';

/** True for the BCM2712 boards, where serial0 is not the header UART. */
export function isBcm2712Model(model: string): boolean {
  return /^Raspberry Pi (5|500|Compute Module 5)\b/.test(model.replace(/\0+$/, '').trim());
}

/** The header UART's device for a model string. */
export function headerUartFor(model: string | undefined): string {
  return model !== undefined && isBcm2712Model(model) ? PI5_HEADER_UART : DEFAULT_CONSOLE_PORT;
}

/** console.port as configured, or, when it is the default, the header UART of this board. */
export async function consolePortFor(configured: string, opts: { modelPath?: string } = {}): Promise<string> {
  if (configured !== DEFAULT_CONSOLE_PORT) return configured;
  const model = await readFile(opts.modelPath ?? DEVICE_TREE_MODEL, 'latin1').catch(() => undefined);
  return headerUartFor(model);
}
