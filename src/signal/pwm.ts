/**
 * The PWM layer's interface, used by the passive buzzer. The sysfs driver (drivers/sysfs-pwm.ts)
 * and the simulated one (drivers/sim-pwm.ts) implement it. Times are in nanoseconds, as in sysfs.
 */
export interface PwmOpenOptions {
  /** The pwmchip number; found at run time when absent. */
  chip?: number;
  channel: number;
}

export interface PwmChannel {
  readonly chip: number;
  readonly channel: number;
  /** Set period and duty cycle (duty <= period); the driver orders the writes so the kernel accepts them. */
  configure(periodNs: number, dutyNs: number): Promise<void>;
  enable(on: boolean): Promise<void>;
  /** Disable and release the channel. */
  close(): Promise<void>;
}

export interface Pwm {
  open(opts: PwmOpenOptions): Promise<PwmChannel>;
  /** Release every channel this instance opened. */
  close(): Promise<void>;
}
