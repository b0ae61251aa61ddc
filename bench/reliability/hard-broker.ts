/**
 * A Mosquitto that can also be killed hard (SIGKILL), which test/helpers/mosquitto.ts does not
 * offer: the same configuration (loopback port, persistence in its directory), started, stopped
 * with SIGTERM (sessions saved) or SIGKILL (whatever was not saved is gone) and started again on
 * the same port and directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOSQUITTO } from '../../test/helpers/mosquitto.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr !== null && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

export class HardBroker {
  readonly dir: string;
  readonly port: number;
  #child: ChildProcess | undefined;
  #log = '';
  /** How many times it was stopped, by signal. */
  readonly stops = { SIGTERM: 0, SIGKILL: 0 };

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  static async start(): Promise<HardBroker> {
    const b = new HardBroker(await mkdtemp(join(tmpdir(), 'tillqr-hard-broker-')), await freePort());
    const conf = [
      `listener ${b.port} 127.0.0.1`,
      'user root',
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${b.dir}/`,
      'autosave_interval 0',
      'log_dest stderr',
      'log_type error',
      'max_queued_messages 10000',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
    ];
    await writeFile(join(b.dir, 'mosquitto.conf'), conf.join('\n') + '\n');
    await b.launch();
    return b;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get log(): string {
    return this.#log;
  }

  async launch(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this.#log = (this.#log + d.toString()).slice(-10_000);
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`mosquitto exited at start:\n${this.#log}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`mosquitto did not accept connections within 15 s:\n${this.#log}`);
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.#child = undefined;
    this.stops[signal]++;
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
