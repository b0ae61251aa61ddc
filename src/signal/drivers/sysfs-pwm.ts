/**
 * The real PWM driver: sysfs PWM (/sys/class/pwm/pwmchipN, chip found at run time), root
 * configurable so the same code runs against a fake tree in tests. Period and duty cycle are in
 * nanoseconds; the kernel refuses a duty cycle longer than the period at every single write, so
 * the two writes are ordered against the current values. All writes to one channel are queued.
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Pwm, PwmChannel, PwmOpenOptions } from '../pwm.js';
import { errnoCode, pwmIo, pwmPermission, pwmUnavailable } from './gpio-errors.js';
import { DEFAULT_PWM_ROOT, findPwmChip } from './pwm-chips.js';
import { nodeSysfsFs, whenUdevDone, type SysfsFs } from './sysfs-fs.js';

export interface SysfsPwmOptions {
  clock: Clock;
  logger: Logger;
  root?: string;
  fs?: SysfsFs;
  /** How long to wait for udev to give the gpio group access to a newly exported channel (ms). */
  udevWaitMs?: number;
}

const UDEV_STEP_MS = 25;

export class SysfsPwm implements Pwm {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #root: string;
  readonly #fs: SysfsFs;
  readonly #udevWaitMs: number;
  readonly #open = new Map<string, PwmChannel | 'opening'>();

  constructor(opts: SysfsPwmOptions) {
    this.#clock = opts.clock;
    this.#log = opts.logger;
    this.#root = opts.root ?? DEFAULT_PWM_ROOT;
    this.#fs = opts.fs ?? nodeSysfsFs;
    this.#udevWaitMs = opts.udevWaitMs ?? 2000;
  }

