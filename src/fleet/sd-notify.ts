/**
 * sd_notify(3) for Node, which has no unix datagram sockets: each notification runs systemd's own
 * `systemd-notify` (argument array, no shell) with NOTIFY_SOCKET passed through. The unit sets
 * NotifyAccess=all so PID 1 accepts a message from the daemon's child; systemd-notify (systemd >=
 * 246, Bookworm has 252) waits for PID 1 to have read the message (a BARRIER) before it exits, so
 * the message is attributed to the unit. docs/decisions/0005-sd-notify.md has the alternatives.
 *
 * Without NOTIFY_SOCKET (not started by systemd, tests, the simulator) nothing is spawned.
 */
import { execFile } from 'node:child_process';

export type NotifyRunner = (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<void>;

export const SYSTEMD_NOTIFY = '/usr/bin/systemd-notify';

function runSystemdNotify(binary: string): NotifyRunner {
  return (args, env) =>
    new Promise((resolve, reject) => {
      execFile(binary, [...args], { env, timeout: 10_000 }, (e, _out, stderr) =>
        e ? reject(new Error(`${binary} failed: ${stderr.trim() || e.message}`)) : resolve(),
      );
    });
}

export class SdNotify {
  readonly #env: NodeJS.ProcessEnv;
  readonly #run: NotifyRunner;
  #queue: Promise<unknown> = Promise.resolve();

  readonly #barrier: boolean;

  /**
   * `barrier: false` adds --no-block (no wait for PID 1 to read the message): only for talking to
   * something that is not systemd (a test's socat), as it brings the attribution race back.
   */
  constructor(env: NodeJS.ProcessEnv, o: { binary?: string; runner?: NotifyRunner; barrier?: boolean } = {}) {
    this.#env = env;
    this.#run = o.runner ?? runSystemdNotify(o.binary ?? SYSTEMD_NOTIFY);
    this.#barrier = o.barrier ?? true;
  }

  /** Started by systemd with Type=notify (NOTIFY_SOCKET set)? */
  get enabled(): boolean {
    const s = this.#env.NOTIFY_SOCKET;
    return s !== undefined && s !== '';
  }

  /** Half the unit's WatchdogSec (from WATCHDOG_USEC, for this process), or undefined when there is no watchdog. */
  watchdogIntervalMs(pid = process.pid): number | undefined {
    const usec = Number(this.#env.WATCHDOG_USEC);
    if (!this.enabled || !Number.isSafeInteger(usec) || usec <= 0) return undefined;
    const forPid = this.#env.WATCHDOG_PID;
    if (forPid !== undefined && forPid !== '' && Number(forPid) !== pid) return undefined;
    return Math.max(500, Math.floor(usec / 2000));
  }

  /** Send assignments such as READY=1; false when not under systemd. Messages go out in order. */
  notify(...assignments: string[]): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    for (const a of assignments) if (!/^[A-Z_]+=[^\n]*$/.test(a)) return Promise.reject(new Error(`not a notification assignment: ${JSON.stringify(a)}`));
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: this.#env.NOTIFY_SOCKET, PATH: this.#env.PATH ?? '/usr/bin:/bin' };
    const args = this.#barrier ? assignments : ['--no-block', ...assignments];
    const p = this.#queue.then(() => this.#run(args, env)).then(() => true);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  ready(status?: string): Promise<boolean> {
    return this.notify('READY=1', ...(status !== undefined ? [`STATUS=${status}`] : []));
  }

  watchdog(): Promise<boolean> {
    return this.notify('WATCHDOG=1');
  }

  status(text: string): Promise<boolean> {
    return this.notify(`STATUS=${text}`);
  }

  /** Ask for more start-up time (systemd >= 236), sent while waiting for the broker. */
  extendTimeout(ms: number): Promise<boolean> {
    return this.notify(`EXTEND_TIMEOUT_USEC=${Math.round(ms * 1000)}`);
  }

  stopping(): Promise<boolean> {
    return this.notify('STOPPING=1');
  }
}
