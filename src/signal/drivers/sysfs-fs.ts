/**
 * The few file operations the sysfs GPIO and PWM drivers make, behind an interface so the same
 * driver code runs against /sys on a Pi and against a temp-dir tree (with a small fake kernel
 * reacting to `export`) in the integration tests. Errors keep Node's errno `code`.
 */
import { readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';

export interface SysfsFs {
  readFile(path: string): Promise<string>;
  writeFile(path: string, data: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;
}

export const nodeSysfsFs: SysfsFs = {
  readFile: (path) => readFile(path, 'utf8'),
  writeFile: (path, data) => writeFile(path, data),
  readdir: (path) => readdir(path),
  readlink: (path) => readlink(path),
  async exists(path) {
    try {
      await stat(path);
      return true;
    } catch (e) {
      if (e !== null && typeof e === 'object' && 'code' in e && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return false;
      throw e;
    }
  },
};

/** Wait `ms` on the Clock (so waits are visible to a FakeClock too). */
export function sleep(clock: { setTimeout(fn: () => void, ms: number): unknown }, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}

/**
 * After an export, udev needs a moment to hand the new files to the gpio group: run `fn` again
 * every `stepMs` while `retryable` says the failure is that, until `waitMs` have passed.
 */
export async function whenUdevDone(
  clock: { now(): number; setTimeout(fn: () => void, ms: number): unknown },
  waitMs: number,
  stepMs: number,
  retryable: (e: unknown) => boolean,
  fn: () => Promise<void>,
): Promise<void> {
  const deadline = clock.now() + waitMs;
  for (;;) {
    try {
      await fn();
      return;
    } catch (e) {
      if (!retryable(e) || clock.now() >= deadline) throw e;
      await sleep(clock, stepMs);
    }
  }
}
