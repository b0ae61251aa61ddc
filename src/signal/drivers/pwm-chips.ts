/**
 * Finds the sysfs PWM chip that drives the header pins. pwmchip numbers are not stable (on a
 * Pi 5 the header's RP1 PWM0 was pwmchip2 on kernel 6.6 and moved with 6.12, and the fan has a
 * chip of its own), so the chip is told by the device it belongs to (the `device` link's name),
 * falling back to the lowest-numbered chip with enough channels that is not known to be
 * something else. `signal.buzzer.pwmChip` overrides all of this.
 */
import type { SysfsFs } from './sysfs-fs.js';
import { errnoCode, pwmPermission, pwmUnavailable } from './gpio-errors.js';

export interface PwmChipInfo {
  /** Directory name, e.g. `pwmchip2`. */
  readonly name: string;
  readonly chip: number;
  readonly npwm: number;
  /** Name of the device the chip belongs to, e.g. `1f00098000.pwm`; '' when unknown. */
  readonly device: string;
}

export const DEFAULT_PWM_ROOT = '/sys/class/pwm';

/** PWM blocks whose outputs reach the header (BCM 12, 13, 18, 19). */
export const HEADER_PWM_DEVICES: readonly string[] = [
  '1f00098000.pwm', // Pi 5: RP1 PWM0 (BCM 12/13 = channel 0/1, BCM 18/19 = channel 2/3)
  'fe20c000.pwm', // Pi 4: PWM0 (BCM 12/18 = channel 0, 13/19 = channel 1)
  '3f20c000.pwm', // Pi 2, 3
  '2020c000.pwm', // Pi 1, Zero
  '7e20c000.pwm', // bus-address naming on some kernels
];

/** PWM blocks known to be busy with something else. */
export const OTHER_PWM_DEVICES: readonly string[] = [
  '1f0009c000.pwm', // Pi 5: RP1 PWM1, the fan
  '107d517a80.pwm', // Pi 5: BCM2712 PWM, not on the header
];

export async function listPwmChips(fs: SysfsFs, root: string): Promise<PwmChipInfo[]> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EACCES' || code === 'EPERM') throw pwmPermission(root, e);
    throw pwmUnavailable(`${root} does not exist (no PWM driver loaded)`, { root });
  }
  const chips: PwmChipInfo[] = [];
  for (const name of names.filter((n) => /^pwmchip\d+$/.test(n))) {
    try {
      const npwm = Number((await fs.readFile(`${root}/${name}/npwm`)).trim());
      if (!Number.isSafeInteger(npwm) || npwm <= 0) continue;
      const device = await fs.readlink(`${root}/${name}/device`).then(
        (t) =>
          t
            .split('/')
            .filter((x) => x !== '')
            .at(-1) ?? '',
        () => '',
      );
      chips.push({ name, chip: Number(name.slice('pwmchip'.length)), npwm, device });
    } catch {
      // Unreadable chip: skip it; another may do.
    }
  }
  return chips.sort((a, b) => a.chip - b.chip);
}

export function pickPwmChip(chips: readonly PwmChipInfo[], channel: number, chip?: number): PwmChipInfo | undefined {
  if (chip !== undefined) return chips.find((c) => c.chip === chip && c.npwm > channel);
  const usable = chips.filter((c) => c.npwm > channel && !OTHER_PWM_DEVICES.includes(c.device));
  for (const d of HEADER_PWM_DEVICES) {
    const c = usable.find((x) => x.device === d);
    if (c !== undefined) return c;
  }
  return usable[0];
}

export async function findPwmChip(fs: SysfsFs, root: string, channel: number, chip?: number): Promise<PwmChipInfo> {
  const chips = await listPwmChips(fs, root);
  const found = pickPwmChip(chips, channel, chip);
  if (found !== undefined) return found;
  const seen = chips.length === 0 ? 'none' : chips.map((c) => `${c.name} (${c.npwm} channels${c.device === '' ? '' : `, ${c.device}`})`).join(', ');
  const wanted = chip === undefined ? `a chip with channel ${channel}` : `pwmchip${chip} with channel ${channel}`;
  throw pwmUnavailable(`no ${wanted} (chips found: ${seen})`, { root, chip, channel });
}
