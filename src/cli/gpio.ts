/**
 * `tillqr gpio [--pin N]... [--json]`: what the GPIO layer finds on this machine: the header's GPIO
 * chip with its sysfs base (so a technician can check the numbering of a current kernel), the
 * sysfs number of each pin asked for, and the PWM chips with the one a passive buzzer would use.
 * Reads only; exports nothing.
 */
import { EXIT, isTillqrError, TillqrError } from '../core/errors.js';
import { DEFAULT_GPIO_ROOT, listGpioChips, pickHeaderChip, sysfsNumber } from '../signal/drivers/gpio-chips.js';
import { DEFAULT_PWM_ROOT, listPwmChips, pickPwmChip, type PwmChipInfo } from '../signal/drivers/pwm-chips.js';
import { nodeSysfsFs } from '../signal/drivers/sysfs-fs.js';
import { intFlag, parse } from './args.js';
import type { CliIo } from './io.js';

const USAGE = 'tillqr gpio [--pin N]... [--pwm-channel N] [--json] [--root DIR] [--pwm-root DIR]';

const HELP = `usage: ${USAGE}

Shows the GPIO chip behind the Raspberry Pi header (found by its label) with its sysfs base:
BCM pin n is sysfs GPIO base + n (571 + n on a Pi 5 and 512 + n on a Pi 4 with kernel 6.6+).
--pin N          also show the sysfs number of BCM pin N (repeatable)
--pwm-channel N  the PWM channel a passive buzzer uses (default 1, BCM 13)
--json           print JSON
--root, --pwm-root  other sysfs roots (default ${DEFAULT_GPIO_ROOT}, ${DEFAULT_PWM_ROOT})
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    argv,
    {
      pin: { type: 'string', multiple: true },
      'pwm-channel': { type: 'string' },
      json: { type: 'boolean' },
      root: { type: 'string' },
      'pwm-root': { type: 'string' },
      help: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help === true) {
    io.stdout(HELP);
    return EXIT.OK;
  }
  const pins = (values.pin ?? []).map((p) => intFlag(p, '--pin', { min: 0, max: 53 }) ?? 0);
  const channel = intFlag(values['pwm-channel'], '--pwm-channel', { min: 0, max: 15 }) ?? 1;
  const root = values.root ?? DEFAULT_GPIO_ROOT;
  const pwmRoot = values['pwm-root'] ?? DEFAULT_PWM_ROOT;

  const chips = await listGpioChips(nodeSysfsFs, root);
  const header = pickHeaderChip(chips);
  const mapped = header === undefined ? [] : pins.map((pin) => ({ pin, sysfs: sysfsNumber(header, pin) }));
  let pwmChips: PwmChipInfo[] = [];
  let pwmProblem: string | undefined;
  try {
    pwmChips = await listPwmChips(nodeSysfsFs, pwmRoot);
  } catch (e) {
    pwmProblem = isTillqrError(e) ? e.message : String(e);
  }
  const buzzerChip = pickPwmChip(pwmChips, channel);

  if (values.json === true) {
    io.stdout(
      `${JSON.stringify({ header: header ?? null, chips, pins: mapped, pwm: { chips: pwmChips, buzzerChip: buzzerChip?.chip ?? null, channel, problem: pwmProblem ?? null } }, null, 2)}\n`,
    );
  } else {
    const lines: string[] = [];
    lines.push(
      header === undefined
        ? 'header GPIO chip: none found'
        : `header GPIO chip: ${header.name} "${header.label}", base ${header.base}, ${header.ngpio} lines (BCM n = sysfs ${header.base} + n)`,
    );
    for (const c of chips) if (c !== header) lines.push(`other GPIO chip:  ${c.name} "${c.label}", base ${c.base}, ${c.ngpio} lines`);
    for (const m of mapped) lines.push(`BCM ${m.pin} = sysfs GPIO ${m.sysfs}`);
    if (pwmProblem !== undefined) lines.push(`PWM: ${pwmProblem}`);
    else if (pwmChips.length === 0) lines.push('PWM: no pwmchip (needed only for a passive buzzer: dtoverlay=pwm,pin=13,func=4)');
    for (const c of pwmChips) {
      const mark = c === buzzerChip ? `  <- passive buzzer (channel ${channel})` : '';
      lines.push(`PWM chip: ${c.name}, ${c.npwm} channels${c.device === '' ? '' : `, ${c.device}`}${mark}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
  }
  if (header === undefined) {
    throw new TillqrError('GPIO_UNAVAILABLE', `no GPIO chip of a Raspberry Pi header in ${root} (chips: ${chips.map((c) => c.label).join(', ') || 'none'})`);
  }
  return EXIT.OK;
}
