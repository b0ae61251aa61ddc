/**
 * A fake sysfs GPIO and PWM tree in a temp dir, with a small fake kernel behind its `export`,
 * `unexport` and attribute files: writes are checked the way the kernel checks them (EINVAL,
 * EBUSY, EPERM...) and exporting creates the line's directory with real files. The drivers run
 * their real numbering, export and error code against it through the SysfsFs they are given.
 * Scripting: lines held by a kernel driver, export denied (not in the gpio group), udev still
 * busy for the first N attempts, lines already exported by someone else, missing edge support,
 * and driving input levels.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeSysfsFs, type SysfsFs } from '../../../src/signal/drivers/sysfs-fs.js';

export interface FakeGpioChip {
  readonly base: number;
  readonly ngpio: number;
  readonly label: string;
}

export interface FakePwmChip {
  readonly chip: number;
  readonly npwm: number;
  readonly device: string;
}

/** Pi 5 on kernel 6.6+: the header chip is pinctrl-rp1 at base 571. */
export const PI5_CHIPS: readonly FakeGpioChip[] = [
  { base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
  { base: 544, ngpio: 4, label: 'gpio-brcmstb@107d508520' },
  { base: 548, ngpio: 17, label: 'gpio-brcmstb@107d517c00' },
  { base: 565, ngpio: 6, label: 'gpio-brcmstb@107d517c20' },
  { base: 571, ngpio: 54, label: 'pinctrl-rp1' },
];
/** Pi 4 on kernel 6.6+: pinctrl-bcm2711 at base 512. */
export const PI4_CHIPS: readonly FakeGpioChip[] = [
  { base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
  { base: 570, ngpio: 8, label: 'raspberrypi-exp-gpio' },
];
/** Pi 3 on an old kernel: base 0. */
export const PI3_OLD_CHIPS: readonly FakeGpioChip[] = [
  { base: 0, ngpio: 54, label: 'pinctrl-bcm2835' },
  { base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
];
/** Pi 5 on kernel 6.6 with dtoverlay=pwm: the header PWM is pwmchip2, the fan pwmchip6. */
export const PI5_PWM: readonly FakePwmChip[] = [
  { chip: 0, npwm: 4, device: '107d517a80.pwm' },
  { chip: 2, npwm: 4, device: '1f00098000.pwm' },
  { chip: 6, npwm: 4, device: '1f0009c000.pwm' },
];

export function errno(code: string, path: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: fake kernel refused, write '${path}'`);
  e.code = code;
  e.syscall = 'write';
  e.path = path;
  return e;
}

export class FakeSysfs implements SysfsFs {
  readonly dir: string;
  readonly gpioRoot: string;
  readonly pwmRoot: string;
  readonly #chips: readonly FakeGpioChip[];
  /** sysfs numbers held by a kernel driver: export gives EBUSY. */
  readonly kernelClaimed = new Set<number>();
  /** Export gives EACCES (the user is not in the gpio group). */
  denyExport = false;
  /** Files under a line or channel dir refuse this many more writes with EACCES (udev not done). */
  udevPending = 0;
  /** sysfs numbers whose `edge` file is missing (no interrupt). */
  readonly noEdge = new Set<number>();
  /** Jumper wires: an output's value is copied to the input's value file (sysfs numbers). */
  readonly wires = new Map<number, number>();
  /** Every write the drivers made, in order (path relative to the tree, data). */
  readonly log: [string, string][] = [];

  private constructor(dir: string, chips: readonly FakeGpioChip[]) {
    this.dir = dir;
    this.gpioRoot = join(dir, 'class/gpio');
    this.pwmRoot = join(dir, 'class/pwm');
    this.#chips = chips;
  }

  static async create(opts: { chips?: readonly FakeGpioChip[]; pwm?: readonly FakePwmChip[]; noGpio?: boolean } = {}): Promise<FakeSysfs> {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-sysfs-'));
    const fake = new FakeSysfs(dir, opts.chips ?? PI5_CHIPS);
    if (opts.noGpio !== true) {
      await mkdir(fake.gpioRoot, { recursive: true });
      await writeFile(join(fake.gpioRoot, 'export'), '');
      await writeFile(join(fake.gpioRoot, 'unexport'), '');
      for (const c of fake.#chips) {
        const d = join(fake.gpioRoot, `gpiochip${c.base}`);
        await mkdir(d);
        await writeFile(join(d, 'base'), `${c.base}\n`);
        await writeFile(join(d, 'ngpio'), `${c.ngpio}\n`);
        await writeFile(join(d, 'label'), `${c.label}\n`);
      }
    }
    await mkdir(fake.pwmRoot, { recursive: true });
    for (const p of opts.pwm ?? []) {
      const d = join(fake.pwmRoot, `pwmchip${p.chip}`);
      await mkdir(d);
      await writeFile(join(d, 'npwm'), `${p.npwm}\n`);
      await writeFile(join(d, 'export'), '');
      await writeFile(join(d, 'unexport'), '');
      await symlink(`../../../devices/platform/axi/${p.device}`, join(d, 'device'));
    }
    return fake;
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  // --- scripting -----------------------------------------------------------------------------

  /** Another program exported this line (directory present before we open it). */
  async exportByOther(n: number, direction = 'out', activeLow = '0'): Promise<void> {
    await this.#createLine(n, direction, activeLow);
  }

  /** Drive an input's level, as the wire would. */
  async setValue(n: number, level: 0 | 1): Promise<void> {
    await writeFile(join(this.gpioRoot, `gpio${n}`, 'value'), `${level}\n`);
  }

  async attr(rel: string): Promise<string> {
    return (await readFile(join(this.dir, rel), 'utf8')).trim();
  }

  // --- SysfsFs ------------------------------------------------------------------------------

  readFile(path: string): Promise<string> {
    return nodeSysfsFs.readFile(path);
  }

  readdir(path: string): Promise<string[]> {
    return nodeSysfsFs.readdir(path);
  }

  readlink(path: string): Promise<string> {
    return nodeSysfsFs.readlink(path);
  }

  exists(path: string): Promise<boolean> {
    return nodeSysfsFs.exists(path);
  }

  async writeFile(path: string, data: string): Promise<void> {
    const rel = path.startsWith(this.dir) ? path.slice(this.dir.length + 1) : path;
    this.log.push([rel, data]);
    const v = data.trim();
    if (path === join(this.gpioRoot, 'export')) return this.#export(path, v);
    if (path === join(this.gpioRoot, 'unexport')) return this.#unexport(path, v);
    const line = /\/class\/gpio\/gpio(\d+)\/(\w+)$/.exec(path);
    if (line !== null) return this.#lineAttr(path, Number(line[1]), line[2] ?? '', v);
    const pwm = /\/class\/pwm\/pwmchip(\d+)\/(export|unexport)$/.exec(path);
    if (pwm !== null) return this.#pwmExport(path, pwm[2] === 'export', v);
    const ch = /\/class\/pwm\/pwmchip(\d+)\/pwm(\d+)\/(\w+)$/.exec(path);
    if (ch !== null) return this.#pwmAttr(path, ch[3] ?? '', v);
    throw errno('EACCES', path);
  }

  async #createLine(n: number, direction: string, activeLow: string): Promise<void> {
    const d = join(this.gpioRoot, `gpio${n}`);
    await mkdir(d);
    await writeFile(join(d, 'direction'), `${direction}\n`);
    await writeFile(join(d, 'value'), '0\n');
    await writeFile(join(d, 'active_low'), `${activeLow}\n`);
    if (!this.noEdge.has(n)) await writeFile(join(d, 'edge'), 'none\n');
  }

  async #export(path: string, v: string): Promise<void> {
    if (this.denyExport) throw errno('EACCES', path);
    const n = Number(v);
    if (!/^\d+$/.test(v) || !this.#chips.some((c) => n >= c.base && n < c.base + c.ngpio)) throw errno('EINVAL', path);
    if (this.kernelClaimed.has(n) || (await nodeSysfsFs.exists(join(this.gpioRoot, `gpio${n}`)))) throw errno('EBUSY', path);
    await this.#createLine(n, 'in', '0');
    // A line at the end of a jumper wire reads what the other end drives.
    for (const [from, to] of this.wires) {
      if (to !== n || !(await nodeSysfsFs.exists(join(this.gpioRoot, `gpio${from}`)))) continue;
      if ((await this.attr(`class/gpio/gpio${from}/direction`)) === 'out')
        await this.setValue(n, (await this.attr(`class/gpio/gpio${from}/value`)) === '1' ? 1 : 0);
    }
  }

  async #unexport(path: string, v: string): Promise<void> {
    const d = join(this.gpioRoot, `gpio${v}`);
    if (!(await nodeSysfsFs.exists(d))) throw errno('EINVAL', path);
    await rm(d, { recursive: true });
  }

  async #lineAttr(path: string, n: number, attr: string, v: string): Promise<void> {
    const d = join(this.gpioRoot, `gpio${n}`);
    if (!(await nodeSysfsFs.exists(d))) throw errno('ENOENT', path);
    if (this.udevPending > 0) {
      this.udevPending--;
      throw errno('EACCES', path);
    }
    const ok: Record<string, readonly string[]> = {
      direction: ['in', 'out', 'high', 'low'],
      value: ['0', '1'],
      active_low: ['0', '1'],
      edge: ['none', 'rising', 'falling', 'both'],
    };
    if (!(attr in ok)) throw errno('EACCES', path);
    if (attr === 'edge' && this.noEdge.has(n)) throw errno('ENOENT', path);
    if (!ok[attr]!.includes(v)) throw errno('EINVAL', path);
    const direction = (await readFile(join(d, 'direction'), 'utf8')).trim();
    if (attr === 'value' && direction === 'in') throw errno('EPERM', path);
    if (attr === 'direction') {
      await writeFile(join(d, 'direction'), v === 'in' ? 'in\n' : 'out\n');
      if (v === 'high' || v === 'low') {
        await writeFile(join(d, 'value'), v === 'high' ? '1\n' : '0\n');
        const to = this.wires.get(n);
        if (to !== undefined && (await nodeSysfsFs.exists(join(this.gpioRoot, `gpio${to}`)))) await this.setValue(to, v === 'high' ? 1 : 0);
      }
      return;
    }
    await writeFile(join(d, attr), `${v}\n`);
    const to = this.wires.get(n);
    if (attr === 'value' && to !== undefined && (await nodeSysfsFs.exists(join(this.gpioRoot, `gpio${to}`)))) await this.setValue(to, v === '1' ? 1 : 0);
  }

  async #pwmExport(path: string, exporting: boolean, v: string): Promise<void> {
    const chipDir = path.slice(0, path.lastIndexOf('/'));
    const npwm = Number((await readFile(join(chipDir, 'npwm'), 'utf8')).trim());
    const c = Number(v);
    if (!/^\d+$/.test(v) || c >= npwm) throw errno(exporting ? 'ENODEV' : 'EINVAL', path);
    const d = join(chipDir, `pwm${c}`);
    if (exporting) {
      if (this.denyExport) throw errno('EACCES', path);
      if (await nodeSysfsFs.exists(d)) throw errno('EBUSY', path);
      await mkdir(d);
      for (const [f, x] of [
        ['period', '0'],
        ['duty_cycle', '0'],
        ['enable', '0'],
        ['polarity', 'normal'],
      ] as const)
        await writeFile(join(d, f), `${x}\n`);
    } else {
      if (!(await nodeSysfsFs.exists(d))) throw errno('EINVAL', path);
      await rm(d, { recursive: true });
    }
  }

  async #pwmAttr(path: string, attr: string, v: string): Promise<void> {
    const d = path.slice(0, path.lastIndexOf('/'));
    if (!(await nodeSysfsFs.exists(d))) throw errno('ENOENT', path);
    if (this.udevPending > 0) {
      this.udevPending--;
      throw errno('EACCES', path);
    }
    const num = async (f: string) => Number((await readFile(join(d, f), 'utf8')).trim());
    if (!/^\d+$/.test(v)) throw errno('EINVAL', path);
    const x = Number(v);
    if (attr === 'period' && x < (await num('duty_cycle'))) throw errno('EINVAL', path);
    if (attr === 'duty_cycle' && x > (await num('period'))) throw errno('EINVAL', path);
    if (attr === 'enable' && (x > 1 || (x === 1 && (await num('period')) === 0))) throw errno('EINVAL', path);
    if (!['period', 'duty_cycle', 'enable'].includes(attr)) throw errno('EACCES', path);
    await writeFile(join(d, attr), `${v}\n`);
  }
}
