/**
 * Finds the GPIO chip behind the Raspberry Pi header in sysfs and maps BCM pin numbers to sysfs
 * GPIO numbers. Since kernel 6.6 those numbers carry a base that is only known at run time
 * (512 + n on a Pi 4, 571 + n on a Pi 5; 0 + n on older kernels): each /sys/class/gpio/gpiochipN
 * has `base`, `ngpio` and `label`, and the header chip is told by its label.
 */
import { gpioNoLine, gpioPermission, gpioUnavailable, errnoCode } from './gpio-errors.js';
import type { SysfsFs } from './sysfs-fs.js';

export interface GpioChipInfo {
  /** Directory name, e.g. `gpiochip571`. */
  readonly name: string;
  readonly base: number;
  readonly ngpio: number;
  readonly label: string;
}

/** Labels of the chips that drive the 40-pin header, most specific first. */
export const HEADER_CHIP_LABELS: readonly string[] = [
  'pinctrl-rp1', // Pi 5, Pi 500, CM5 (RP1 south bridge)
  'pinctrl-bcm2711', // Pi 4, Pi 400, CM4
  'pinctrl-bcm2835', // Pi 1, 2, 3, Zero, Zero 2
];

export const DEFAULT_GPIO_ROOT = '/sys/class/gpio';

export async function listGpioChips(fs: SysfsFs, root: string): Promise<GpioChipInfo[]> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EACCES' || code === 'EPERM') throw gpioPermission(undefined, root, e);
    throw gpioUnavailable(`${root} does not exist`, { root });
  }
  if (!names.includes('export')) throw gpioUnavailable(`${root}/export is missing`, { root });
  const chips: GpioChipInfo[] = [];
  for (const name of names.filter((n) => /^gpiochip\d+$/.test(n))) {
    try {
      const [base, ngpio, label] = await Promise.all(['base', 'ngpio', 'label'].map((f) => fs.readFile(`${root}/${name}/${f}`)));
      const b = Number(base?.trim());
      const n = Number(ngpio?.trim());
      if (!Number.isSafeInteger(b) || !Number.isSafeInteger(n) || n <= 0) continue;
      chips.push({ name, base: b, ngpio: n, label: (label ?? '').trim() });
    } catch {
      // A chip whose attributes cannot be read is not one we can use; others may be.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** The header chip: the one with the given label, else the first known header label found. */
export function pickHeaderChip(chips: readonly GpioChipInfo[], label?: string): GpioChipInfo | undefined {
  if (label !== undefined) return chips.find((c) => c.label === label);
  for (const l of HEADER_CHIP_LABELS) {
    const c = chips.find((x) => x.label === l);
    if (c !== undefined) return c;
  }
  return undefined;
}

export async function findHeaderChip(fs: SysfsFs, root: string, label?: string): Promise<GpioChipInfo> {
  const chips = await listGpioChips(fs, root);
  const chip = pickHeaderChip(chips, label);
  if (chip !== undefined) return chip;
  const seen = chips.length === 0 ? 'none' : chips.map((c) => `${c.name} "${c.label}"`).join(', ');
  const wanted = label === undefined ? HEADER_CHIP_LABELS.join(', ') : label;
  throw gpioUnavailable(`no GPIO chip labelled ${wanted} (chips found: ${seen})`, { root, chips: chips.map((c) => c.label) });
}

/** The sysfs GPIO number of a BCM pin on the header chip. */
export function sysfsNumber(chip: GpioChipInfo, pin: number): number {
  if (!Number.isInteger(pin) || pin < 0 || pin >= chip.ngpio) throw gpioNoLine(pin, `${chip.label} has lines 0 to ${chip.ngpio - 1}`);
  return chip.base + pin;
}
