/**
 * device/udev/60-tillqr.rules against the uevents the kernel really sends, on a synthetic sysfs.
 * A small matcher stands in for udev (match keys ==, globs and | alternatives; RUN+= with %p), and
 * each RUN command runs in a real shell with /sys pointing at a temp tree and the gpio group
 * replaced by one that exists here. The uevents: a sysfs GPIO export adds a gpioN device; a PWM
 * export sends "change" on the pwmchip with EXPORT=pwmN (drivers/pwm/sysfs.c, pwm_export_child).
 * With `udevadm` present (systemd 253+ has `udevadm verify`), the file is also checked by udev.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './fleet-kit.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
const RULES = join(REPO, 'device/udev/60-tillqr.rules');

interface Rule {
  match: Record<string, string>;
  run: string[];
  assign: Record<string, string>;
}

function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const rule: Rule = { match: {}, run: [], assign: {} };
    for (const m of line.matchAll(/([A-Z_]+)(==|\+=|=)"((?:[^"\\]|\\.)*)"/g)) {
      const [, key = '', op, value = ''] = m;
      if (op === '==') rule.match[key] = value;
      else if (key === 'RUN') rule.run.push(value);
      else rule.assign[key] = value;
    }
    rules.push(rule);
  }
  return rules;
}

const glob = (pattern: string, value: string): boolean =>
  pattern.split('|').some((p) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(value),
  );

interface Uevent {
  ACTION: string;
  SUBSYSTEM: string;
  KERNEL: string;
  DEVPATH: string;
}

function matching(rules: Rule[], ev: Uevent): Rule[] {
  return rules.filter((r) => Object.entries(r.match).every(([k, v]) => glob(v, (ev as unknown as Record<string, string>)[k] ?? '')));
}

/** Run a rule's RUN commands as udev would, on a fake /sys, with `group` for gpio. */
async function fire(rules: Rule[], ev: Uevent, sys: string, group: string): Promise<void> {
  for (const r of matching(rules, ev)) {
    for (const cmd of r.run) {
      const shell = /^\/bin\/sh -c '(.*)'$/.exec(cmd)?.[1];
      if (shell === undefined) throw new Error(`RUN is not /bin/sh -c '...': ${cmd}`);
      const script = shell
        .replace(/%p/g, ev.DEVPATH)
        .replace(/\/sys/g, sys)
        .replace(/\bgpio\b(?=\s)/g, group);
      await run('/bin/sh', ['-c', script]);
    }
  }
}

async function groupWritable(p: string): Promise<boolean> {
  return ((await stat(p)).mode & 0o020) !== 0;
}

async function fakeSysfs(): Promise<string> {
  const sys = await tempDir('tillqr-sysfs-');
  await mkdir(join(sys, 'class/gpio'), { recursive: true });
  for (const f of ['export', 'unexport']) {
    await writeFile(join(sys, 'class/gpio', f), '');
    await chmod(join(sys, 'class/gpio', f), 0o200); // --w------- root, as the kernel makes them
  }
  await mkdir(join(sys, 'devices/platform/soc/fe200000.gpio/gpiochip0/gpio/gpiochip512'), { recursive: true });
  await mkdir(join(sys, 'devices/platform/soc/fe20c000.pwm/pwm/pwmchip0/pwm1'), { recursive: true });
  for (const f of ['export', 'unexport', 'npwm']) await writeFile(join(sys, 'devices/platform/soc/fe20c000.pwm/pwm/pwmchip0', f), '');
  for (const f of ['period', 'duty_cycle', 'enable']) {
    await writeFile(join(sys, 'devices/platform/soc/fe20c000.pwm/pwm/pwmchip0/pwm1', f), '');
    await chmod(join(sys, 'devices/platform/soc/fe20c000.pwm/pwm/pwmchip0/pwm1', f), 0o644);
  }
  return sys;
}

describe('device/udev/60-tillqr.rules on a synthetic sysfs', () => {
  it('the gpio group may export a sysfs GPIO: /sys/class/gpio/export becomes group-writable when a gpiochip appears', async () => {
    const rules = parseRules(await readFile(RULES, 'utf8'));
    const sys = await fakeSysfs();
    const group = (await run('id', ['-gn'])).stdout.trim();
    await fire(
      rules,
      { ACTION: 'add', SUBSYSTEM: 'gpio', KERNEL: 'gpiochip512', DEVPATH: '/devices/platform/soc/fe200000.gpio/gpiochip0/gpio/gpiochip512' },
      sys,
      group,
    );
    expect(await groupWritable(join(sys, 'class/gpio/export'))).toBe(true);
    expect(await groupWritable(join(sys, 'class/gpio/unexport'))).toBe(true);
  });

  it('an exported PWM channel (a "change" uevent on the chip) becomes group-writable', async () => {
    const rules = parseRules(await readFile(RULES, 'utf8'));
    const sys = await fakeSysfs();
    const group = (await run('id', ['-gn'])).stdout.trim();
    const ev: Uevent = { ACTION: 'change', SUBSYSTEM: 'pwm', KERNEL: 'pwmchip0', DEVPATH: '/devices/platform/soc/fe20c000.pwm/pwm/pwmchip0' };
    expect(matching(rules, ev).length).toBeGreaterThan(0);
    await fire(rules, ev, sys, group);
    for (const f of ['period', 'duty_cycle', 'enable'])
      expect(await groupWritable(join(sys, 'devices/platform/soc/fe20c000.pwm/pwm/pwmchip0/pwm1', f)), f).toBe(true);
  });

  it('uses RUN+= for actions (PROGRAM is a match key) and gives spidev, gpiochip and ttyGS0 their groups', async () => {
    const text = await readFile(RULES, 'utf8');
    expect(text).not.toMatch(/PROGRAM=/);
    const rules = parseRules(text);
    const group = (ev: Uevent): string | undefined => matching(rules, ev).find((r) => r.assign['GROUP'] !== undefined)?.assign['GROUP'];
    expect(group({ ACTION: 'add', SUBSYSTEM: 'spidev', KERNEL: 'spidev0.0', DEVPATH: '/devices/x/spidev0.0' })).toBe('spi');
    expect(group({ ACTION: 'add', SUBSYSTEM: 'gpio', KERNEL: 'gpiochip0', DEVPATH: '/devices/x/gpiochip0' })).toBe('gpio');
    expect(group({ ACTION: 'add', SUBSYSTEM: 'tty', KERNEL: 'ttyGS0', DEVPATH: '/devices/virtual/tty/ttyGS0' })).toBe('dialout');
  });

  const udevadm = ['/usr/bin/udevadm', '/bin/udevadm', '/sbin/udevadm'].find((p) => existsSync(p));
  it.skipIf(udevadm === undefined)(
    'passes `udevadm verify` (needs systemd 253 or later: Raspberry Pi OS Trixie; skipped where udevadm is absent)',
    async () => {
      await run(udevadm ?? 'udevadm', ['verify', RULES]);
    },
  );
});
