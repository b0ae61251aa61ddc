/**
 * The errors a GPIO or PWM line can give, each with what the technician should do. Shared by the
 * sysfs drivers and their simulated twins so both say the same thing.
 */
import { TillqrError } from '../../core/errors.js';

export const GROUP_ADVICE = 'add the user to the gpio group: sudo usermod -aG gpio tillqr (then restart the service)';

export function gpioPermission(pin: number | undefined, path: string, cause?: unknown): TillqrError {
  const which = pin === undefined ? 'GPIO' : `GPIO BCM ${pin}`;
  return new TillqrError('GPIO_PERMISSION', `no permission to use ${which} (${path}); ${GROUP_ADVICE}`, pin === undefined ? { path } : { pin, path }, {
    cause,
  });
}

export function gpioBusyInProcess(pin: number): TillqrError {
  return new TillqrError(
    'GPIO_BUSY',
    `GPIO BCM ${pin} is already in use by tillqr itself; two config keys name the same pin (check signal.led, signal.buzzer, signal.button and display.pins)`,
    { pin, holder: 'tillqr' },
  );
}

export function gpioBusyExported(pin: number, sysfsNumber: number, root: string): TillqrError {
  return new TillqrError(
    'GPIO_BUSY',
    `GPIO BCM ${pin} is already exported (${root}/gpio${sysfsNumber}) by another program; stop that program, or free the line with: echo ${sysfsNumber} | sudo tee ${root}/unexport`,
    { pin, sysfsNumber, holder: 'sysfs' },
  );
}

export function gpioBusyKernel(pin: number, owner: string | undefined, cause?: unknown): TillqrError {
  const who = owner === undefined ? 'a kernel driver' : `the kernel driver ${owner}`;
  return new TillqrError(
    'GPIO_BUSY',
    `GPIO BCM ${pin} is held by ${who}; remove the dtoverlay/dtparam that uses it from config.txt (SPI0 uses BCM 7-11, I2C1 uses 2-3, UART uses 14-15, 1-wire uses 4) or choose another pin`,
    { pin, holder: owner ?? 'kernel' },
    { cause },
  );
}

export function gpioNoLine(pin: number, detail: string): TillqrError {
  return new TillqrError('GPIO_NO_LINE', `no GPIO line BCM ${pin}: ${detail}; config names BCM pin numbers (GPIO17 is 17, not header pin 11)`, { pin });
}

export function gpioUnavailable(detail: string, context: Record<string, unknown> = {}): TillqrError {
  return new TillqrError(
    'GPIO_UNAVAILABLE',
    `sysfs GPIO is not available: ${detail}; it needs a kernel with CONFIG_GPIO_SYSFS (Raspberry Pi OS has it) and /sys mounted`,
    context,
  );
}

export function gpioIo(pin: number, what: string, cause?: unknown): TillqrError {
  return new TillqrError('GPIO_IO', `GPIO BCM ${pin}: ${what}`, { pin }, { cause });
}

export function pwmUnavailable(detail: string, context: Record<string, unknown> = {}): TillqrError {
  return new TillqrError(
    'PWM_UNAVAILABLE',
    `no PWM channel for the passive buzzer: ${detail}; enable one in config.txt (dtoverlay=pwm,pin=13,func=4 for BCM 13) and reboot, or set signal.buzzer.kind to "active"`,
    context,
  );
}

export function pwmPermission(path: string, cause?: unknown): TillqrError {
  return new TillqrError('GPIO_PERMISSION', `no permission to use PWM (${path}); ${GROUP_ADVICE}`, { path }, { cause });
}

export function pwmIo(what: string, context: Record<string, unknown> = {}, cause?: unknown): TillqrError {
  return new TillqrError('PWM_IO', `PWM: ${what}`, context, { cause });
}

/** The errno code of a Node fs error, if any. */
export function errnoCode(e: unknown): string | undefined {
  if (e !== null && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}