  async open(opts: PwmOpenOptions): Promise<PwmChannel> {
    const chip = await findPwmChip(this.#fs, this.#root, opts.channel, opts.chip);
    const key = `${chip.chip}/${opts.channel}`;
    if (this.#open.has(key))
      throw pwmUnavailable(`${chip.name} channel ${opts.channel} is already in use by tillqr`, { chip: chip.chip, channel: opts.channel });
    this.#open.set(key, 'opening');
    try {
      const chipDir = `${this.#root}/${chip.name}`;
      const dir = `${chipDir}/pwm${opts.channel}`;
      if (await this.#fs.exists(dir)) {
        this.#log.warn('PWM channel was already exported; taking it over', { chip: chip.name, channel: opts.channel });
      } else {
        await this.#export(chipDir, chip.chip, opts.channel);
      }
      this.#log.info('PWM channel opened', { chip: chip.name, device: chip.device, channel: opts.channel });
      const channel = new SysfsPwmChannel(this.#fs, chipDir, chip.chip, opts.channel, () => this.#open.delete(key));
      await this.#whenUdevDone(() => channel.init());
      this.#open.set(key, channel);
      return channel;
    } catch (e) {
      this.#open.delete(key);
      throw e;
    }
  }

  async close(): Promise<void> {
    const channels = [...this.#open.values()].filter((c): c is PwmChannel => c !== 'opening');
    await Promise.allSettled(channels.map((c) => c.close()));
  }

  async #export(chipDir: string, chip: number, channel: number): Promise<void> {
    try {
      await this.#fs.writeFile(`${chipDir}/export`, String(channel));
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EACCES' || code === 'EPERM') throw pwmPermission(`${chipDir}/export`, e);
      if (code === 'EBUSY') throw pwmUnavailable(`pwmchip${chip} channel ${channel} is held by a kernel driver (audio or fan?)`, { chip, channel });
      throw pwmUnavailable(`pwmchip${chip} refused channel ${channel} (${code ?? String(e)})`, { chip, channel });
    }
  }

  #whenUdevDone(fn: () => Promise<void>): Promise<void> {
    const retryable = (e: unknown): boolean => {
      const code = errnoCode(e instanceof Error ? e.cause : undefined);
      return code === 'EACCES' || code === 'EPERM' || code === 'ENOENT';
    };
    return whenUdevDone(this.#clock, this.#udevWaitMs, UDEV_STEP_MS, retryable, fn);
  }
}

class SysfsPwmChannel implements PwmChannel {
  readonly chip: number;
  readonly channel: number;
  readonly #fs: SysfsFs;
  readonly #dir: string;
  readonly #chipDir: string;
  readonly #release: () => void;
  #queue: Promise<void> = Promise.resolve();
  #periodNs = 0;
  #dutyNs = 0;
  #enabled: boolean | undefined = false;
  #closed = false;

  constructor(fs: SysfsFs, chipDir: string, chip: number, channel: number, release: () => void) {
    this.#fs = fs;
    this.#chipDir = chipDir;
    this.#dir = `${chipDir}/pwm${channel}`;
    this.chip = chip;
    this.channel = channel;
    this.#release = release;
  }

  /** Learn the current period and duty (a taken-over channel may have any), checking we may write. */
  async init(): Promise<void> {
    this.#periodNs = Number((await this.#read('period')).trim()) || 0;
    this.#dutyNs = Number((await this.#read('duty_cycle')).trim()) || 0;
    await this.#write('enable', '0');
  }

  configure(periodNs: number, dutyNs: number): Promise<void> {
    if (!Number.isSafeInteger(periodNs) || !Number.isSafeInteger(dutyNs) || periodNs <= 0 || dutyNs < 0 || dutyNs > periodNs) {
      return Promise.reject(
        pwmIo(`period ${periodNs} ns / duty ${dutyNs} ns refused (the duty cycle must be 0 to the period)`, { chip: this.chip, channel: this.channel }),
      );
    }
    return this.#enqueue(async () => {
      if (periodNs === this.#periodNs && dutyNs === this.#dutyNs) return;
      // Every write must leave duty <= period: shrink the duty first when the period shrinks below it.
      if (periodNs >= this.#dutyNs) {
        await this.#setPeriod(periodNs);
        await this.#setDuty(dutyNs);
      } else {
        await this.#setDuty(dutyNs);
        await this.#setPeriod(periodNs);
      }
    });
  }

  enable(on: boolean): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#enabled === on) return;
      this.#enabled = undefined;
      await this.#write('enable', on ? '1' : '0');
      this.#enabled = on;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#write('enable', '0').catch(() => undefined);
    await this.#fs.writeFile(`${this.#chipDir}/unexport`, String(this.channel)).catch(() => undefined);
    this.#release();
  }

  #enqueue(fn: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(pwmIo('the channel is closed', { chip: this.chip, channel: this.channel }));
    const p = this.#queue.then(fn);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  async #setPeriod(ns: number): Promise<void> {
    if (ns === this.#periodNs) return;
    await this.#write('period', String(ns));
    this.#periodNs = ns;
  }

  async #setDuty(ns: number): Promise<void> {
    if (ns === this.#dutyNs) return;
    await this.#write('duty_cycle', String(ns));
    this.#dutyNs = ns;
  }

  async #read(attr: string): Promise<string> {
    const path = `${this.#dir}/${attr}`;
    try {
      return await this.#fs.readFile(path);
    } catch (e) {
      throw this.#error(path, `cannot read ${attr}`, e);
    }
  }

  async #write(attr: string, value: string): Promise<void> {
    const path = `${this.#dir}/${attr}`;
    try {
      await this.#fs.writeFile(path, value);
    } catch (e) {
      throw this.#error(path, `cannot write ${attr}=${value}`, e);
    }
  }

  #error(path: string, what: string, e: unknown): Error {
    const code = errnoCode(e);
    if (code === 'EACCES' || code === 'EPERM') return pwmPermission(path, e);
    return pwmIo(`${what} (${code ?? String(e)})`, { chip: this.chip, channel: this.channel, path }, e);
  }
}
