/**
 * Where raw level changes of a sysfs input come from. On a Pi: `onoff`, which waits for the
 * kernel's edge interrupt with epoll on the line's `value` file (loaded with a dynamic import, so
 * a machine without GPIO never loads its native module). Elsewhere (a fake sysfs tree, a line
 * whose `edge` file cannot be set, a build without epoll): polling the `value` file on the Clock.
 * Either way the raw levels go through the line's debouncer, which decides what is an edge.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Level } from '../gpio.js';
import type { SysfsFs } from './sysfs-fs.js';

export interface EdgeSource {
  /** Stop and let go of whatever the source holds; called when the line closes. */
  dispose(): Promise<void>;
}

export interface EdgeSourceArgs {
  /** The sysfs GPIO number (base + BCM pin). */
  readonly sysfsNumber: number;
  /** Path of the line's `value` file. */
  readonly valuePath: string;
  readonly fs: SysfsFs;
  readonly clock: Clock;
  /** A raw physical level seen (may repeat; may bounce). */
  readonly onRaw: (level: Level) => void;
  readonly onError: (e: unknown) => void;
}

export type EdgeSourceFactory = (args: EdgeSourceArgs) => Promise<EdgeSource>;

export function parseLevel(text: string): Level | undefined {
  const t = text.trim();
  return t === '1' ? 1 : t === '0' ? 0 : undefined;
}

/** Poll the value file every `pollMs`; one read at a time, never overlapping. */
export function pollEdges(pollMs: number): EdgeSourceFactory {
  return (args) => {
    let timer: TimerHandle | undefined;
    let stopped = false;
    let last: Level | undefined;
    let failing = false;
    const tick = async (): Promise<void> => {
      try {
        const v = parseLevel(await args.fs.readFile(args.valuePath));
        failing = false;
        if (v !== undefined && v !== last) {
          last = v;
          if (!stopped) args.onRaw(v);
        }
      } catch (e) {
        if (!failing) args.onError(e);
        failing = true;
      }
    };
    const schedule = (): void => {
      if (stopped) return;
      timer = args.clock.setTimeout(() => {
        timer = undefined;
        void tick().then(schedule);
      }, pollMs);
    };
    const stop = (): Promise<void> => {
      stopped = true;
      if (timer !== undefined) args.clock.clearTimeout(timer);
      timer = undefined;
      return Promise.resolve();
    };
    return tick().then(() => {
      schedule();
      return { dispose: stop };
    });
  };
}

/** The subset of onoff's Gpio we use. */
interface OnoffGpio {
  watch(cb: (err: Error | null | undefined, value: Level) => void): void;
  unexport(): void;
}

/**
 * Edge interrupts through onoff. The line is already exported, its `edge` set to `both` and its
 * `active_low` to 0 by the sysfs driver; onoff then only opens `value` and polls it with epoll.
 * onoff always works on /sys/class/gpio, so this source is used only with that root.
 */
export function onoffEdges(): EdgeSourceFactory {
  return async (args) => {
    const mod = await import('onoff');
    const gpio: OnoffGpio = new mod.Gpio(args.sysfsNumber, 'in', 'both', { reconfigureDirection: false });
    let watching = true;
    gpio.watch((err, value) => {
      if (err !== null && err !== undefined) args.onError(err);
      else if (watching) args.onRaw(value);
    });
    return {
      dispose() {
        watching = false;
        // onoff has no way to close its value file but unexport (which the driver does next anyway).
        gpio.unexport();
        return Promise.resolve();
      },
    };
  };
}
