/**
 * A real Mosquitto broker for integration tests: generated config on a free loopback port,
 * persistence in a temp dir (so sessions survive `restart()`), optional password file and ACL.
 * `start()` resolves once the broker accepts TCP connections; `stop('SIGKILL')` then `launch()`
 * kills it hard and brings it back (the reliability runs); `close()` kills it and removes the
 * directory (call it in afterAll).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exited } from './child.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

export interface MosquittoOptions {
  /** ACL file content; with it, anonymous access is off and `users` are required. */
  acl?: string;
  /** user name -> password, written with mosquitto_passwd. */
  users?: Record<string, string>;
  /** Extra mosquitto.conf lines. */
  extraConfig?: string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr !== null && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether something accepts a TCP connection on 127.0.0.1:port (a broker that is up). */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class Mosquitto {
  readonly dir: string;
  readonly port: number;
  readonly #confPath: string;
  #child: ChildProcess | undefined;
  #log = '';
  /** How many times stop() ended the broker, by signal. */
  readonly stops = { SIGTERM: 0, SIGKILL: 0 };

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.#confPath = join(dir, 'mosquitto.conf');
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** What the broker wrote to stderr (for failure messages). */
  get log(): string {
    return this.#log;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  static async start(opts: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-mosquitto-'));
    const m = new Mosquitto(dir, await freePort());
    await m.#writeConfig(opts);
    await m.launch();
    return m;
  }

  async #writeConfig(opts: MosquittoOptions): Promise<void> {
    const lines = [
      `listener ${this.port} 127.0.0.1`,
      'user root',
      'persistence true',
      `persistence_location ${this.dir}/`,
      'autosave_interval 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'max_queued_messages 10000',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
    ];
    if (opts.acl !== undefined) {
      const acl = join(this.dir, 'acl');
      const passwd = join(this.dir, 'passwd');
      await writeFile(acl, opts.acl, { mode: 0o600 });
      await writeFile(passwd, '', { mode: 0o600 });
      for (const [user, password] of Object.entries(opts.users ?? {})) {
        await promisify(execFile)(MOSQUITTO_PASSWD, ['-b', passwd, user, password]);
      }
      await chmod(passwd, 0o600);
      lines.push('allow_anonymous false', `password_file ${passwd}`, `acl_file ${acl}`);
    } else {
      lines.push('allow_anonymous true');
    }
    lines.push(...(opts.extraConfig ?? []));
    await writeFile(this.#confPath, lines.join('\n') + '\n');
  }

  /** Start the broker on this port and directory: at start, and again after stop(). Resolves once it accepts connections. */
  async launch(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', this.#confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this.#log = (this.#log + d.toString()).slice(-20_000);
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`mosquitto exited at start:\n${this.#log}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`mosquitto did not accept connections within 15 s:\n${this.#log}`);
  }

  /**
   * Stop the broker: gracefully by default (SIGTERM: it saves sessions and queued messages to
   * disk), or hard (SIGKILL: whatever was not saved is gone).
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (await this.#end(signal)) this.stops[signal]++;
  }

  /** Freeze the broker (SIGSTOP): connections stay open but nothing answers, as with a dead network path. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Start again on the same port with the same persisted state. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Kill the broker if it runs and remove its directory. */
  async close(): Promise<void> {
    this.#child?.kill('SIGCONT'); // a paused broker must be able to die
    await this.#end('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Send the signal and wait for the exit; false when the broker was not running. */
  async #end(signal: 'SIGTERM' | 'SIGKILL'): Promise<boolean> {
    const child = this.#child;
    if (child === undefined || !this.running) return false;
    const done = exited(child);
    child.kill(signal);
    await done;
    this.#child = undefined;
    return true;
  }
}
